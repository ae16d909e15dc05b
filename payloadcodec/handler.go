package payloadcodec

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Errors an Authorize hook returns to choose the status: ErrForbidden gives
// 403 (the caller is known but may not see payloads); ErrUnauthenticated,
// and any other error, gives 401.
var (
	ErrUnauthenticated = errors.New("not authenticated")
	ErrForbidden       = errors.New("not allowed to read payloads")
)

// DefaultMaxRequestBytes bounds a request body when HandlerConfig leaves
// MaxRequestBytes at zero. Temporal refuses payloads over 2 MiB by default;
// the UI sends one event's payloads per request.
const DefaultMaxRequestBytes = 8 << 20

// The headers the Temporal UI sends to a codec server: X-Namespace always,
// Authorization and Authorization-Extras when codec.passAccessToken is set.
const corsAllowHeaders = "Authorization, Authorization-Extras, Content-Type, X-Namespace"

// HandlerConfig says who may use the codec endpoint.
type HandlerConfig struct {
	// AllowedOrigins are the browser origins of the Temporal UI, e.g.
	// "http://127.0.0.1:8233" or "https://temporal.example.com" (scheme,
	// host and port; a trailing slash is ignored). A request with an Origin
	// header that is not listed is refused with 403 before anything else;
	// requests without one (the CLI, other servers) are not browser
	// requests and are let through to Authorize.
	AllowedOrigins []string
	// Authorize decides whether a request may encode or decode. It sees the
	// request's headers (Authorization with the UI's access token when
	// codec.passAccessToken is set; cookies when codec.includeCredentials
	// is) and must not read the body. Return ErrForbidden for 403, any
	// other error for 401. A nil Authorize refuses every request: the
	// endpoint decrypts everything Junction stores, so opening it must be a
	// deliberate choice (`func(*http.Request) error { return nil }` on a
	// loopback-only dev server).
	Authorize func(*http.Request) error
	// Namespaces the endpoint serves, matched against the X-Namespace
	// header the UI sends; others get 403. Empty allows any namespace.
	Namespaces []string
	// MaxRequestBytes bounds the request body (default
	// DefaultMaxRequestBytes); larger requests get 413.
	MaxRequestBytes int64
}

// Handler serves the Temporal codec-server protocol: POST .../encode and
// POST .../decode with a JSON Payloads body ({"payloads": [...]}), answered
// in the same shape. Only the last path element is looked at, so it can be
// mounted under any prefix (the gateway's /codec/). Every request passes
// the origin check, Authorize and the namespace check before its body is
// read; refused requests get 401 or 403 and a short reason, never payload
// data. CORS preflights from allowed origins are answered without
// authorization, as browsers send them without credentials. Responses are
// marked no-store: decrypted payloads must not linger in caches.
func Handler(c *Codec, cfg HandlerConfig) http.Handler {
	if c == nil {
		panic("payloadcodec.Handler: nil codec")
	}
	h := &handler{codec: c, cfg: cfg, origins: make(map[string]bool, len(cfg.AllowedOrigins))}
	for _, o := range cfg.AllowedOrigins {
		h.origins[normalizeOrigin(o)] = true
	}
	if h.cfg.MaxRequestBytes <= 0 {
		h.cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	return h
}

type handler struct {
	codec   *Codec
	cfg     HandlerConfig
	origins map[string]bool
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Add("Vary", "Origin")
	hdr.Set("Cache-Control", "no-store")
	if origin := r.Header.Get("Origin"); origin != "" {
		if !h.origins[normalizeOrigin(origin)] {
			fail(w, http.StatusForbidden, "origin not allowed")
			return
		}
		hdr.Set("Access-Control-Allow-Origin", origin)
		hdr.Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions {
			hdr.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			hdr.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			hdr.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	if r.Method != http.MethodPost {
		hdr.Set("Allow", "POST, OPTIONS")
		fail(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	var transform func([]*commonpb.Payload) ([]*commonpb.Payload, error)
	switch {
	case strings.HasSuffix(r.URL.Path, "/encode"):
		transform = h.codec.Encode
	case strings.HasSuffix(r.URL.Path, "/decode"):
		transform = h.codec.Decode
	default:
		fail(w, http.StatusNotFound, "the codec endpoints are .../encode and .../decode")
		return
	}

	if h.cfg.Authorize == nil {
		fail(w, http.StatusUnauthorized, "the codec endpoint has no authorization configured")
		return
	}
	if err := h.cfg.Authorize(r); err != nil {
		if errors.Is(err, ErrForbidden) {
			fail(w, http.StatusForbidden, "forbidden")
			return
		}
		hdr.Set("WWW-Authenticate", `Bearer realm="junction-codec"`)
		fail(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	if len(h.cfg.Namespaces) > 0 && !slices.Contains(h.cfg.Namespaces, r.Header.Get("X-Namespace")) {
		fail(w, http.StatusForbidden, "namespace not served by this codec endpoint")
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxRequestBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			fail(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		fail(w, http.StatusBadRequest, "reading the request body failed")
		return
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(body, &in); err != nil {
		fail(w, http.StatusBadRequest, `the body must be a JSON Payloads object: {"payloads": [...]}`)
		return
	}
	out, err := transform(in.GetPayloads())
	if err != nil {
		// Codec errors name key ids and payload positions, never key
		// material or payload contents.
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	resp := []byte(`{"payloads":[]}`) // protojson would write {} for none
	if len(out) > 0 {
		resp, err = protojson.Marshal(&commonpb.Payloads{Payloads: out})
	}
	if err != nil {
		fail(w, http.StatusInternalServerError, "encoding the response failed")
		return
	}
	hdr.Set("Content-Type", "application/json")
	_, _ = w.Write(resp)
}

func fail(w http.ResponseWriter, status int, msg string) {
	http.Error(w, msg, status)
}

func normalizeOrigin(o string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(o), "/"))
}
