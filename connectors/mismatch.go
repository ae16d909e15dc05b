package connectors

// MismatchKind says how a value fails a schema, so callers can report it in
// their own terms (a definition's save check maps them to its problem
// codes).
type MismatchKind string

const (
	// MismatchRequired: a required property is missing.
	MismatchRequired MismatchKind = "required"
	// MismatchUnknown: a property the schema does not allow.
	MismatchUnknown MismatchKind = "unknown"
	// MismatchType: a value of the wrong JSON type.
	MismatchType MismatchKind = "type"
	// MismatchValue: a value of the right type that the schema refuses
	// (enum, pattern, bounds, anyOf, oneOf).
	MismatchValue MismatchKind = "value"
)

// Mismatch is one way a value fails a schema. Schema.Validate joins them
// into its error; Schema.Mismatches returns them as they are.
type Mismatch struct {
	// Pointer is the JSON pointer (RFC 6901) of the offending value within
	// the document: "/id", "/line_items/0/quantity"; "" is the root. For
	// a missing required property it names the property.
	Pointer string
	Kind    MismatchKind
	// Message says what is wrong, without the pointer: "is required",
	// "want string, got integer".
	Message string
}

func (m *Mismatch) Error() string { return pointerOrRoot(m.Pointer) + ": " + m.Message }

// Mismatches checks a value decoded from JSON (objects as map[string]any,
// arrays as []any, numbers as float64 or json.Number) against the schema
// and returns every mismatch, in the order Validate reports them. A value
// for which skip returns true matches any schema: that is how a definition
// is checked when it is saved, with its {{ }} expressions' values known
// only at run time. skip may be nil.
func (s *Schema) Mismatches(v any, skip func(any) bool) []Mismatch {
	var errs []error
	walker{errs: &errs, skip: skip}.validate(s, v, "")
	out := make([]Mismatch, 0, len(errs))
	for _, err := range errs {
		if m, ok := err.(*Mismatch); ok {
			out = append(out, *m)
		}
	}
	return out
}
