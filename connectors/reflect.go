package connectors

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// SchemaProvider is implemented by Go types whose JSON form SchemaOf cannot
// work out from their structure, typically types with their own MarshalJSON.
type SchemaProvider interface {
	JSONSchema() *Schema
}

// SchemaFor derives the JSON Schema of T's JSON encoding; see SchemaOf.
func SchemaFor[T any]() (*Schema, error) {
	return SchemaOf(reflect.TypeFor[T]())
}

// MustSchemaFor is SchemaFor for fixed types in a connector's declaration,
// such as a trigger's payload; it panics when T has no schema, which the
// connector's tests catch the first time they load the package.
func MustSchemaFor[T any]() *Schema {
	s, err := SchemaFor[T]()
	if err != nil {
		panic(err)
	}
	return s
}

// SchemaOf derives the JSON Schema of what encoding/json makes of a value of
// type t, so an action's declared input and output cannot drift from the Go
// types its code decodes and returns. The rules follow encoding/json:
//
//   - struct fields are named by their json tag, embedded structs are
//     flattened (the shallower of two fields of one name wins),
//     json:"-" and unexported fields are left out, and json:",string"
//     makes a number or bool a string;
//   - a field is required unless its tag says omitempty or omitzero, or it
//     comes from an embedded pointer, which may be nil;
//   - a struct closes its object (additionalProperties: false), so a
//     misspelt input field is refused rather than ignored;
//   - pointers, slices and maps may be null unless omitempty or omitzero
//     keeps null out of the encoding;
//   - []byte is a base64 string, time.Time a date-time string,
//     json.RawMessage and interfaces any value, maps with string (or
//     integer, or TextMarshaler) keys objects;
//   - a type implementing SchemaProvider describes itself; any other
//     json.Marshaler is an error, since its encoding cannot be known.
//
// Two struct tags add to a field's schema: description:"..." and
// enum:"a,b,c" (values parsed as the field's type; on a slice they
// constrain its items). Recursive types are refused: Schema has no $ref.
func SchemaOf(t reflect.Type) (*Schema, error) {
	g := generator{inProgress: map[reflect.Type]bool{}}
	return g.schema(t, true)
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	numberType        = reflect.TypeFor[json.Number]()
	providerType      = reflect.TypeFor[SchemaProvider]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

type generator struct {
	inProgress map[reflect.Type]bool
}

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface))
}

// schema derives t's schema; nullable says whether a nil pointer, slice or
// map would be encoded (as null).
func (g *generator) schema(t reflect.Type, nullable bool) (*Schema, error) {
	if t.Kind() == reflect.Pointer {
		s, err := g.schema(t.Elem(), nullable)
		if err != nil {
			return nil, err
		}
		if nullable {
			addNull(s)
		}
		return s, nil
	}
	if implements(t, providerType) {
		s := reflect.New(t).Interface().(SchemaProvider).JSONSchema()
		if s == nil {
			return nil, fmt.Errorf("%s: JSONSchema returned nil", t)
		}
		c := *s
		return &c, nil
	}
	switch t {
	case timeType:
		return &Schema{Type: Types{TypeString}, Format: "date-time"}, nil
	case rawMessageType:
		return &Schema{}, nil
	case numberType:
		return &Schema{Type: Types{TypeNumber}}, nil
	}
	if implements(t, jsonMarshalerType) {
		return nil, fmt.Errorf("%s implements json.Marshaler: give it a JSONSchema method so its schema can be known", t)
	}
	if implements(t, textMarshalerType) {
		return &Schema{Type: Types{TypeString}}, nil
	}

	switch t.Kind() {
	case reflect.String:
		return &Schema{Type: Types{TypeString}}, nil
	case reflect.Bool:
		return &Schema{Type: Types{TypeBoolean}}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return &Schema{Type: Types{TypeInteger}}, nil
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: Types{TypeNumber}}, nil
	case reflect.Interface:
		return &Schema{}, nil
	case reflect.Slice, reflect.Array:
		var s *Schema
		if t.Elem().Kind() == reflect.Uint8 && !implements(t.Elem(), jsonMarshalerType) && !implements(t.Elem(), textMarshalerType) {
			if t.Kind() == reflect.Array {
				// encoding/json writes byte arrays as arrays of numbers.
				s = &Schema{Type: Types{TypeArray}, Items: &Schema{Type: Types{TypeInteger}}}
			} else {
				s = &Schema{Type: Types{TypeString}, Format: "byte"}
			}
		} else {
			items, err := g.schema(t.Elem(), true)
			if err != nil {
				return nil, err
			}
			s = &Schema{Type: Types{TypeArray}, Items: items}
		}
		if t.Kind() == reflect.Array {
			n := t.Len()
			s.MinItems, s.MaxItems = &n, &n
		} else if nullable {
			addNull(s)
		}
		return s, nil
	case reflect.Map:
		k := t.Key()
		switch {
		case k.Kind() == reflect.String, implements(k, textMarshalerType):
		case k.Kind() >= reflect.Int && k.Kind() <= reflect.Uintptr:
		default:
			return nil, fmt.Errorf("%s: map keys of type %s have no JSON form", t, k)
		}
		values, err := g.schema(t.Elem(), true)
		if err != nil {
			return nil, err
		}
		s := &Schema{Type: Types{TypeObject}, AdditionalProperties: values}
		if nullable {
			addNull(s)
		}
		return s, nil
	case reflect.Struct:
		if g.inProgress[t] {
			return nil, fmt.Errorf("%s is recursive; describe it with a JSONSchema method", t)
		}
		g.inProgress[t] = true
		defer delete(g.inProgress, t)
		s := &Schema{Type: Types{TypeObject}, Properties: map[string]*Schema{}, AdditionalProperties: False()}
		if err := g.fields(t, s); err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("%s: a %s has no JSON form", t, t.Kind())
}

// field is one property a struct type encodes, before the names that
// collide are resolved.
type field struct {
	name, goName string
	depth        int // how deeply embedded
	tagged       bool
	required     bool
	schema       *Schema
}

// fields adds t's fields to the object schema s, flattening embedded
// structs and resolving names as encoding/json does: the shallowest field
// of a name wins, then the only tagged one at that depth. Where
// encoding/json would silently drop every field of a name, this is an
// error.
func (g *generator) fields(t reflect.Type, s *Schema) error {
	var all []field
	if err := g.collect(t, 0, false, &all); err != nil {
		return err
	}
	byName := map[string][]field{}
	for _, f := range all {
		byName[f.name] = append(byName[f.name], f)
	}
	for _, f := range all {
		if _, done := s.Properties[f.name]; done {
			continue
		}
		win, err := dominant(t, byName[f.name])
		if err != nil {
			return err
		}
		s.Properties[f.name] = win.schema
		if win.required {
			s.Required = append(s.Required, f.name)
		}
	}
	return nil
}

func dominant(t reflect.Type, fields []field) (field, error) {
	top := fields[0].depth
	for _, f := range fields {
		top = min(top, f.depth)
	}
	var shallow, tagged []field
	for _, f := range fields {
		if f.depth == top {
			shallow = append(shallow, f)
			if f.tagged {
				tagged = append(tagged, f)
			}
		}
	}
	switch {
	case len(shallow) == 1:
		return shallow[0], nil
	case len(tagged) == 1:
		return tagged[0], nil
	}
	return field{}, fmt.Errorf("%s: fields %s and %s are both encoded as %q, so encoding/json drops both", t, shallow[0].goName, shallow[1].goName, shallow[0].name)
}

// collect lists t's fields at depth; optional marks the fields of an
// embedded pointer, which a nil pointer leaves out of the encoding.
func (g *generator) collect(t reflect.Type, depth int, optional bool, out *[]field) error {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct && !implements(et, jsonMarshalerType) && !implements(et, providerType) {
				if g.inProgress[et] {
					return fmt.Errorf("%s is recursive; describe it with a JSONSchema method", et)
				}
				g.inProgress[et] = true
				err := g.collect(et, depth+1, optional || ft.Kind() == reflect.Pointer, out)
				delete(g.inProgress, et)
				if err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		tagged := name != ""
		if !tagged {
			name = f.Name
		}
		omit := hasOption(opts, "omitempty") || hasOption(opts, "omitzero")
		fs, err := g.schema(ft, !omit)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t, f.Name, err)
		}
		if hasOption(opts, "string") {
			base := ft
			if base.Kind() == reflect.Pointer {
				base = base.Elem()
			}
			switch base.Kind() {
			case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
				reflect.Float32, reflect.Float64, reflect.String:
				fs = &Schema{Type: Types{TypeString}}
				if ft.Kind() == reflect.Pointer && !omit {
					addNull(fs)
				}
			}
		}
		if err := applyTags(f, fs); err != nil {
			return fmt.Errorf("%s.%s: %w", t, f.Name, err)
		}
		*out = append(*out, field{name: name, goName: t.Name() + "." + f.Name, depth: depth, tagged: tagged, required: !omit && !optional, schema: fs})
	}
	return nil
}

func hasOption(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// applyTags adds the description and enum struct tags to a field's schema.
func applyTags(f reflect.StructField, s *Schema) error {
	if d, ok := f.Tag.Lookup("description"); ok {
		s.Description = d
	}
	raw, ok := f.Tag.Lookup("enum")
	if !ok {
		return nil
	}
	target := s
	if s.Type.Has(TypeArray) && s.Items != nil {
		target = s.Items
	}
	kind := ""
	for _, t := range target.Type {
		if t != TypeNull {
			kind = t
		}
	}
	var values []any
	for v := range strings.SplitSeq(raw, ",") {
		v = strings.TrimSpace(v)
		switch kind {
		case TypeString:
			values = append(values, v)
		case TypeInteger:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("enum value %q is not an integer", v)
			}
			values = append(values, n)
		case TypeNumber:
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("enum value %q is not a number", v)
			}
			values = append(values, n)
		default:
			return fmt.Errorf("enum tag on a field of type %s; only strings and numbers take one", strings.Join(target.Type, ", "))
		}
	}
	if target.Type.Has(TypeNull) {
		values = append(values, nil)
	}
	target.Enum = values
	return nil
}

// addNull lets s also match null.
func addNull(s *Schema) {
	if len(s.Type) == 0 || s.Type.Has(TypeNull) {
		return
	}
	s.Type = append(s.Type, TypeNull)
	if s.Enum != nil {
		s.Enum = append(s.Enum, nil)
	}
}
