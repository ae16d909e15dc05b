package declarative

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
)

// Many third parties send every event of a webhook to one URL, each
// delivery saying its type (Acme's "type": "contact.created", GitHub's
// X-GitHub-Event). A trigger takes the deliveries it is about and no
// others: its event types and conditions. A delivery that is properly
// signed but is not about the trigger is acknowledged (the gateway
// answers 2xx, so the third party does not retry it) and starts nothing.

// Condition is one test a delivery must pass to start runs: a value of
// its body (Path) or one of its headers (Header) equals a value, is one of
// several, or is there or not.
type Condition struct {
	// Path is the JSON pointer of the value in the body, e.g.
	// "/contact/lifecycle"; Header the header that holds it instead.
	Path   string `json:"path,omitempty" description:"The JSON pointer of the value in the body (/contact/lifecycle)."`
	Header string `json:"header,omitempty" description:"The header holding the value, instead of path."`
	// Equals is the JSON value the value must equal; numbers are equal
	// when their values are (1 and 1.0). A header's value is a string.
	Equals json.RawMessage `json:"equals,omitempty" description:"The JSON value it must equal (a string for a header)."`
	// In lists the values it must be one of.
	In []json.RawMessage `json:"in,omitempty" description:"The JSON values it must be one of."`
	// Exists: true, the value must be there and not null; false, it must
	// be absent or null.
	Exists *bool `json:"exists,omitempty" description:"true: it must be there and not null; false: absent or null."`
}

// test is a compiled Condition: where the value is and what it must be.
type test struct {
	pointer, header string
	values          []any // canonical (see canonical); nil with exists
	exists          *bool
}

// filter is a trigger's compiled event types and conditions.
type filter struct {
	typePointer, typeHeader string
	types                   []string
	tests                   []test
}

// checkFilter reports the problems of the trigger's event types and
// conditions and returns their filter; nil when the trigger has none (or
// has problems).
func (tr *Trigger) checkFilter(v *validator, at string) *filter {
	start := len(v.problems)
	f := &filter{typePointer: tr.EventTypePath, typeHeader: tr.EventTypeHeader, types: tr.EventTypes}
	switch {
	case tr.EventTypePath != "" && tr.EventTypeHeader != "":
		v.add(at+".eventTypeHeader", definition.CodeNotAllowed, "goes only without eventTypePath: an event has one type")
	case tr.EventTypePath != "":
		if err := checkPointer(tr.EventTypePath); err != nil {
			v.add(at+".eventTypePath", definition.CodeInvalidValue, err.Error())
		}
	case tr.EventTypeHeader != "" && !headerToken(tr.EventTypeHeader):
		v.add(at+".eventTypeHeader", definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", tr.EventTypeHeader))
	}
	hasType := tr.EventTypePath != "" || tr.EventTypeHeader != ""
	switch {
	case hasType && len(tr.EventTypes) == 0:
		v.add(at+".eventTypes", definition.CodeRequired, "is required with eventTypePath or eventTypeHeader: the types that start runs")
	case !hasType && len(tr.EventTypes) > 0:
		v.add(at+".eventTypePath", definition.CodeRequired, "is required with eventTypes: where a delivery says its type (or eventTypeHeader)")
	}
	for i, t := range tr.EventTypes {
		if strings.TrimSpace(t) == "" {
			v.add(at+".eventTypes["+strconv.Itoa(i)+"]", definition.CodeInvalidValue, "an event type is not empty")
		} else if slices.Index(tr.EventTypes, t) < i {
			v.add(at+".eventTypes["+strconv.Itoa(i)+"]", definition.CodeDuplicateID, fmt.Sprintf("%q is listed twice", t))
		}
	}
	for i, c := range tr.Conditions {
		if t, ok := c.check(v, at+".conditions["+strconv.Itoa(i)+"]"); ok {
			f.tests = append(f.tests, t)
		}
	}
	if len(v.problems) > start || (!hasType && len(f.tests) == 0) {
		return nil
	}
	// The sample is an event of the trigger: a filter that turns it down
	// would turn down what the trigger documents. Headers are not part of
	// the sample, so tests of headers pass here.
	if len(tr.SamplePayload) > 0 && json.Valid(tr.SamplePayload) {
		sample := *f
		if f.typeHeader != "" {
			sample.types = nil
		}
		sample.tests = slices.DeleteFunc(slices.Clone(f.tests), func(t test) bool { return t.header != "" })
		if why, _ := sample.refuses(nil, tr.SamplePayload); why != "" {
			v.add(at+".samplePayload", definition.CodeInvalidValue, "does not pass the trigger's eventTypes and conditions: "+why)
		}
	}
	return f
}

func (c *Condition) check(v *validator, at string) (test, bool) {
	start := len(v.problems)
	t := test{pointer: c.Path, header: c.Header, exists: c.Exists}
	switch {
	case c.Path == "" && c.Header == "":
		v.add(at+".path", definition.CodeRequired, "is required: the JSON pointer of the value in the body (or header)")
	case c.Path != "" && c.Header != "":
		v.add(at+".header", definition.CodeNotAllowed, "goes only without path: a condition tests one value")
	case c.Path != "":
		if err := checkPointer(c.Path); err != nil {
			v.add(at+".path", definition.CodeInvalidValue, err.Error())
		}
	case !headerToken(c.Header):
		v.add(at+".header", definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", c.Header))
	}
	given := 0
	for _, g := range []bool{len(c.Equals) > 0, c.In != nil, c.Exists != nil} {
		if g {
			given++
		}
	}
	if given != 1 {
		v.add(at, definition.CodeInvalidValue, "needs exactly one of equals, in and exists")
	}
	value := func(path string, raw json.RawMessage) {
		var x any
		if err := json.Unmarshal(raw, &x); err != nil {
			v.add(path, definition.CodeInvalidType, "is not a JSON value")
			return
		}
		if _, isString := x.(string); c.Header != "" && c.Path == "" && !isString {
			v.add(path, definition.CodeInvalidType, "a header's value is a string")
		}
		t.values = append(t.values, x)
	}
	if len(c.Equals) > 0 {
		value(at+".equals", c.Equals)
	}
	if c.In != nil && len(c.In) == 0 {
		v.add(at+".in", definition.CodeInvalidValue, "lists at least one value")
	}
	for i, raw := range c.In {
		value(at+".in["+strconv.Itoa(i)+"]", raw)
	}
	return t, len(v.problems) == start
}

// refuses says why a delivery (its headers and body) is not about the
// trigger, "" when it is. A body that is not a JSON object is an
// ErrWebhookPayload when the filter reads the body.
func (f *filter) refuses(h http.Header, body []byte) (string, error) {
	readsBody := f.typePointer != "" || slices.ContainsFunc(f.tests, func(t test) bool { return t.pointer != "" })
	if trimmed := bytes.TrimSpace(body); readsBody && (len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed)) {
		return "", connectors.PayloadErrorf("the body is not a JSON object")
	}
	if len(f.types) > 0 {
		typ, ok, where := "", false, f.typeHeader
		if f.typePointer != "" {
			typ, ok = scalarText(lookup(body, f.typePointer))
			where = f.typePointer
		} else if vals := h.Values(f.typeHeader); len(vals) > 0 {
			typ, ok = vals[0], true
		}
		switch {
		case !ok:
			return fmt.Sprintf("the delivery has no event type at %s", where), nil
		case !slices.Contains(f.types, typ):
			return fmt.Sprintf("its event type %q (at %s) is not one of %s", typ, where, strings.Join(f.types, ", ")), nil
		}
	}
	for _, t := range f.tests {
		var got any
		where := t.pointer
		if t.header != "" {
			where = t.header
			if vals := h.Values(t.header); len(vals) > 0 {
				got = vals[0]
			}
		} else {
			got = lookup(body, t.pointer)
		}
		switch {
		case t.exists != nil:
			if (got != nil) != *t.exists {
				return fmt.Sprintf("the value at %s is %s", where, map[bool]string{true: "there", false: "missing"}[got != nil]), nil
			}
		case !slices.ContainsFunc(t.values, func(want any) bool { return reflect.DeepEqual(got, want) }):
			return fmt.Sprintf("the value at %s is not one its condition accepts", where), nil
		}
	}
	return "", nil
}

// lookup is the value at pointer in body, decoded as encoding/json
// decodes into any (so that numbers compare by value: 1 and 1.0); nil
// when there is none.
func lookup(body []byte, pointer string) any {
	v, err := connectors.Pointer(body, pointer)
	if err != nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// scalarText is an event type as text: a string, or a number as written.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// filteredWebhook is a trigger's webhook with a filter: a verified
// delivery the filter refuses makes no events, and the gateway
// acknowledges it.
type filteredWebhook struct {
	connectors.JSONWebhook
	filter *filter
}

// filtered returns hook, with f's filter when there is one.
func filtered(hook *connectors.JSONWebhook, f *filter) connectors.Webhook {
	if f == nil {
		return hook
	}
	return &filteredWebhook{JSONWebhook: *hook, filter: f}
}

// Receive verifies the delivery, then filters it, then reads its event as
// JSONWebhook does: the filter comes before the event id, since a
// delivery that is not about the trigger need not have one.
func (w *filteredWebhook) Receive(d connectors.Delivery) (connectors.Received, error) {
	if err := w.Verify(d); err != nil {
		return connectors.Received{}, err
	}
	why, err := w.filter.refuses(d.Header, d.Body)
	if err != nil {
		return connectors.Received{}, fmt.Errorf("%s: %w", w.Spec.ID, err)
	}
	if why != "" {
		return connectors.Received{}, nil
	}
	verified := w.JSONWebhook
	verified.Verify = func(connectors.Delivery) error { return nil }
	return verified.Receive(d)
}
