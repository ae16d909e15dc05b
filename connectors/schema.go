package connectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Schema is the part of JSON Schema (draft 2020-12) that connectors use to
// describe action inputs and outputs and trigger payloads. It is a subset on
// purpose: every keyword it knows is one Junction can check, and parsing
// refuses any other keyword, so a typo such as "requried" fails at
// registration instead of silently allowing everything. Not supported: $ref
// and $defs (schemas are written out in full), patternProperties, const,
// not, if/then/else. "format" is an annotation only.
//
// A nil *Schema means "no schema given"; the empty Schema accepts any value.
type Schema struct {
	SchemaURI   string `json:"$schema,omitempty"`
	ID          string `json:"$id,omitempty"`
	Comment     string `json:"$comment,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// Type is one type name or several ("string", "null"); empty allows any
	// type.
	Type       Types  `json:"type,omitempty"`
	Enum       []any  `json:"enum,omitempty"`
	Default    any    `json:"default,omitempty"`
	Examples   []any  `json:"examples,omitempty"`
	Format     string `json:"format,omitempty"`
	Deprecated bool   `json:"deprecated,omitempty"`

	Pattern   string `json:"pattern,omitempty"`
	MinLength *int   `json:"minLength,omitempty"`
	MaxLength *int   `json:"maxLength,omitempty"`

	Minimum *float64 `json:"minimum,omitempty"`
	Maximum *float64 `json:"maximum,omitempty"`

	Properties map[string]*Schema `json:"properties,omitempty"`
	Required   []string           `json:"required,omitempty"`
	// AdditionalProperties constrains properties not named in Properties;
	// False() forbids them.
	AdditionalProperties *Schema `json:"additionalProperties,omitempty"`

	Items    *Schema `json:"items,omitempty"`
	MinItems *int    `json:"minItems,omitempty"`
	MaxItems *int    `json:"maxItems,omitempty"`

	AllOf []*Schema `json:"allOf,omitempty"`
	AnyOf []*Schema `json:"anyOf,omitempty"`
	OneOf []*Schema `json:"oneOf,omitempty"`

	// reject marks the boolean schema false, which no value matches.
	reject bool
}

// JSON type names, as they appear in Schema.Type.
const (
	TypeString  = "string"
	TypeNumber  = "number"
	TypeInteger = "integer"
	TypeBoolean = "boolean"
	TypeObject  = "object"
	TypeArray   = "array"
	TypeNull    = "null"
)

var typeNames = []string{TypeArray, TypeBoolean, TypeInteger, TypeNull, TypeNumber, TypeObject, TypeString}

// Types is the "type" keyword: it reads and writes a single name as a string
// and several as an array, as JSON Schema allows.
type Types []string

// MarshalJSON writes one type as "string" and several as ["string","null"].
func (t Types) MarshalJSON() ([]byte, error) {
	if len(t) == 1 {
		return json.Marshal(t[0])
	}
	return json.Marshal([]string(t))
}

// UnmarshalJSON accepts either form.
func (t *Types) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*t = Types{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("type must be a string or an array of strings: %w", err)
	}
	*t = many
	return nil
}

// Has reports whether name is one of the types.
func (t Types) Has(name string) bool { return slices.Contains(t, name) }

// False returns the schema no value matches. As AdditionalProperties it
// closes an object to the properties it names.
func False() *Schema { return &Schema{reject: true} }

// IsFalse reports whether s is the boolean schema false.
func (s *Schema) IsFalse() bool { return s != nil && s.reject }

type plainSchema Schema

// MarshalJSON writes the boolean schema false as false.
func (s *Schema) MarshalJSON() ([]byte, error) {
	if s.reject {
		return []byte("false"), nil
	}
	return json.Marshal((*plainSchema)(s))
}

// UnmarshalJSON reads a schema strictly: an unknown keyword is an error.
func (s *Schema) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true":
		*s = Schema{}
		return nil
	case "false":
		*s = Schema{reject: true}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p plainSchema
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*s = Schema(p)
	return nil
}

// ParseSchema reads a schema from JSON and checks it (see Schema.Check).
func ParseSchema(data []byte) (*Schema, error) {
	var s Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parsing schema: %w", err)
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// MustSchema is ParseSchema for schemas written as literals in a
// connector's source; it panics on a bad schema, which a test catches the
// first time the package is loaded.
func MustSchema(data string) *Schema {
	s, err := ParseSchema([]byte(data))
	if err != nil {
		panic(err)
	}
	return s
}

// Check reports what makes s unusable: unknown type names, a required
// property that is not among the properties, a pattern that does not
// compile, bounds that contradict each other, enum values or a default that
// the schema itself refuses. All problems are reported, each with its JSON
// pointer within the schema.
func (s *Schema) Check() error {
	var errs []error
	s.check("", &errs)
	return errors.Join(errs...)
}

func (s *Schema) check(at string, errs *[]error) {
	before := len(*errs)
	fail := func(format string, args ...any) {
		*errs = append(*errs, fmt.Errorf("schema %s: %s", pointerOrRoot(at), fmt.Sprintf(format, args...)))
	}
	if s == nil {
		fail("is null")
		return
	}
	if s.reject {
		return
	}
	seen := map[string]bool{}
	for _, t := range s.Type {
		if !slices.Contains(typeNames, t) {
			fail("unknown type %q", t)
		}
		if seen[t] {
			fail("type %q given twice", t)
		}
		seen[t] = true
	}
	if s.Pattern != "" {
		if _, err := regexp.Compile(s.Pattern); err != nil {
			fail("pattern does not compile: %v", err)
		}
	}
	if s.MinLength != nil && s.MaxLength != nil && *s.MinLength > *s.MaxLength {
		fail("minLength %d is above maxLength %d", *s.MinLength, *s.MaxLength)
	}
	if s.MinItems != nil && s.MaxItems != nil && *s.MinItems > *s.MaxItems {
		fail("minItems %d is above maxItems %d", *s.MinItems, *s.MaxItems)
	}
	if s.Minimum != nil && s.Maximum != nil && *s.Minimum > *s.Maximum {
		fail("minimum %v is above maximum %v", *s.Minimum, *s.Maximum)
	}
	for _, n := range []*int{s.MinLength, s.MaxLength, s.MinItems, s.MaxItems} {
		if n != nil && *n < 0 {
			fail("a length bound is negative")
		}
	}
	for _, name := range s.Required {
		if _, ok := s.Properties[name]; !ok {
			fail("required property %q is not among the properties", name)
		}
	}
	if len(s.Type) > 0 && !s.Type.Has(TypeObject) && (len(s.Properties) > 0 || len(s.Required) > 0 || s.AdditionalProperties != nil) {
		fail("has object keywords but its type is %s", strings.Join(s.Type, ", "))
	}
	if len(s.Type) > 0 && !s.Type.Has(TypeArray) && s.Items != nil {
		fail("has items but its type is %s", strings.Join(s.Type, ", "))
	}
	for _, name := range sortedKeys(s.Properties) {
		s.Properties[name].check(at+"/properties/"+escapePointer(name), errs)
	}
	if s.AdditionalProperties != nil {
		s.AdditionalProperties.check(at+"/additionalProperties", errs)
	}
	if s.Items != nil {
		s.Items.check(at+"/items", errs)
	}
	for _, group := range []struct {
		keyword string
		list    []*Schema
	}{{"allOf", s.AllOf}, {"anyOf", s.AnyOf}, {"oneOf", s.OneOf}} {
		for i, sub := range group.list {
			sub.check(fmt.Sprintf("%s/%s/%d", at, group.keyword, i), errs)
		}
	}
	if len(*errs) > before {
		return // the checks below need a sound schema
	}
	if s.Enum != nil && len(s.Enum) == 0 {
		fail("enum is empty")
	}
	for i, v := range s.Enum {
		if err := s.typeOnly().validateValue(canonical(v), ""); err != nil {
			fail("enum value %d: %v", i, err)
		}
	}
	if s.Default != nil {
		if err := s.validateValue(canonical(s.Default), ""); err != nil {
			fail("default: %v", err)
		}
	}
}

// typeOnly is s without enum, so enum values can be checked against the
// other keywords.
func (s *Schema) typeOnly() *Schema {
	c := *s
	c.Enum = nil
	return &c
}

// Validate checks a JSON document against the schema and reports every
// mismatch with the JSON pointer of the offending value.
func (s *Schema) Validate(data []byte) error {
	if s == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	// Anything after the value is an error; dec.More alone misses a
	// stray closing bracket ("{} }").
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return errors.New("not JSON: more than one value")
	}
	return s.validateValue(v, "")
}

// validateValue checks a value decoded from JSON (numbers as json.Number or
// float64).
func (s *Schema) validateValue(v any, at string) error {
	var errs []error
	w := walker{errs: &errs}
	w.validate(s, v, at)
	if len(errs) > 10 {
		errs = append(errs[:10], fmt.Errorf("and %d more problems", len(errs)-10))
	}
	return errors.Join(errs...)
}

// walker checks a value against a schema, collecting every mismatch as a
// *Mismatch. Values skip accepts match any schema.
type walker struct {
	errs *[]error
	skip func(any) bool
}

func (w walker) validate(s *Schema, v any, at string) {
	errs := w.errs
	failKind := func(kind MismatchKind, format string, args ...any) {
		*errs = append(*errs, &Mismatch{Pointer: at, Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	fail := func(format string, args ...any) { failKind(MismatchValue, format, args...) }
	if s == nil || (w.skip != nil && w.skip(v)) {
		return
	}
	if s.reject {
		failKind(MismatchUnknown, "is not allowed")
		return
	}
	if len(s.Type) > 0 {
		got := jsonType(v)
		if !s.Type.Has(got) && !(got == TypeInteger && s.Type.Has(TypeNumber)) {
			if got == TypeNumber && s.Type.Has(TypeInteger) {
				got = "a number with a fraction"
			}
			failKind(MismatchType, "want %s, got %s", strings.Join(s.Type, " or "), got)
			return
		}
	}
	if s.Enum != nil {
		c := canonical(v)
		if !slices.ContainsFunc(s.Enum, func(e any) bool { return reflect.DeepEqual(canonical(e), c) }) {
			fail("%s is not one of %s", compactJSON(v), compactJSON(s.Enum))
		}
	}
	switch x := v.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		if s.MinLength != nil && n < *s.MinLength {
			fail("shorter than %d characters", *s.MinLength)
		}
		if s.MaxLength != nil && n > *s.MaxLength {
			fail("longer than %d characters", *s.MaxLength)
		}
		if s.Pattern != "" {
			if re, err := compiledPattern(s.Pattern); err == nil && !re.MatchString(x) {
				fail("does not match the pattern %s", s.Pattern)
			}
		}
	case json.Number, float64:
		f := toFloat(x)
		if s.Minimum != nil && f < *s.Minimum {
			fail("%v is below the minimum %v", f, *s.Minimum)
		}
		if s.Maximum != nil && f > *s.Maximum {
			fail("%v is above the maximum %v", f, *s.Maximum)
		}
	case map[string]any:
		for _, name := range s.Required {
			if _, ok := x[name]; !ok {
				*errs = append(*errs, &Mismatch{Pointer: at + "/" + escapePointer(name), Kind: MismatchRequired, Message: "is required"})
			}
		}
		for _, name := range sortedKeys(x) {
			if p, ok := s.Properties[name]; ok {
				w.validate(p, x[name], at+"/"+escapePointer(name))
			} else if s.AdditionalProperties != nil {
				if s.AdditionalProperties.reject {
					*errs = append(*errs, &Mismatch{Pointer: at + "/" + escapePointer(name), Kind: MismatchUnknown, Message: "is not a known property"})
				} else {
					w.validate(s.AdditionalProperties, x[name], at+"/"+escapePointer(name))
				}
			}
		}
	case []any:
		if s.MinItems != nil && len(x) < *s.MinItems {
			fail("fewer than %d items", *s.MinItems)
		}
		if s.MaxItems != nil && len(x) > *s.MaxItems {
			fail("more than %d items", *s.MaxItems)
		}
		if s.Items != nil {
			for i, item := range x {
				w.validate(s.Items, item, at+"/"+strconv.Itoa(i))
			}
		}
	}
	for _, sub := range s.AllOf {
		w.validate(sub, v, at)
	}
	if len(s.AnyOf) > 0 {
		if w.matching(s.AnyOf, v) == 0 {
			fail("matches none of anyOf")
		}
	}
	if len(s.OneOf) > 0 {
		// A skipped value inside may let several branches match; only the
		// value itself can tell them apart.
		if n := w.matching(s.OneOf, v); n == 0 || (n > 1 && w.skip == nil) {
			fail("matches %d of oneOf, want exactly 1", n)
		}
	}
}

func (w walker) matching(list []*Schema, v any) int {
	n := 0
	for _, sub := range list {
		var errs []error
		walker{errs: &errs, skip: w.skip}.validate(sub, v, "")
		if len(errs) == 0 {
			n++
		}
	}
	return n
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return TypeNull
	case bool:
		return TypeBoolean
	case string:
		return TypeString
	case json.Number, float64:
		f := toFloat(x)
		if f == math.Trunc(f) && !math.IsInf(f, 0) {
			return TypeInteger
		}
		return TypeNumber
	case map[string]any:
		return TypeObject
	case []any:
		return TypeArray
	}
	return fmt.Sprintf("%T", v)
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case float64:
		return x
	}
	return math.NaN()
}

// canonical turns any value into what encoding/json decodes its encoding
// to, so values written in Go (enum:"1,2" on an int field) and values read
// from JSON compare equal.
func canonical(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

func pointerOrRoot(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

// escapePointer escapes one JSON pointer reference token (RFC 6901).
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// Pointer resolves an RFC 6901 JSON pointer against a JSON document and
// returns the value found there, decoded (numbers as json.Number). It is how
// a trigger's IDPointer finds an event's unique id.
func Pointer(data []byte, pointer string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	return pointerIn(v, pointer)
}

// pointerIn is Pointer over a decoded document.
func pointerIn(v any, pointer string) (any, error) {
	tokens, err := pointerTokens(pointer)
	if err != nil {
		return nil, err
	}
	for i, tok := range tokens {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[tok]
			if !ok {
				return nil, fmt.Errorf("%s: no such property", "/"+strings.Join(tokens[:i+1], "/"))
			}
			v = next
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(x) {
				return nil, fmt.Errorf("%s: no such item", "/"+strings.Join(tokens[:i+1], "/"))
			}
			v = x[n]
		default:
			return nil, fmt.Errorf("%s: cannot descend into a %s", "/"+strings.Join(tokens[:i], "/"), jsonType(v))
		}
	}
	return v, nil
}

func pointerTokens(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("JSON pointer %q must start with /", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, part := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// At returns the sub-schema that describes the value at pointer, following
// properties and items; nil when the schema does not say.
func (s *Schema) At(pointer string) *Schema {
	tokens, err := pointerTokens(pointer)
	if err != nil {
		return nil
	}
	cur := s
	for _, tok := range tokens {
		switch {
		case cur == nil:
			return nil
		case cur.Properties[tok] != nil:
			cur = cur.Properties[tok]
		case cur.Items != nil && isIndex(tok):
			cur = cur.Items
		default:
			return nil
		}
	}
	return cur
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// patterns holds compiled schema patterns by source: schemas are plain data
// validated on every action run and every event, and a pattern need not be
// compiled more than once per process.
var patterns sync.Map // string -> *regexp.Regexp

func compiledPattern(src string) (*regexp.Regexp, error) {
	if re, ok := patterns.Load(src); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	patterns.Store(src, re)
	return re, nil
}
