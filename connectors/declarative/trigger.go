package declarative

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
)

// Trigger is an event of the third party that starts runs: a webhook
// (the third party calls Junction's gateway with one JSON event per
// delivery) or a polling trigger (Junction asks the third party for new
// items at an interval; see Poll).
type Trigger struct {
	// ID names the trigger: lowercase letters, digits and underscores.
	ID string `json:"id"`
	// Name is what people read.
	Name string `json:"name"`
	// Kind is webhook (the default) or polling.
	Kind        connectors.TriggerKind `json:"kind,omitempty" enum:"webhook,polling" description:"How the trigger learns of events: webhook (the default) or polling."`
	Description string                 `json:"description"`
	// Payload is the JSON Schema of one event, an object: the delivery's
	// body as a run receives it, or one polled item.
	Payload json.RawMessage `json:"payload" description:"The JSON Schema of one event (the delivery's body, or one polled item), an object."`
	// SamplePayload is a real-looking event; it must match Payload.
	SamplePayload json.RawMessage `json:"samplePayload" description:"A real-looking event, matching payload."`
	// EventIDPath is the JSON pointer (RFC 6901) of the event's unique id
	// in the body, e.g. "/event_id". Runs are deduplicated on it.
	EventIDPath string `json:"eventIdPath,omitempty" description:"The JSON pointer of the event's unique id in the body (/event_id)."`
	// EventIDHeader is the header holding the event's unique id, for
	// bodies without one; only when EventIDPath is empty.
	EventIDHeader string `json:"eventIdHeader,omitempty" description:"The header holding the event's unique id, when the body has none."`
	// EventIDQualifiers are further JSON pointers whose values, with
	// EventIDPath's, make the event's id (the trigger's idQualifiers),
	// for bodies with no event id of their own: a waybill and the scan's
	// time. Only with EventIDPath.
	EventIDQualifiers []string `json:"eventIdQualifiers,omitempty" description:"Further JSON pointers whose values, with eventIdPath's, identify the event (/Shipment/Status/StatusDateTime), for bodies without an event id; joined by ~~."`
	// Signature says how deliveries prove they come from the third party.
	// Webhooks only.
	Signature *Signature `json:"signature,omitempty" description:"webhook: how deliveries are authenticated."`
	// Poll is how a polling trigger asks for new items. Polling only.
	Poll *Poll `json:"poll,omitempty" description:"polling: the request that lists items, and how each poll reads them."`
	// EventTypePath is the JSON pointer of the event's type in the body,
	// e.g. "/type"; EventTypeHeader the header that holds it instead.
	// With EventTypes (conditions.go).
	EventTypePath   string `json:"eventTypePath,omitempty" description:"The JSON pointer of the event's type in the body (/type); with eventTypes."`
	EventTypeHeader string `json:"eventTypeHeader,omitempty" description:"The header holding the event's type (X-Acme-Event), when the body has none; with eventTypes."`
	// EventTypes are the types whose deliveries start runs; a delivery of
	// another type is acknowledged and starts nothing.
	EventTypes []string `json:"eventTypes,omitempty" description:"The event types that start runs; a delivery of another type is acknowledged (2xx) and starts nothing."`
	// Conditions must all hold for a delivery to start runs; one that
	// fails one is acknowledged and starts nothing.
	Conditions []Condition `json:"conditions,omitempty" description:"What a delivery must hold to start runs; one that does not is acknowledged (2xx) and starts nothing."`
	// Subscribe, Renew and Unsubscribe are the requests with which
	// Junction points the third party at its webhook URL while a
	// definition listens on the trigger (subscribe.go).
	Subscribe   *Subscribe   `json:"subscribe,omitempty" description:"The request that asks the app to send the trigger's events to Junction's webhook URL, sent when a definition on the trigger is enabled."`
	Renew       *Renew       `json:"renew,omitempty" description:"The request that extends a subscription before it expires; without it Junction subscribes again."`
	Unsubscribe *Unsubscribe `json:"unsubscribe,omitempty" description:"The request that ends a subscription, sent when the definition is disabled, deleted or moves to another trigger."`
}

// Signature schemes.
const (
	// SchemeHMAC: a MAC of the delivery in a header (the default).
	SchemeHMAC = "hmac"
	// SchemeToken: a shared token in a header, compared as is.
	SchemeToken = "token"
	// SchemeBasic: HTTP Basic authentication whose password is the
	// secret.
	SchemeBasic = "basic"
	// SchemeNone: deliveries are not authenticated.
	SchemeNone = "none"
)

// HMAC algorithms, encodings and what the MAC covers.
const (
	AlgorithmHMACSHA256 = "hmac-sha256"
	AlgorithmHMACSHA1   = "hmac-sha1"
	EncodingHex         = "hex"
	EncodingBase64      = "base64"
	OverBody            = "body"
	OverURLBody         = "url+body"
)

// DefaultTolerance is how old a timestamped delivery may be when the
// signature sets no tolerance.
const DefaultTolerance = 5 * time.Minute

// Signature is how a webhook's deliveries are authenticated with the
// connection's webhook secret (connectors.FieldWebhookSecret).
type Signature struct {
	// Scheme is hmac (the default), token, basic or none.
	Scheme string `json:"scheme,omitempty" enum:"hmac,token,basic,none" description:"hmac (default): a MAC in a header; token: a shared token in a header; basic: HTTP Basic auth with the secret as password; none: unsigned."`
	// Algorithm is hmac-sha256 or hmac-sha1. hmac only.
	Algorithm string `json:"algorithm,omitempty" enum:"hmac-sha256,hmac-sha1" description:"hmac: the MAC's algorithm."`
	// Header carries the MAC or the token.
	Header string `json:"header,omitempty" description:"The header carrying the MAC or the token."`
	// Encoding is how the MAC is written: hex or base64. hmac only.
	Encoding string `json:"encoding,omitempty" enum:"hex,base64" description:"hmac: how the MAC is written."`
	// Prefix comes before the MAC or token in the header, e.g. "sha256=".
	Prefix string `json:"prefix,omitempty" description:"Text before the MAC or token in the header (sha256=)."`
	// Over is what the MAC covers: body (the default) or url+body (the
	// webhook's public URL followed by the body). hmac only.
	Over string `json:"over,omitempty" enum:"body,url+body" description:"hmac: what is signed, body (default) or url+body."`
	// TimestampHeader, when set, carries the delivery's time in Unix
	// seconds; the signed text is then the timestamp, ".", and what Over
	// says. hmac only.
	TimestampHeader string `json:"timestampHeader,omitempty" description:"hmac: the header with the delivery's Unix time; the signed text is then timestamp + \".\" + the rest."`
	// Tolerance is how far the timestamp may be from the time of receipt,
	// a Go duration ("5m", the default). With TimestampHeader only.
	Tolerance string `json:"tolerance,omitempty" description:"How old a timestamped delivery may be: 5m when not given."`
	// Username is the user name basic deliveries give; any when empty.
	// basic only.
	Username string `json:"username,omitempty" description:"basic: the user name deliveries give (any when not set); the password is the webhook secret."`
}

// signed reports whether deliveries carry a signature or token.
func (s *Signature) signed() bool { return s != nil && s.Scheme != SchemeNone }

// specName is the TriggerSpec.Signature of the scheme.
func (s *Signature) specName() string {
	switch s.Scheme {
	case SchemeNone:
		return connectors.SignatureNone
	case SchemeToken:
		return "app_token"
	case SchemeBasic:
		return "app_basic"
	}
	name := "app_" + strings.ReplaceAll(s.Algorithm, "-", "_") + "_" + s.Encoding
	if s.Over == OverURLBody {
		name += "_url"
	}
	if s.TimestampHeader != "" {
		name += "_timestamped"
	}
	return name
}

// checkTriggers reports the problems of the app's triggers and returns
// their specs and code: webhooks, the compiled polls of polling triggers,
// and the subscriptions of the triggers that have them, by trigger id.
func (a *App) checkTriggers(v *validator) ([]connectors.TriggerSpec, []connectors.Webhook, []*compiledPoll, map[string]*subscription) {
	var specs []connectors.TriggerSpec
	var hooks []connectors.Webhook
	var polls []*compiledPoll
	subs := map[string]*subscription{}
	ids := map[string]int{}
	for i := range a.Triggers {
		at := "triggers[" + strconv.Itoa(i) + "]"
		tr := &a.Triggers[i]
		if j, dup := ids[tr.ID]; dup && tr.ID != "" {
			v.add(at+".id", definition.CodeDuplicateID, fmt.Sprintf("%q is also the id of triggers[%d]", tr.ID, j))
		} else {
			ids[tr.ID] = i
		}
		if tr.Signature.signed() && len(a.Auth) > 0 && !slices.ContainsFunc(a.Auth, func(au Auth) bool { return au.Kind != connectors.AuthNone }) {
			v.add(at+".signature", definition.CodeNotAllowed, "a signed trigger needs an auth kind other than none: the webhook secret is one of its fields")
		}
		if tr.Kind == connectors.TriggerPolling {
			if p := a.checkPolling(v, at, tr); p != nil {
				specs = append(specs, p.spec)
				polls = append(polls, p)
			}
			continue
		}
		if spec, hook := tr.check(v, at); hook != nil {
			specs = append(specs, spec)
			hooks = append(hooks, hook)
		}
		if sub := a.checkSubscription(v, at, tr); sub != nil {
			subs[tr.ID] = sub
		}
	}
	return specs, hooks, polls, subs
}

func (tr *Trigger) check(v *validator, at string) (connectors.TriggerSpec, connectors.Webhook) {
	start := len(v.problems)
	spec := connectors.TriggerSpec{
		ID: tr.ID, Name: tr.Name, Kind: connectors.TriggerWebhook, Description: tr.Description,
		SamplePayload: tr.SamplePayload, IDPointer: tr.EventIDPath, IDHeader: tr.EventIDHeader,
		IDQualifiers: tr.EventIDQualifiers,
	}
	v.checkNamed(at, tr.ID, tr.Name, tr.Description)
	switch tr.Kind {
	case "", connectors.TriggerWebhook:
	default:
		v.add(at+".kind", definition.CodeInvalidValue, fmt.Sprintf("%q is not webhook or polling", tr.Kind))
	}
	if tr.Poll != nil {
		v.add(at+".poll", definition.CodeNotAllowed, "is for polling triggers only")
	}
	spec.Payload = tr.checkPayload(v, at, "a delivery's body is a JSON object", tr.EventIDPath, "eventIdPath", tr.EventIDQualifiers, "eventIdQualifiers")

	switch {
	case tr.EventIDPath == "" && tr.EventIDHeader == "":
		v.add(at+".eventIdPath", definition.CodeRequired, "is required: the JSON pointer of the event's unique id (or eventIdHeader)")
	case tr.EventIDPath != "" && tr.EventIDHeader != "":
		v.add(at+".eventIdHeader", definition.CodeNotAllowed, "goes only without eventIdPath: an event has one id")
	case tr.EventIDPath != "":
		if err := checkPointer(tr.EventIDPath); err != nil {
			v.add(at+".eventIdPath", definition.CodeInvalidValue, err.Error())
		}
	case !headerToken(tr.EventIDHeader):
		v.add(at+".eventIdHeader", definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", tr.EventIDHeader))
	}
	if len(tr.EventIDQualifiers) > 0 && tr.EventIDPath == "" {
		v.add(at+".eventIdQualifiers", definition.CodeNotAllowed, "goes only with eventIdPath: they qualify the id found there")
	} else {
		checkQualifiers(v, at+".eventIdQualifiers", tr.EventIDPath, tr.EventIDQualifiers)
	}

	verify := tr.Signature.check(v, at+".signature")
	accept := tr.checkFilter(v, at)
	if len(v.problems) > start {
		return spec, nil
	}
	spec.Signature = tr.Signature.specName()
	if tr.Signature.signed() {
		spec.SecretField = connectors.FieldWebhookSecret
	}
	return spec, filtered(&connectors.JSONWebhook{Spec: spec, Verify: verify}, accept)
}

// check reports the problems of a signature and returns the check of a
// delivery it describes.
func (s *Signature) check(v *validator, at string) func(connectors.Delivery) error {
	if s == nil {
		v.add(at, definition.CodeRequired, `is required: how deliveries are signed, or {"scheme": "none"}`)
		return nil
	}
	start := len(v.problems)
	notAllowed := func(scheme string, fields ...struct{ name, value string }) {
		for _, f := range fields {
			if f.value != "" {
				v.add(at+"."+f.name, definition.CodeNotAllowed, "is not for scheme "+scheme)
			}
		}
	}
	type nv = struct{ name, value string }
	header := func() {
		switch {
		case strings.TrimSpace(s.Header) == "":
			v.add(at+".header", definition.CodeRequired, "is required: the header that carries the signature")
		case !headerToken(s.Header):
			v.add(at+".header", definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", s.Header))
		}
	}
	switch s.Scheme {
	case SchemeNone:
		notAllowed(SchemeNone, nv{"algorithm", s.Algorithm}, nv{"header", s.Header}, nv{"encoding", s.Encoding},
			nv{"prefix", s.Prefix}, nv{"over", s.Over}, nv{"timestampHeader", s.TimestampHeader}, nv{"tolerance", s.Tolerance},
			nv{"username", s.Username})
		if len(v.problems) > start {
			return nil
		}
		return func(connectors.Delivery) error { return nil }
	case SchemeToken:
		header()
		notAllowed(SchemeToken, nv{"algorithm", s.Algorithm}, nv{"encoding", s.Encoding}, nv{"over", s.Over},
			nv{"timestampHeader", s.TimestampHeader}, nv{"tolerance", s.Tolerance}, nv{"username", s.Username})
		if len(v.problems) > start {
			return nil
		}
		return s.verifyToken
	case SchemeBasic:
		// The header is Authorization, as HTTP Basic's always is.
		notAllowed(SchemeBasic, nv{"algorithm", s.Algorithm}, nv{"header", s.Header}, nv{"encoding", s.Encoding},
			nv{"prefix", s.Prefix}, nv{"over", s.Over}, nv{"timestampHeader", s.TimestampHeader}, nv{"tolerance", s.Tolerance})
		if strings.Contains(s.Username, ":") {
			v.add(at+".username", definition.CodeInvalidValue, "a Basic user name cannot hold a colon")
		}
		if len(v.problems) > start {
			return nil
		}
		return s.verifyBasic
	case "", SchemeHMAC:
		notAllowed(SchemeHMAC, nv{"username", s.Username})
	default:
		v.add(at+".scheme", definition.CodeInvalidValue, fmt.Sprintf("%q is not hmac, token, basic or none", s.Scheme))
		return nil
	}
	switch s.Algorithm {
	case "":
		v.add(at+".algorithm", definition.CodeRequired, "is required: hmac-sha256 or hmac-sha1")
	case AlgorithmHMACSHA256, AlgorithmHMACSHA1:
	default:
		v.add(at+".algorithm", definition.CodeInvalidValue, fmt.Sprintf("%q is not hmac-sha256 or hmac-sha1", s.Algorithm))
	}
	header()
	switch s.Encoding {
	case "":
		v.add(at+".encoding", definition.CodeRequired, "is required: hex or base64")
	case EncodingHex, EncodingBase64:
	default:
		v.add(at+".encoding", definition.CodeInvalidValue, fmt.Sprintf("%q is not hex or base64", s.Encoding))
	}
	switch s.Over {
	case "", OverBody, OverURLBody:
	default:
		v.add(at+".over", definition.CodeInvalidValue, fmt.Sprintf("%q is not body or url+body", s.Over))
	}
	if s.TimestampHeader != "" && !headerToken(s.TimestampHeader) {
		v.add(at+".timestampHeader", definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", s.TimestampHeader))
	}
	tolerance := DefaultTolerance
	if s.Tolerance != "" {
		d, err := time.ParseDuration(s.Tolerance)
		switch {
		case s.TimestampHeader == "":
			v.add(at+".tolerance", definition.CodeNotAllowed, "goes only with timestampHeader")
		case err != nil || d <= 0:
			v.add(at+".tolerance", definition.CodeInvalidValue, fmt.Sprintf("%q is not a positive duration such as 5m", s.Tolerance))
		default:
			tolerance = d
		}
	}
	if len(v.problems) > start {
		return nil
	}
	return func(d connectors.Delivery) error { return s.verifyHMAC(d, tolerance) }
}

// Why deliveries are refused; each is wrapped in
// connectors.ErrWebhookSignature.
var (
	errNoSecret     = errors.New("the connection has no webhook secret to check deliveries with")
	errNoSignature  = errors.New("the delivery has no signature")
	errBadSignature = errors.New("the delivery's signature matches none of the connection's webhook secrets")
	errTimestamp    = errors.New("the delivery's timestamp is missing, malformed or too far from now")
)

func (s *Signature) presented(d connectors.Delivery) (string, error) {
	if !connectors.HasSecret(d.Secrets) {
		return "", connectors.SignatureError(errNoSecret)
	}
	got := d.Header.Get(s.Header)
	if got == "" {
		return "", connectors.SignatureError(fmt.Errorf("%w: no %s header", errNoSignature, s.Header))
	}
	got, ok := strings.CutPrefix(got, s.Prefix)
	if !ok {
		return "", connectors.SignatureError(fmt.Errorf("%w: %s does not start with %q", errBadSignature, s.Header, s.Prefix))
	}
	return got, nil
}

func (s *Signature) verifyToken(d connectors.Delivery) error {
	got, err := s.presented(d)
	if err != nil {
		return err
	}
	if _, ok := connectors.PresentedSecret(got, d.Secrets); !ok {
		return connectors.SignatureError(errBadSignature)
	}
	return nil
}

func (s *Signature) verifyHMAC(d connectors.Delivery, tolerance time.Duration) error {
	got, err := s.presented(d)
	if err != nil {
		return err
	}
	var sig []byte
	if s.Encoding == EncodingHex {
		sig, err = hex.DecodeString(got)
	} else {
		sig, err = base64.StdEncoding.DecodeString(got)
	}
	if err != nil {
		return connectors.SignatureError(fmt.Errorf("%w: %s is not %s", errBadSignature, s.Header, s.Encoding))
	}
	var prefix []byte
	if s.TimestampHeader != "" {
		ts := d.Header.Get(s.TimestampHeader)
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return connectors.SignatureError(errTimestamp)
		}
		now := d.Now
		if now.IsZero() {
			now = time.Now()
		}
		if diff := now.Sub(time.Unix(sec, 0)); diff > tolerance || diff < -tolerance {
			return connectors.SignatureError(errTimestamp)
		}
		prefix = []byte(ts + ".")
	}
	if s.Over == OverURLBody {
		prefix = append(prefix, d.URL...)
	}
	newHash := sha256.New
	if s.Algorithm == AlgorithmHMACSHA1 {
		newHash = func() hash.Hash { return sha1.New() }
	}
	_, ok := connectors.SignedWith(sig, d.Secrets, func(secret string) []byte {
		m := hmac.New(newHash, []byte(secret))
		m.Write(prefix)
		m.Write(d.Body)
		return m.Sum(nil)
	})
	if !ok {
		return connectors.SignatureError(errBadSignature)
	}
	return nil
}

// checkPayload reports the problems of a trigger's payload schema and
// sample, and returns the schema: an object (why says so), whose sample
// has an id at pointer (the field idField says where) and at each of
// qualifiers (the field qualifiersField) when it is valid.
func (tr *Trigger) checkPayload(v *validator, at, why, pointer, idField string, qualifiers []string, qualifiersField string) *connectors.Schema {
	if len(bytes.TrimSpace(tr.Payload)) == 0 {
		v.add(at+".payload", definition.CodeRequired, "is required: the JSON Schema of one event")
		return nil
	}
	s, err := connectors.ParseSchema(tr.Payload)
	if err != nil {
		for line := range strings.SplitSeq(err.Error(), "\n") {
			v.add(at+".payload", definition.CodeInvalidValue, "is not a valid schema: "+line)
		}
		return nil
	}
	if !s.Type.Has(connectors.TypeObject) {
		v.add(at+".payload", definition.CodeInvalidValue, "must be a schema of type object: "+why)
		return nil
	}
	if len(bytes.TrimSpace(tr.SamplePayload)) == 0 {
		v.add(at+".samplePayload", definition.CodeRequired, "is required: an event the docs show and tests replay")
	} else if err := s.Validate(tr.SamplePayload); err != nil {
		v.add(at+".samplePayload", definition.CodeInvalidValue, "does not match the payload schema: "+err.Error())
	} else if pointer != "" && checkPointer(pointer) == nil {
		// The gateway's (and the poll's) own reading of the id, so the
		// sample proves it.
		if _, err := connectors.EventOf(connectors.TriggerSpec{ID: tr.ID, IDPointer: pointer}, nil, tr.SamplePayload); err != nil {
			v.add(at+".samplePayload", definition.CodeInvalidValue, fmt.Sprintf("has no id (a non-empty string or an integer) at %s %s", idField, pointer))
		}
		seen := map[string]bool{pointer: true}
		for i, q := range qualifiers {
			if checkPointer(q) != nil || seen[q] {
				continue
			}
			seen[q] = true
			if _, err := connectors.EventOf(connectors.TriggerSpec{ID: tr.ID, IDPointer: q}, nil, tr.SamplePayload); err != nil {
				v.add(at+".samplePayload", definition.CodeInvalidValue, fmt.Sprintf("has no id value (a non-empty string or an integer) at %s[%d] %s", qualifiersField, i, q))
			}
		}
	}
	return s
}

// checkQualifiers reports the problems of the further pointers of an
// event's id (at): each a JSON pointer, none repeated nor the id's own
// pointer.
func checkQualifiers(v *validator, at, pointer string, qualifiers []string) {
	seen := map[string]bool{pointer: true}
	for i, q := range qualifiers {
		qat := fmt.Sprintf("%s[%d]", at, i)
		if err := checkPointer(q); err != nil {
			v.add(qat, definition.CodeInvalidValue, err.Error())
			continue
		}
		if seen[q] {
			v.add(qat, definition.CodeDuplicateID, fmt.Sprintf("%s is already part of the id", q))
		}
		seen[q] = true
	}
}

// checkPointer checks a JSON pointer's syntax (RFC 6901) for an event id:
// it starts with / and ~ is followed by 0 or 1.
func checkPointer(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q is not a JSON pointer: it starts with /, as in /event_id", p)
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '~' && (i+1 == len(p) || (p[i+1] != '0' && p[i+1] != '1')) {
			return fmt.Errorf("%q is not a JSON pointer: ~ is written ~0 and / in a key ~1", p)
		}
	}
	return nil
}
