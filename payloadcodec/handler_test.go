package payloadcodec

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

const (
	uiOrigin   = "http://127.0.0.1:8233"
	staffToken = "Bearer staff"
)

// staffOnly stands in for the gateway's support-staff check.
func staffOnly(r *http.Request) error {
	switch r.Header.Get("Authorization") {
	case staffToken:
		return nil
	case "Bearer customer":
		return ErrForbidden
	default:
		return ErrUnauthenticated
	}
}

func payloadsJSON(t *testing.T, ps []*commonpb.Payload) string {
	t.Helper()
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: ps})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandler(t *testing.T) {
	codec := New(testKeyring(t, testKey(t, "k1")))
	h := Handler(codec, HandlerConfig{
		AllowedOrigins: []string{uiOrigin + "/", "https://temporal.example.com"},
		Authorize:      staffOnly,
		Namespaces:     []string{"junction"},
	})
	plain := []*commonpb.Payload{jsonPayload(cardNumber), jsonPayload("second")}
	encrypted, err := codec.Encode(plain)
	if err != nil {
		t.Fatal(err)
	}
	encryptedBody := payloadsJSON(t, encrypted)
	foreign, err := New(testKeyring(t, testKey(t, "k9"))).Encode(plain[:1])
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		body       string
		wantStatus int
		wantHeader map[string]string // "" means the header must be absent
		wantBody   string
		check      func(t *testing.T, body string)
	}{
		{
			name:   "preflight from the UI needs no credentials",
			method: http.MethodOptions, path: "/codec/decode",
			header: map[string]string{
				"Origin":                         uiOrigin,
				"Access-Control-Request-Method":  "POST",
				"Access-Control-Request-Headers": "authorization,content-type,x-namespace",
			},
			wantStatus: http.StatusNoContent,
			wantHeader: map[string]string{
				"Access-Control-Allow-Origin":      uiOrigin,
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "POST, OPTIONS",
				"Access-Control-Allow-Headers":     corsAllowHeaders,
				"Vary":                             "Origin",
			},
		},
		{
			name:   "preflight from another origin",
			method: http.MethodOptions, path: "/codec/decode",
			header:     map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			wantStatus: http.StatusForbidden,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			name:   "decode from the UI",
			method: http.MethodPost, path: "/codec/decode",
			header: map[string]string{
				"Origin": uiOrigin, "Authorization": staffToken, "X-Namespace": "junction",
				"Content-Type": "application/json",
			},
			body:       encryptedBody,
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{
				"Access-Control-Allow-Origin": uiOrigin,
				"Content-Type":                "application/json",
				"Cache-Control":               "no-store",
			},
			check: func(t *testing.T, body string) {
				var got commonpb.Payloads
				if err := protojson.Unmarshal([]byte(body), &got); err != nil {
					t.Fatal(err)
				}
				if !proto.Equal(&got, &commonpb.Payloads{Payloads: plain}) {
					t.Fatalf("decoded %v, want %v", &got, plain)
				}
			},
		},
		{
			name:   "decode under the UI's query string, no Origin (CLI)",
			method: http.MethodPost, path: "/decode?preserveStorageRefs=true",
			header:     map[string]string{"Authorization": staffToken, "X-Namespace": "junction"},
			body:       encryptedBody,
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": ""},
			check: func(t *testing.T, body string) {
				if !strings.Contains(body, base64.StdEncoding.EncodeToString(plain[0].Data)) {
					t.Fatalf("body does not hold the plaintext: %s", body)
				}
			},
		},
		{
			name:   "encode",
			method: http.MethodPost, path: "/codec/encode",
			header:     map[string]string{"Origin": uiOrigin, "Authorization": staffToken, "X-Namespace": "junction"},
			body:       payloadsJSON(t, plain),
			wantStatus: http.StatusOK,
			check: func(t *testing.T, body string) {
				var got commonpb.Payloads
				if err := protojson.Unmarshal([]byte(body), &got); err != nil {
					t.Fatal(err)
				}
				for _, p := range got.Payloads {
					assertEncrypted(t, p, "k1")
				}
				dec, err := codec.Decode(got.Payloads)
				if err != nil || !proto.Equal(&commonpb.Payloads{Payloads: dec}, &commonpb.Payloads{Payloads: plain}) {
					t.Fatalf("round trip: %v, %v", dec, err)
				}
			},
		},
		{
			name:   "empty payload list",
			method: http.MethodPost, path: "/codec/decode",
			header:     map[string]string{"Authorization": staffToken, "X-Namespace": "junction"},
			body:       `{"payloads":[]}`,
			wantStatus: http.StatusOK,
			wantBody:   `{"payloads":[]}`,
		},
		{
			name:   "no credentials",
			method: http.MethodPost, path: "/codec/decode",
			header:     map[string]string{"Origin": uiOrigin, "X-Namespace": "junction"},
			body:       encryptedBody,
			wantStatus: http.StatusUnauthorized,
			wantHeader: map[string]string{
				"WWW-Authenticate":            `Bearer realm="junction-codec"`,
				"Access-Control-Allow-Origin": uiOrigin, // so the UI can read the status
			},
			wantBody: "unauthorized\n",
		},
		{
			name:   "a user who may not see payloads",
			method: http.MethodPost, path: "/codec/decode",
			header:     map[string]string{"Authorization": "Bearer customer", "X-Namespace": "junction"},
			body:       encryptedBody,
			wantStatus: http.StatusForbidden,
			wantBody:   "forbidden\n",
		},
		{
			name:   "another namespace",
			method: http.MethodPost, path: "/codec/decode",
			header:     map[string]string{"Authorization": staffToken, "X-Namespace": "billing"},
			body:       encryptedBody,
			wantStatus: http.StatusForbidden,
		},
		{
			name:   "no namespace",
			method: http.MethodPost, path: "/codec/decode",
			header:     map[string]string{"Authorization": staffToken},
			body:       encryptedBody,
			wantStatus: http.StatusForbidden,
		},
		{
			name:   "POST from another origin",
			method: http.MethodPost, path: "/codec/decode",
			header:     map[string]string{"Origin": "https://evil.example", "Authorization": staffToken, "X-Namespace": "junction"},
			body:       encryptedBody,
			wantStatus: http.StatusForbidden,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			name:   "GET",
			method: http.MethodGet, path: "/codec/decode",
			header:     map[string]string{"Authorization": staffToken, "X-Namespace": "junction"},
			wantStatus: http.StatusMethodNotAllowed,
			wantHeader: map[string]string{"Allow": "POST, OPTIONS"},
		},
		{
			name:   "unknown endpoint",
			method: http.MethodPost, path: "/codec/keys",
			header:     map[string]string{"Authorization": staffToken, "X-Namespace": "junction"},
			body:       encryptedBody,
			wantStatus: http.StatusNotFound,
		},
		{
			name:   "not JSON",
			method: http.MethodPost, path: "/codec/decode",
			header:     map[string]string{"Authorization": staffToken, "X-Namespace": "junction"},
			body:       "payloads please",
			wantStatus: http.StatusBadRequest,
		},
		{
			name:   "payload under a key this server lacks",
			method: http.MethodPost, path: "/codec/decode",
			header:     map[string]string{"Authorization": staffToken, "X-Namespace": "junction"},
			body:       payloadsJSON(t, foreign),
			wantStatus: http.StatusBadRequest,
			check: func(t *testing.T, body string) {
				if !strings.Contains(body, "key k9") {
					t.Fatalf("body does not name the missing key: %s", body)
				}
			},
		},
		{
			name:   "too large",
			method: http.MethodPost, path: "/codec/decode",
			header:     map[string]string{"Authorization": staffToken, "X-Namespace": "junction"},
			body:       `{"payloads":[{"data":"` + strings.Repeat("A", DefaultMaxRequestBytes) + `"}]}`,
			wantStatus: http.StatusRequestEntityTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %.200s", rec.Code, tt.wantStatus, body)
			}
			for k, want := range tt.wantHeader {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body %q, want %q", body, tt.wantBody)
			}
			if rec.Code != http.StatusOK {
				// A refused request learns nothing about the payloads.
				for _, p := range append(append([]*commonpb.Payload{}, plain...), encrypted...) {
					if strings.Contains(body, base64.StdEncoding.EncodeToString(p.Data)) {
						t.Fatalf("refused request got payload data back: %s", body)
					}
				}
				if strings.Contains(body, cardNumber) {
					t.Fatalf("refused request got the plaintext: %s", body)
				}
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
}

func TestHandlerWithoutAuthorizeRefusesEverything(t *testing.T) {
	codec := New(testKeyring(t, testKey(t, "k1")))
	enc, err := codec.Encode([]*commonpb.Payload{jsonPayload(cardNumber)})
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(codec, HandlerConfig{AllowedOrigins: []string{uiOrigin}})
	req := httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(payloadsJSON(t, enc)))
	req.Header.Set("Authorization", staffToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "payloads") {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

// The SDK's remote codec (what `temporal` CLI and NewRemoteDataConverter
// use) speaks to the handler: the protocol matches on both sides.
func TestHandlerServesSDKRemoteCodec(t *testing.T) {
	codec := New(testKeyring(t, testKey(t, "k1")), WithCompression())
	mux := http.NewServeMux()
	mux.Handle("/codec/", http.StripPrefix("/codec", Handler(codec, HandlerConfig{
		Authorize:  staffOnly,
		Namespaces: []string{"junction"},
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{
		Endpoint: srv.URL + "/codec",
		ModifyRequest: func(r *http.Request) error {
			r.Header.Set("Authorization", staffToken)
			r.Header.Set("X-Namespace", "junction")
			return nil
		},
	})
	plain := []*commonpb.Payload{jsonPayload(cardNumber)}
	enc, err := remote.Encode(plain)
	if err != nil {
		t.Fatal(err)
	}
	assertEncrypted(t, enc[0], "k1")
	local, err := codec.Decode(enc)
	if err != nil || !proto.Equal(local[0], plain[0]) {
		t.Fatalf("decoding locally what the server encoded: %v, %v", local, err)
	}
	dec, err := remote.Decode(enc)
	if err != nil || !proto.Equal(dec[0], plain[0]) {
		t.Fatalf("remote decode: %v, %v", dec, err)
	}

	// Without credentials the remote codec gets the 401, not payloads.
	anon := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: srv.URL + "/codec"})
	if _, err := anon.Decode(enc); err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("got %v, want a 401", err)
	}

	resp, err := http.Post(srv.URL+"/codec/decode", "application/json", strings.NewReader(payloadsJSON(t, enc)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(b), base64.StdEncoding.EncodeToString(plain[0].Data)) {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
}
