package connectors

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMismatches(t *testing.T) {
	s := MustSchema(`{
		"type": "object",
		"required": ["id", "qty"],
		"additionalProperties": false,
		"properties": {
			"id": {"type": "integer"},
			"qty": {"type": "integer", "minimum": 1},
			"tags": {"type": "array", "items": {"type": "string"}},
			"kind": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"a": {"type": "string"}}}]}
		}
	}`)
	template := func(v any) bool {
		str, ok := v.(string)
		return ok && strings.Contains(str, "{{")
	}
	tests := []struct {
		name, value string
		skip        func(any) bool
		want        []Mismatch
	}{
		{name: "valid", value: `{"id": 1, "qty": 2}`},
		{name: "every kind", value: `{"qty": 0, "tags": ["a", 3], "colour": "red"}`, want: []Mismatch{
			{Pointer: "/id", Kind: MismatchRequired, Message: "is required"},
			{Pointer: "/colour", Kind: MismatchUnknown, Message: "is not a known property"},
			{Pointer: "/qty", Kind: MismatchValue, Message: "0 is below the minimum 1"},
			{Pointer: "/tags/1", Kind: MismatchType, Message: "want string, got integer"},
		}},
		{name: "templates unchecked", value: `{"id": "{{data.id}}", "qty": "{{data.qty}}", "tags": "{{data.tags}}"}`, skip: template},
		{name: "templates still present", value: `{"id": "{{data.id}}"}`, skip: template, want: []Mismatch{
			{Pointer: "/qty", Kind: MismatchRequired, Message: "is required"},
		}},
		{name: "a literal next to a template is checked", value: `{"id": "{{data.id}}", "qty": "two"}`, skip: template, want: []Mismatch{
			{Pointer: "/qty", Kind: MismatchType, Message: "want integer, got string"},
		}},
		{name: "without skip a template is a string", value: `{"id": "{{data.id}}", "qty": 1}`, want: []Mismatch{
			{Pointer: "/id", Kind: MismatchType, Message: "want integer, got string"},
		}},
		{name: "a template inside a oneOf branch", value: `{"id": 1, "qty": 1, "kind": "{{data.kind}}"}`, skip: template},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.value), &v); err != nil {
				t.Fatal(err)
			}
			got := s.Mismatches(v, tt.skip)
			if len(got) != len(tt.want) {
				t.Fatalf("mismatches %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("mismatch %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			// Validate reports the same, as text.
			if tt.skip == nil {
				err := s.Validate([]byte(tt.value))
				if (err == nil) != (len(tt.want) == 0) {
					t.Errorf("Validate: %v", err)
				}
				for _, m := range tt.want {
					if err != nil && !strings.Contains(err.Error(), m.Pointer+": "+m.Message) {
						t.Errorf("Validate's %q lacks %q", err, m.Pointer+": "+m.Message)
					}
				}
			}
		})
	}
}
