package connectors_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
)

// FuzzSchema fuzzes a schema and a document, the check every action input,
// action output and trigger payload goes through. Nothing may panic; a
// schema that parses survives JSON (marshalled and parsed again, it
// marshals the same); validating a JSON document reports only Mismatches,
// each pointing at a value the document has (a missing required property
// excepted), the same ones every time; and the schema's own default and
// enum values, which parsing checked, pass Validate.
//
// Seeds: every schema of every connector in the catalog, with its sample.
func FuzzSchema(f *testing.F) {
	add := func(s *connectors.Schema, sample []byte) {
		if s == nil {
			return
		}
		b, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, sample)
	}
	for _, spec := range catalog.New().Connectors() {
		for _, a := range spec.Actions {
			add(a.Input, a.SampleInput)
			add(a.Output, nil)
		}
		for _, t := range spec.Triggers {
			add(t.Payload, t.SamplePayload)
		}
	}
	f.Add([]byte(`{"type":["string","null"],"pattern":"^a+$","minLength":1,"maxLength":3,"enum":["a","aa",null]}`), []byte(`"aaaa"`))
	f.Add([]byte(`{"oneOf":[{"type":"integer","minimum":0},{"type":"number","maximum":0.5}],"default":0.25}`), []byte(`1e3`))
	f.Add([]byte(`{"type":"array","items":{"anyOf":[false,true]},"minItems":1}`), []byte(`[[]]`))

	f.Fuzz(func(t *testing.T, schema, doc []byte) {
		s, err := connectors.ParseSchema(schema)
		if err != nil {
			return
		}
		once, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("a parsed schema does not marshal: %v", err)
		}
		again, err := connectors.ParseSchema(once)
		if err != nil {
			t.Fatalf("the marshalled schema does not parse: %v\n%s", err, once)
		}
		if twice, _ := json.Marshal(again); !bytes.Equal(twice, once) {
			t.Fatalf("the schema changed through JSON:\n%s\n%s", once, twice)
		}

		if s.Default != nil {
			if err := s.Validate(mustJSON(t, s.Default)); err != nil {
				t.Fatalf("the default, which the schema's check accepted, fails Validate: %v", err)
			}
		}
		for i, e := range s.Enum {
			if err := s.Validate(mustJSON(t, e)); err != nil {
				t.Fatalf("enum value %d, which the schema's check accepted, fails Validate: %v", i, err)
			}
		}

		err = s.Validate(doc)
		if err == nil && !json.Valid(doc) {
			t.Fatalf("Validate accepted a document that is not JSON: %q", doc)
		}
		if err2 := s.Validate(doc); errString(err) != errString(err2) {
			t.Fatalf("Validate is not deterministic:\n%v\n%v", err, err2)
		}
		if err == nil || !json.Valid(doc) {
			return
		}
		for _, e := range leaves(err) {
			m, ok := e.(*connectors.Mismatch)
			if !ok {
				continue // "and N more problems"
			}
			if m.Kind == connectors.MismatchRequired {
				continue
			}
			if _, err := connectors.Pointer(doc, m.Pointer); err != nil {
				t.Fatalf("mismatch %v points at nothing in the document: %v", m, err)
			}
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshalling %v: %v", v, err)
	}
	return b
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// leaves are the errors errors.Join put together.
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
