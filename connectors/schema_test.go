package connectors

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseSchemaRefuses(t *testing.T) {
	for _, test := range []struct {
		name, schema, want string
	}{
		{"unknown keyword", `{"type": "object", "requried": ["a"]}`, `unknown field "requried"`},
		{"nested unknown keyword", `{"type": "object", "properties": {"a": {"tpye": "string"}}}`, `unknown field "tpye"`},
		{"unknown type", `{"type": "strng"}`, `unknown type "strng"`},
		{"required not a property", `{"type": "object", "properties": {"a": {}}, "required": ["b"]}`, `required property "b"`},
		{"bad pattern", `{"type": "string", "pattern": "("}`, "pattern does not compile"},
		{"bounds", `{"type": "string", "minLength": 3, "maxLength": 2}`, "minLength 3 is above maxLength 2"},
		{"enum of the wrong type", `{"type": "integer", "enum": [1, "two"]}`, "enum value 1"},
		{"default of the wrong type", `{"type": "string", "default": 3}`, "default"},
		{"object keywords on a string", `{"type": "string", "properties": {"a": {}}}`, "object keywords"},
		{"ref", `{"$ref": "#/$defs/x"}`, `unknown field "$ref"`},
		{"pointer to the problem", `{"type": "object", "properties": {"a/b": {"type": "nope"}}}`, "/properties/a~1b"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ParseSchema([]byte(test.schema))
			if err == nil || !strings.Contains(err.Error(), test.want) {
				t.Errorf("error %v, want one containing %q", err, test.want)
			}
		})
	}
}

func TestSchemaRoundTrip(t *testing.T) {
	in := `{"additionalProperties":false,"properties":{"a":{"items":{"type":"integer"},"type":["array","null"]},"b":true},"required":["a"],"type":"object"}`
	s, err := ParseSchema([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	// Keywords come back in Schema's field order, and true as a property
	// schema as {}, which means the same.
	want := `{"type":"object","properties":{"a":{"type":["array","null"],"items":{"type":"integer"}},"b":{}},"required":["a"],"additionalProperties":false}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	if !s.AdditionalProperties.IsFalse() {
		t.Error("additionalProperties: false was not read as the false schema")
	}
}

func TestValidate(t *testing.T) {
	s := MustSchema(`{
		"type": "object",
		"required": ["id", "qty"],
		"additionalProperties": false,
		"properties": {
			"id":    {"type": "string", "minLength": 2, "pattern": "^o-"},
			"qty":   {"type": "integer", "minimum": 1, "maximum": 10},
			"price": {"type": "number"},
			"tags":  {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "maxItems": 2},
			"note":  {"type": ["string", "null"]},
			"meta":  {"type": "object", "additionalProperties": {"type": "string"}},
			"any":   {},
			"one":   {"oneOf": [{"type": "string"}, {"type": "integer"}]}
		}
	}`)
	for _, test := range []struct {
		name, doc string
		want      []string // substrings of the error; none means valid
	}{
		{"valid", `{"id": "o-1", "qty": 2, "price": 1.5, "tags": ["a"], "note": null, "meta": {"k": "v"}, "any": [1], "one": 3}`, nil},
		{"integer written as 2.0", `{"id": "o-1", "qty": 2.0}`, nil},
		{"missing", `{"id": "o-1"}`, []string{"/qty: is required"}},
		{"unknown property", `{"id": "o-1", "qty": 1, "colour": "red"}`, []string{"/colour: is not a known property"}},
		{"wrong types", `{"id": 5, "qty": "2"}`, []string{"/id: want string, got integer", "/qty: want integer, got string"}},
		{"fraction", `{"id": "o-1", "qty": 1.5}`, []string{"/qty: want integer, got a number with a fraction"}},
		{"bounds", `{"id": "o", "qty": 11}`, []string{"/id: shorter than 2", "/id: does not match", "/qty: 11 is above the maximum 10"}},
		{"enum in items", `{"id": "o-1", "qty": 1, "tags": ["a", "c", "b"]}`, []string{`/tags/1: "c" is not one of`, "/tags: more than 2 items"}},
		{"additional properties schema", `{"id": "o-1", "qty": 1, "meta": {"k": 1}}`, []string{"/meta/k: want string"}},
		{"oneOf", `{"id": "o-1", "qty": 1, "one": true}`, []string{"/one: matches 0 of oneOf"}},
		{"not an object", `[1]`, []string{"(root): want object, got array"}},
		{"not JSON", `{`, []string{"not JSON"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := s.Validate([]byte(test.doc))
			if len(test.want) == 0 {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range test.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestPointer(t *testing.T) {
	doc := []byte(`{"a": {"b/c": [10, {"id": "x"}]}, "n": 7}`)
	for _, test := range []struct {
		pointer string
		want    any
		err     string
	}{
		{"/a/b~1c/1/id", "x", ""},
		{"/n", json.Number("7"), ""},
		{"/a/missing", nil, "/a/missing: no such property"},
		{"/a/b~1c/5", nil, "no such item"},
		{"/n/x", nil, "cannot descend"},
		{"n", nil, "must start with /"},
	} {
		got, err := Pointer(doc, test.pointer)
		if test.err != "" {
			if err == nil || !strings.Contains(err.Error(), test.err) {
				t.Errorf("%s: error %v, want %q", test.pointer, err, test.err)
			}
			continue
		}
		if err != nil || got != test.want {
			t.Errorf("%s = %v, %v; want %v", test.pointer, got, err, test.want)
		}
	}
	s := MustSchema(`{"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}`)
	if at := s.At("/items/0/id"); at == nil || !at.Type.Has(TypeInteger) {
		t.Errorf("At(/items/0/id) = %+v", at)
	}
	if at := s.At("/items/0/nope"); at != nil {
		t.Errorf("At(/items/0/nope) = %+v, want nil", at)
	}
}
