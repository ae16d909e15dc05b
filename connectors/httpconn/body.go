package httpconn

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Body formats, the values of Request.BodyFormat.
const (
	FormatJSON = "json"
	FormatXML  = "xml"
	FormatForm = "form"
	FormatText = "text"
	FormatNone = "none"
)

// Content types sent with each format, unless the caller sets Content-Type.
const (
	contentTypeJSON = "application/json"
	contentTypeXML  = "application/xml"
	contentTypeForm = "application/x-www-form-urlencoded"
	contentTypeText = "text/plain; charset=utf-8"
)

const xmlDeclaration = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// encodeBody returns the bytes to send and their Content-Type; nil bytes
// mean no body. Errors describe what is wrong with the body (never its
// values) and are wrapped in ErrInvalidRequest by the caller.
func encodeBody(format string, body any, xmlRoot string) ([]byte, string, error) {
	if format == FormatNone {
		if body != nil {
			return nil, "", errors.New(`body format is "none" but a body is given`)
		}
		return nil, "", nil
	}
	if body == nil {
		return nil, "", nil
	}
	switch format {
	case FormatJSON:
		b, err := encodeJSON(body)
		return b, contentTypeJSON, err
	case FormatXML:
		b, err := encodeXML(body, xmlRoot)
		return b, contentTypeXML, err
	case FormatForm:
		b, err := encodeForm(body)
		return b, contentTypeForm, err
	case FormatText:
		b, err := encodeText(body)
		return b, contentTypeText, err
	}
	return nil, "", fmt.Errorf("body format %q: want json, xml, form, text or none", format)
}

// verbatim returns body's bytes when it is text given as is: a string,
// []byte or json.RawMessage.
func verbatim(body any) ([]byte, bool) {
	switch v := body.(type) {
	case string:
		return []byte(v), true
	case []byte:
		return v, true
	case json.RawMessage:
		return v, true
	}
	return nil, false
}

func encodeJSON(body any) ([]byte, error) {
	if raw, ok := verbatim(body); ok {
		// A string is JSON text the user wrote (with its {{ }} tags already
		// rendered), so it must be JSON; a string value is written "…".
		if !json.Valid(raw) {
			var v any
			err := json.Unmarshal(raw, &v)
			return nil, fmt.Errorf("body is text but not valid JSON (%v); give JSON text or a map", err)
		}
		return raw, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return nil, fmt.Errorf("body cannot be encoded as JSON: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// normalize turns any JSON-like Go value (structs, map[string]string,
// []string, …) into the shapes encoding/json decodes into, with numbers as
// json.Number so they print exactly as given.
func normalize(body any) (any, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("body cannot be encoded: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("body cannot be encoded: %v", err)
	}
	return v, nil
}

// scalarText is the text of a JSON scalar; ok is false for maps and slices.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

func encodeForm(body any) ([]byte, error) {
	if raw, ok := verbatim(body); ok {
		// Text the user wrote as name=value pairs joined with "&", as
		// EddyDesk asks; checked, then sent as is.
		if _, err := url.ParseQuery(string(raw)); err != nil {
			return nil, errors.New(`body is text but not x-www-form-urlencoded (name=value pairs joined with "&", values %-escaped)`)
		}
		return raw, nil
	}
	v, err := normalize(body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("a form body must be a map of names to values, or text")
	}
	form := url.Values{}
	for name, val := range m {
		if s, ok := scalarText(val); ok {
			form.Add(name, s)
			continue
		}
		list, ok := val.([]any)
		if !ok {
			return nil, fmt.Errorf("form field %q: a form value must be a string, number, boolean or a list of them, not an object", name)
		}
		for _, item := range list {
			s, ok := scalarText(item)
			if !ok {
				return nil, fmt.Errorf("form field %q: list items must be strings, numbers or booleans", name)
			}
			form.Add(name, s)
		}
	}
	return []byte(form.Encode()), nil
}

func encodeText(body any) ([]byte, error) {
	if raw, ok := verbatim(body); ok {
		return raw, nil
	}
	v, err := normalize(body)
	if err != nil {
		return nil, err
	}
	s, ok := scalarText(v)
	if !ok {
		return nil, errors.New("a text body must be a string, number or boolean; use json or xml for objects and lists")
	}
	return []byte(s), nil
}

// encodeXML renders body as an XML document. A string is a document the
// user wrote: it must be well-formed and is sent as is. A map is rendered
// by the rules in the package documentation.
func encodeXML(body any, root string) ([]byte, error) {
	if raw, ok := verbatim(body); ok {
		if err := checkWellFormed(raw); err != nil {
			return nil, fmt.Errorf("body is text but not well-formed XML: %v", err)
		}
		return raw, nil
	}
	v, err := normalize(body)
	if err != nil {
		return nil, err
	}
	if root == "" {
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, errors.New("an XML body needs one root element: set XMLRoot, or give a map with a single key naming it")
		}
		for k, inner := range m {
			root, v = k, inner
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xmlDeclaration)
	if err := writeElement(&buf, root, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeElement writes <name …>content</name> for value v: a map gives
// attributes ("@name" keys), text ("#text") and child elements (other keys,
// in key order); a list repeats the element once per item; a scalar is the
// element's text; null is an empty element.
func writeElement(w *bytes.Buffer, name string, v any) error {
	if !validXMLName(name) {
		return fmt.Errorf("XML body: %q is not a valid element name", name)
	}
	if list, ok := v.([]any); ok {
		for _, item := range list {
			if _, nested := item.([]any); nested {
				return fmt.Errorf("XML body: element %q: a list inside a list cannot be rendered as XML", name)
			}
			if err := writeElement(w, name, item); err != nil {
				return err
			}
		}
		return nil
	}
	if v == nil {
		w.WriteString("<" + name + "/>")
		return nil
	}
	if s, ok := scalarText(v); ok {
		w.WriteString("<" + name + ">")
		escapeXML(w, s)
		w.WriteString("</" + name + ">")
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("XML body: element %q: unsupported value", name)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	w.WriteString("<" + name)
	for _, k := range keys {
		attr, isAttr := strings.CutPrefix(k, "@")
		if !isAttr {
			continue
		}
		if !validXMLName(attr) {
			return fmt.Errorf("XML body: element %q: %q is not a valid attribute name", name, attr)
		}
		s, ok := scalarText(m[k])
		if !ok {
			return fmt.Errorf("XML body: attribute %q of %q must be a string, number or boolean", attr, name)
		}
		w.WriteString(" " + attr + `="`)
		escapeXML(w, s)
		w.WriteString(`"`)
	}
	var content bytes.Buffer
	if text, ok := m["#text"]; ok {
		s, ok := scalarText(text)
		if !ok {
			return fmt.Errorf("XML body: the #text of %q must be a string, number or boolean", name)
		}
		escapeXML(&content, s)
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "@") || k == "#text" {
			continue
		}
		if err := writeElement(&content, k, m[k]); err != nil {
			return err
		}
	}
	if content.Len() == 0 {
		w.WriteString("/>")
		return nil
	}
	w.WriteString(">")
	w.Write(content.Bytes())
	w.WriteString("</" + name + ">")
	return nil
}

// escapeXML writes s escaped for text or a double-quoted attribute.
// encoding/xml's EscapeText also turns characters XML forbids into U+FFFD.
func escapeXML(w *bytes.Buffer, s string) {
	_ = xml.EscapeText(w, []byte(s))
}

// validXMLName accepts XML names, including a namespace prefix
// ("soap:Envelope", "xmlns:soap"): a letter, "_" or ":" first, then
// letters, digits, "-", "." , "_" and ":". Non-ASCII letters are allowed.
func validXMLName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f && r != 0xFFFD:
		case i > 0 && (r == '-' || r == '.' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// checkWellFormed reads raw to its end with encoding/xml's strict decoder.
func checkWellFormed(raw []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.CharsetReader = charsetReader
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
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text outside the root element")
			}
		}
	}
	if roots != 1 {
		return fmt.Errorf("want exactly one root element, found %d", roots)
	}
	return nil
}
