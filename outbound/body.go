package outbound

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/junction-run/junction/definition"
)

// Formats of a request body, the EddyDesk seed's JSON, XML and
// X-FORM-URLENCODED. The package comment gives each one's bytes.
const (
	FormatJSON = "json"
	FormatXML  = "xml"
	FormatForm = "form"
)

// formats lists them in the order messages name them.
var formats = []string{FormatJSON, FormatXML, FormatForm}

// Content types sent with each format.
const (
	contentTypeJSON = "application/json"
	contentTypeXML  = "application/xml; charset=utf-8"
	contentTypeForm = "application/x-www-form-urlencoded"
)

// xmlDeclaration opens every XML body Junction builds. No newline
// follows: the body has no whitespace a receiver could read as text.
const xmlDeclaration = `<?xml version="1.0" encoding="UTF-8"?>`

// xmlRoot holds the value of a built XML body.
const xmlRoot = "event"

// xmlArrayItem is the element an array's items get when no key names
// them: the items of a top-level array and of an array inside an array.
const xmlArrayItem = "item"

// EncodeBody encodes v in format and returns the body and its
// Content-Type. The package comment has the rules of each format. Errors
// say where in v the problem is (order.items[0]) and quote none of its
// values, which may be personal data; only a parser's message about text
// sent as it is may quote a name or an entity from that text.
func EncodeBody(format string, v any) ([]byte, string, error) {
	b, contentType, err := encode(format, v)
	if err != nil {
		return nil, "", fmt.Errorf("encoding a body as %s: %w", format, err)
	}
	return b, contentType, nil
}

// encode is EncodeBody without the context its errors get, for Validate
// and Render, which say "body" themselves.
func encode(format string, v any) ([]byte, string, error) {
	switch format {
	case FormatJSON:
		b, err := encodeJSON(v)
		return b, contentTypeJSON, err
	case FormatXML:
		b, err := encodeXML(v)
		return b, contentTypeXML, err
	case FormatForm:
		b, err := encodeForm(v)
		return b, contentTypeForm, err
	}
	return nil, "", fmt.Errorf("unknown format %q: want %s", format, strings.Join(formats, ", "))
}

// encodeJSON writes v as encoding/json does, without its HTML escaping
// (a receiver reads "<" better than "\u003c", and the body is not HTML)
// and without the newline Encoder ends with.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jsonTree turns v into the values encoding/json decodes into, numbers
// as json.Number, so that the XML and form encoders see one set of types
// and write numbers exactly as the JSON body would.
func jsonTree(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	return tree, nil
}

// scalarText is the text of a JSON scalar (null as empty); false for an
// object or array.
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case json.Number:
		return v.String(), true
	}
	return "", false
}

// pathIndex is an array element's path, as definition writes it.
func pathIndex(base string, i int) string {
	return base + "[" + strconv.Itoa(i) + "]"
}

// encodeXML: a string is XML the user wrote, checked and sent as it is;
// anything else is built under the declaration and <event>.
func encodeXML(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		if err := checkXML([]byte(s)); err != nil {
			return nil, fmt.Errorf("the text is not a well-formed XML document: %w", err)
		}
		return []byte(s), nil
	}
	tree, err := jsonTree(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(xmlDeclaration)
	if err := writeElement(&buf, xmlRoot, tree, ""); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeElement writes <name>, v's content and </name>, or <name/> when
// the content is empty. It writes into w as it goes (no buffer per
// element, which would copy a deep value once per level) and takes back
// the open tag when nothing followed it.
func writeElement(w *bytes.Buffer, name string, v any, path string) error {
	w.WriteString("<" + name + ">")
	open := w.Len()
	if err := writeContent(w, v, path); err != nil {
		return err
	}
	if w.Len() == open {
		w.Truncate(open - 1)
		w.WriteString("/>")
		return nil
	}
	w.WriteString("</" + name + ">")
	return nil
}

// writeContent writes what an element holding v holds: an object's keys
// as child elements in sorted order, an array under key k as k repeated,
// an array's items as <item> when no key names them, a scalar as escaped
// text, null as nothing.
func writeContent(w *bytes.Buffer, v any, path string) error {
	switch v := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		for _, k := range keys {
			p := definition.PathKey(path, k)
			if !xmlName(k) {
				return fmt.Errorf("%s: the key is not an XML element name (letters, digits, '-', '.' and '_', not starting with a digit, '-' or '.')", p)
			}
			if list, ok := v[k].([]any); ok {
				for i, item := range list {
					if err := writeElement(w, k, item, pathIndex(p, i)); err != nil {
						return err
					}
				}
				continue
			}
			if err := writeElement(w, k, v[k], p); err != nil {
				return err
			}
		}
		return nil
	case []any:
		for i, item := range v {
			if err := writeElement(w, xmlArrayItem, item, pathIndex(path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	s, ok := scalarText(v)
	if !ok {
		return fmt.Errorf("%s: a value of type %T", path, v) // jsonTree makes none
	}
	// EscapeText also turns characters XML cannot hold (NUL, U+FFFE)
	// into U+FFFD, so what is built is always well-formed.
	return xml.EscapeText(w, []byte(s))
}

// xmlName reports whether a key can name an element. ASCII is checked
// here; a name with other letters is checked by encoding/xml itself, the
// parser the tests and FuzzEncodeBody hold the output to (its letter
// classes, XML 1.0's fourth edition, are a subset of what the fifth
// edition's parsers accept). A colon is refused: it would be a namespace
// prefix nobody declared.
func xmlName(name string) bool {
	if name == "" {
		return false
	}
	ascii := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 0x80:
			ascii = false
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c == '-' || c == '.' || c >= '0' && c <= '9'):
		default:
			return false
		}
	}
	if ascii {
		return true
	}
	tok, err := xml.NewDecoder(strings.NewReader("<" + name + "/>")).Token()
	start, ok := tok.(xml.StartElement)
	return err == nil && ok && start.Name.Space == "" && start.Name.Local == name
}

// checkXML reads a document to its end with encoding/xml's strict
// decoder and adds what that decoder lets pass: exactly one root element,
// no text outside it, no attribute given twice. A declared encoding other
// than UTF-8 fails, as the Content-Type says UTF-8.
func checkXML(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.CharsetReader = func(string, io.Reader) (io.Reader, error) {
		return nil, errors.New("the body is sent as UTF-8: declare UTF-8 or no encoding")
	}
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			for i, a := range t.Attr {
				if slices.ContainsFunc(t.Attr[:i], func(b xml.Attr) bool { return b.Name == a.Name }) {
					return fmt.Errorf("element %s: attribute %s given twice", t.Name.Local, a.Name.Local)
				}
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text outside the root element")
			}
		}
	}
	if roots != 1 {
		return fmt.Errorf("%d root elements, want 1", roots)
	}
	return nil
}

// encodeForm: a string is a form the user wrote, checked and sent as it
// is; an object is flattened with bracket keys.
func encodeForm(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		if _, err := url.ParseQuery(s); err != nil {
			return nil, fmt.Errorf(`the text is not x-www-form-urlencoded (name=value pairs joined with "&", escaped with %%XX): %w`, err)
		}
		return []byte(s), nil
	}
	tree, err := jsonTree(v)
	if err != nil {
		return nil, err
	}
	m, ok := tree.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a form body must be an object or text, not %s", jsonKind(tree))
	}
	var b strings.Builder
	keys := slices.Sorted(maps.Keys(m))
	for _, k := range keys {
		formFields(&b, []byte(k), m[k])
	}
	return []byte(b.String()), nil
}

// formFields writes one name=value pair per scalar inside v, named as
// Stripe and PHP name them: customer[name], items[0][sku]. Keys come in
// sorted order at each level, array items in their order; an empty
// object or array writes nothing, as PHP's http_build_query does. name
// is extended in place for each child and cut back after it, so a deep
// value costs no copy of its name per level.
func formFields(b *strings.Builder, name []byte, v any) {
	field := func(key string) []byte { return append(append(append(name, '['), key...), ']') }
	switch v := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		for _, k := range keys {
			formFields(b, field(k), v[k])
		}
		return
	case []any:
		for i, item := range v {
			formFields(b, field(strconv.Itoa(i)), item)
		}
		return
	}
	s, _ := scalarText(v)
	if b.Len() > 0 {
		b.WriteByte('&')
	}
	b.WriteString(url.QueryEscape(string(name)))
	b.WriteByte('=')
	b.WriteString(url.QueryEscape(s))
}

// jsonKind names a JSON value's type for messages, never its value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, int:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}
