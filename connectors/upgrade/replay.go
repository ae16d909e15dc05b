package upgrade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/junction-run/junction/connectors"
)

// ReplayTimeout bounds one replayed call: it sends nothing, so only a
// connector's own work (rendering, mapping) takes time.
const ReplayTimeout = 10 * time.Second

// Replayed is what an action made of a recorded call: the requests it
// would have sent (recorded as a Recorder records them) and what it
// returned or failed with, the recorded answers standing in for the third
// party.
type Replayed struct {
	Requests []Request `json:"requests"`
	Output   any       `json:"output,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// errNoAnswer is what the replaying transport answers a request the record
// has no answer for.
var errNoAnswer = errors.New("the recorded call has no answer for this request")

// Replay runs action with the recorded call's input, connection settings
// and environment, over an HTTP client whose transport answers the n-th
// request with the record's n-th answer and sends nothing. The action must
// send its requests through the call's client (connectors.Call.HTTP), as
// the apps of package connectors/declarative do.
func Replay(ctx context.Context, action connectors.Action, call Call) Replayed {
	ctx, cancel := context.WithTimeout(ctx, ReplayTimeout)
	defer cancel()
	input, err := json.Marshal(call.Input)
	if err != nil {
		return Replayed{Requests: []Request{}, Error: "encoding the recorded input: " + err.Error()}
	}
	rt := &replayTransport{answers: call.Exchanges}
	out, err := action.Run(ctx, connectors.Call{
		Input:          input,
		Connection:     connectors.Connection{AuthKind: call.AuthKind, Fields: call.Fields, Properties: call.Properties},
		Env:            connectors.EnvVars(call.Env),
		HTTP:           &http.Client{Transport: rt},
		IdempotencyKey: "replay",
	})
	r := Replayed{Requests: rt.requests()}
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Output = normalize(out)
	return r
}

// Recorded is the call as it ran, in Replayed's terms: what a replay on
// the version that ran it would give, for comparing a replay with when
// that version is gone.
func Recorded(call Call) Replayed {
	r := Replayed{Requests: make([]Request, len(call.Exchanges)), Output: call.Output, Error: call.Error}
	for i, ex := range call.Exchanges {
		r.Requests[i] = ex.Request
	}
	return r
}

// Replayable says why a recorded call cannot be replayed faithfully, or ""
// when it can: a body, or the list of requests, was cut when recorded.
func (c Call) Replayable() string {
	if c.ExchangesOmitted {
		return fmt.Sprintf("the call sent more than %d requests; only the first were recorded", MaxExchanges)
	}
	for i, ex := range c.Exchanges {
		if ex.Request.Truncated || ex.Answer != nil && ex.Answer.Truncated {
			return fmt.Sprintf("request %d or its answer was larger than %d bytes and was not recorded whole", i+1, MaxBodyBytes)
		}
	}
	return ""
}

// replayTransport answers from a record.
type replayTransport struct {
	answers []Exchange
	mu      sync.Mutex
	sent    []Request
}

func (t *replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	n := len(t.sent)
	t.sent = append(t.sent, recordRequest(req))
	t.mu.Unlock()
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if n >= len(t.answers) || t.answers[n].Answer == nil {
		return nil, errNoAnswer
	}
	a := t.answers[n].Answer
	h := http.Header{}
	if a.ContentType != "" {
		h.Set("Content-Type", a.ContentType)
	}
	if a.Location != "" {
		h.Set("Location", a.Location)
	}
	return &http.Response{
		Status: strconv.Itoa(a.Status) + " " + http.StatusText(a.Status), StatusCode: a.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(a.Body)), ContentLength: int64(len(a.Body)), Request: req,
	}, nil
}

func (t *replayTransport) requests() []Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Request{}, t.sent...)
}

// CheckInput lists how a recorded input fails an action's input schema,
// one InputInvalid change per problem.
func CheckInput(spec connectors.ActionSpec, input map[string]any) []Change {
	if spec.Input == nil {
		return nil
	}
	var value any = input
	if input == nil {
		value = map[string]any{}
	}
	var out []Change
	for _, m := range spec.Input.Mismatches(value, nil) {
		f := pointerPath(m.Pointer)
		out = append(out, Change{Kind: InputInvalid, Action: spec.ID, Field: f,
			Message: fmt.Sprintf("%s: the recorded input's %s %s on the new version", spec.ID, orInput(f), m.Message)})
	}
	return out
}

func orInput(f string) string {
	if f == "" {
		return "input"
	}
	return f
}

// pointerPath is a JSON pointer as a dotted path: /lines/0/sku is
// lines.0.sku.
func pointerPath(p string) string {
	p = strings.TrimPrefix(p, "/")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return strings.Join(parts, ".")
}

// Compare lists what differs between an action's replays on the old and
// the new version of a recorded call: the requests (their number, method,
// URL, query parameters, headers but User-Agent, which is the worker's,
// and body, field by field when both are JSON), whether it succeeds, and
// the output fields it returns (removed or changed; added ones change
// nothing a definition reads).
func Compare(action string, old, now Replayed) []Change {
	out := []Change{}
	add := func(kind, field string, from, to any, format string, args ...any) {
		out = append(out, Change{Kind: kind, Action: action, Field: field, From: from, To: to, Message: action + ": " + fmt.Sprintf(format, args...)})
	}
	if len(old.Requests) != len(now.Requests) {
		add(RequestChanged, "requests", len(old.Requests), len(now.Requests), "sends %d requests instead of %d", len(now.Requests), len(old.Requests))
	}
	for i := range min(len(old.Requests), len(now.Requests)) {
		prefix := ""
		if len(old.Requests) > 1 {
			prefix = "requests[" + strconv.Itoa(i) + "]."
		}
		compareRequests(prefix, old.Requests[i], now.Requests[i], func(field string, from, to any, what string) {
			add(RequestChanged, field, from, to, "%s", what)
		})
	}
	switch {
	case old.Error == "" && now.Error != "":
		add(OutcomeChanged, "", "succeeded", now.Error, "fails where it succeeded: %s", now.Error)
	case old.Error != "" && now.Error == "":
		add(OutcomeChanged, "", old.Error, "succeeded", "succeeds where it failed (%s)", old.Error)
	case old.Error != now.Error:
		add(OutcomeChanged, "", old.Error, now.Error, "fails otherwise: %s", now.Error)
	case old.Error == "":
		diffValues("", normalize(old.Output), normalize(now.Output), func(path string, from, to any, gone, added bool) {
			switch {
			case added:
			case gone:
				add(OutputRemoved, orOutput(path), from, nil, "returns no %s (it was %s)", orOutput(path), brief(from))
			default:
				add(OutputChanged, orOutput(path), from, to, "returns %s for %s from the same answer (it was %s)", brief(to), orOutput(path), brief(from))
			}
		})
	}
	return out
}

func orOutput(path string) string {
	if path == "" {
		return "output"
	}
	return path
}

// compareRequests reports each part of two requests that differs.
func compareRequests(prefix string, a, b Request, report func(field string, from, to any, what string)) {
	if a.Method != b.Method {
		report(prefix+"method", a.Method, b.Method, fmt.Sprintf("sends %s instead of %s", b.Method, a.Method))
	}
	ua, errA := url.Parse(a.URL)
	ub, errB := url.Parse(b.URL)
	if errA != nil || errB != nil {
		if a.URL != b.URL {
			report(prefix+"url", a.URL, b.URL, "sends to another URL")
		}
	} else {
		qa, qb := ua.Query(), ub.Query()
		ua.RawQuery, ub.RawQuery = "", ""
		if ua.String() != ub.String() {
			report(prefix+"url", ua.String(), ub.String(), fmt.Sprintf("sends to %s instead of %s", ub.String(), ua.String()))
		}
		for _, k := range slices.Sorted(maps.Keys(union(qa, qb))) {
			if va, vb := strings.Join(qa[k], ","), strings.Join(qb[k], ","); va != vb || len(qa[k]) != len(qb[k]) {
				report(prefix+"query."+k, presence(qa, k), presence(qb, k), fmt.Sprintf("query parameter %s differs", k))
			}
		}
	}
	ha, hb := canonical(a.Header), canonical(b.Header)
	for _, k := range slices.Sorted(maps.Keys(union(ha, hb))) {
		if k == "User-Agent" {
			continue
		}
		va, inA := ha[k]
		vb, inB := hb[k]
		if va != vb || inA != inB {
			report(prefix+"header."+k, orNil(va, inA), orNil(vb, inB), fmt.Sprintf("header %s differs", k))
		}
	}
	if a.Body == b.Body {
		return
	}
	var ja, jb any
	if json.Unmarshal([]byte(a.Body), &ja) != nil || json.Unmarshal([]byte(b.Body), &jb) != nil {
		report(prefix+"body", a.Body, b.Body, "sends another body")
		return
	}
	diffValues("", ja, jb, func(path string, from, to any, gone, added bool) {
		field := prefix + "body"
		if path != "" {
			field += "." + path
		}
		switch {
		case gone:
			report(field, from, nil, fmt.Sprintf("no longer sends %s", field))
		case added:
			report(field, nil, to, fmt.Sprintf("also sends %s", field))
		default:
			report(field, from, to, fmt.Sprintf("sends %s for %s instead of %s", brief(to), field, brief(from)))
		}
	})
}

func union[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func presence(q url.Values, k string) any {
	if v, ok := q[k]; ok {
		return strings.Join(v, ",")
	}
	return nil
}

func orNil(v string, ok bool) any {
	if ok {
		return v
	}
	return nil
}

func canonical(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[http.CanonicalHeaderKey(k)] = v
	}
	return out
}

// maxDiffDepth bounds how deep diffValues walks.
const maxDiffDepth = 32

// diffValues walks two JSON values and reports each path where they
// differ: gone (in a only), added (in b only) or changed. Arrays of
// different lengths are one change.
func diffValues(path string, a, b any, report func(path string, from, to any, gone, added bool)) {
	var walk func(path string, a, b any, depth int)
	walk = func(path string, a, b any, depth int) {
		ma, okA := a.(map[string]any)
		mb, okB := b.(map[string]any)
		if okA && okB && depth < maxDiffDepth {
			for _, k := range slices.Sorted(maps.Keys(union(ma, mb))) {
				p := k
				if path != "" {
					p = path + "." + k
				}
				va, inA := ma[k]
				vb, inB := mb[k]
				switch {
				case !inB:
					report(p, va, nil, true, false)
				case !inA:
					report(p, nil, vb, false, true)
				default:
					walk(p, va, vb, depth+1)
				}
			}
			return
		}
		la, okA := a.([]any)
		lb, okB := b.([]any)
		if okA && okB && len(la) == len(lb) && depth < maxDiffDepth {
			for i := range la {
				walk(path+"["+strconv.Itoa(i)+"]", la[i], lb[i], depth+1)
			}
			return
		}
		if !reflect.DeepEqual(a, b) {
			report(path, a, b, false, false)
		}
	}
	walk(path, a, b, 0)
}

// normalize is v as encoding/json decodes it (maps, slices, float64), so
// that values from Go code and from a record compare alike.
func normalize(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(raw, &out) != nil {
		return v
	}
	return out
}

// brief is a value as a message quotes it: JSON, cut at 80 bytes.
func brief(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(raw) > 80 {
		return string(raw[:77]) + "..."
	}
	return string(raw)
}
