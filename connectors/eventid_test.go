package connectors

import (
	"errors"
	"strings"
	"testing"
)

// scanTrigger is a webhook whose events are identified by a waybill and
// the scan's time, as Delhivery's pushes are.
func scanTrigger() TriggerSpec {
	t := hookTrigger()
	t.Payload = MustSchema(`{"type": "object", "properties": {"awb": {"type": "string"}, "at": {"type": "string"}, "seq": {"type": "integer"}, "loc": {"type": "object"}}}`)
	t.SamplePayload = []byte(`{"awb": "17046", "at": "2026-03-04T18:20:11", "seq": 2}`)
	t.IDPointer, t.IDQualifiers = "/awb", []string{"/at", "/seq"}
	return t
}

func TestJoinEventIDNeverConfusesTwoListsOfValues(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   string
	}{
		{[]string{"17046"}, "17046"},
		{[]string{"a~b"}, "a~b"},
		{[]string{"17046", "2026-03-04T18:20:11"}, "17046~~2026-03-04T18:20:11"},
		{[]string{"a~", "b"}, "a~0~~b"},
		{[]string{"a", "~b"}, "a~~~0b"},
		{[]string{"a~~b", ""}, "a~0~0b~~"},
	} {
		if got := JoinEventID(tc.values...); got != tc.want {
			t.Errorf("JoinEventID(%q) = %q, want %q", tc.values, got, tc.want)
		}
	}
	// Lists of as many values (a trigger's ids always have as many) that
	// a naive join would confuse.
	confusable := [][]string{{"a~", "b"}, {"a", "~b"}, {"a~~b", ""}, {"", "a~~b"}, {"a~0", "b"}, {"a", "0b"}, {"a~", "~b"}, {"a~~", "b"}}
	seen := map[string][]string{}
	for _, vs := range confusable {
		id := JoinEventID(vs...)
		if other, dup := seen[id]; dup {
			t.Errorf("%q and %q both make %q", other, vs, id)
		}
		seen[id] = vs
	}
}

func TestEventOfWithQualifiers(t *testing.T) {
	for name, tc := range map[string]struct {
		body, want string
	}{
		"every value":        {body: `{"awb": "17046", "at": "2026-03-04T18:20:11", "seq": 2}`, want: "17046~~2026-03-04T18:20:11~~2"},
		"a tilde in a value": {body: `{"awb": "A~1", "at": "t", "seq": 10}`, want: "A~01~~t~~10"},
		"no qualifier":       {body: `{"awb": "17046", "seq": 2}`},
		"empty qualifier":    {body: `{"awb": "17046", "at": "", "seq": 2}`},
		"object qualifier":   {body: `{"awb": "17046", "at": {}, "seq": 2}`},
		"fractional":         {body: `{"awb": "17046", "at": "t", "seq": 2.5}`},
	} {
		t.Run(name, func(t *testing.T) {
			ev, err := EventOf(scanTrigger(), nil, []byte(tc.body))
			if tc.want == "" {
				if !errors.Is(err, ErrWebhookPayload) {
					t.Errorf("EventOf = %q, %v; want ErrWebhookPayload", ev.ID, err)
				}
				return
			}
			if err != nil || ev.ID != tc.want {
				t.Errorf("EventOf = %q, %v; want %q", ev.ID, err, tc.want)
			}
			it, err := PollItemOf(scanTrigger(), []byte(tc.body), "")
			if err != nil || it.ID != tc.want {
				t.Errorf("PollItemOf = %q, %v; want %q", it.ID, err, tc.want)
			}
		})
	}
}

func TestValidateIDQualifiers(t *testing.T) {
	if err := helloWith(scanTrigger()).Validate(); err != nil {
		t.Fatalf("a trigger identified by three values: %v", err)
	}
	undeclared, wrongType, missing, repeated, noPointer, badPointer := scanTrigger(), scanTrigger(), scanTrigger(), scanTrigger(), scanTrigger(), scanTrigger()
	undeclared.ID, undeclared.IDQualifiers = "undeclared", []string{"/route"}
	undeclared.SamplePayload = []byte(`{"awb": "1", "route": "r"}`)
	wrongType.ID, wrongType.IDQualifiers = "wrong_type", []string{"/loc"}
	wrongType.SamplePayload = []byte(`{"awb": "1", "loc": {}}`)
	missing.ID, missing.SamplePayload = "missing", []byte(`{"awb": "1", "at": ""}`)
	repeated.ID, repeated.IDQualifiers = "repeated", []string{"/at", "/awb", "/at"}
	noPointer.ID, noPointer.IDPointer, noPointer.IDHeader = "no_pointer", "", "X-Id"
	badPointer.ID, badPointer.IDQualifiers = "bad_pointer", []string{"at"}
	err := helloWith(undeclared, wrongType, missing, repeated, noPointer, badPointer).Validate()
	for _, want := range []string{
		"triggers[undeclared].idQualifiers[0]: /route is not a property the payload schema declares",
		"triggers[wrong_type].idQualifiers[0]: /loc must be a string or an integer",
		"triggers[missing].idQualifiers[0]: is empty in the sample payload",
		"triggers[missing].idQualifiers[1]: not found in the sample payload",
		"triggers[repeated].idQualifiers[1]: /awb is already part of the id",
		"triggers[repeated].idQualifiers[2]: /at is already part of the id",
		"triggers[no_pointer].idQualifiers: go only with idPointer",
		`triggers[bad_pointer].idQualifiers[0]: JSON pointer "at" must start with /`,
	} {
		if !hasProblem(err, want) {
			t.Errorf("no problem says %q: %v", want, err)
		}
	}
}

func TestManifestSaysWhatAnIDIsMadeOf(t *testing.T) {
	r := NewRegistry()
	if err := r.Register(New(helloWith(scanTrigger()), greet()).WithWebhooks(acceptAll{"waved"}).WithPollers(greetedPoller())); err != nil {
		t.Fatal(err)
	}
	md := string(Markdown(r.Manifest().Connectors[0]))
	if want := "The event's unique id is made of the values at `/awb`, `/at`, `/seq`, joined by `~~`"; !strings.Contains(md, want) {
		t.Errorf("the manifest does not say %q:\n%s", want, md)
	}
}
