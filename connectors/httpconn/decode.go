package httpconn

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
)

// bodyKind is what an answer's body turned out to be.
type bodyKind uint8

const (
	bodyEmpty bodyKind = iota
	bodyJSON
	bodyXML
	bodyText
)

// decodedBody is an answer's body read according to its Content-Type.
type decodedBody struct {
	kind bodyKind
	// value is Response.Body.
	value any
	// doc is the parsed document when kind is bodyXML, for XPath.
	doc *xnode
	// mediaType is the answer's media type, lower case, for messages.
	mediaType string
	// err says why a body declared JSON or XML could not be parsed (kind
	// is then bodyText).
	err error
}

// decodeBody reads raw as JSON when the Content-Type says JSON
// (application/json, text/json, anything+json), as XML when it says XML
// (application/xml, text/xml, anything+xml), and otherwise as text, except
// that an answer without a useful type (none, text/plain,
// application/octet-stream) is sniffed: JSON if it parses as JSON, XML if
// it starts with "<" and is well-formed.
func decodeBody(contentType string, raw []byte) decodedBody {
	mt := mediaType(contentType)
	d := decodedBody{mediaType: mt}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		d.kind = bodyEmpty
		return d
	}
	looksJSON := trimmed[0] == '{' || trimmed[0] == '['
	sniff := mt == "" || mt == "text/plain" || mt == "application/octet-stream"
	switch {
	case isJSONType(mt):
		v, err := decodeJSON(raw)
		if err == nil {
			d.kind, d.value = bodyJSON, v
			return d
		}
		d.err = fmt.Errorf("the answer is declared %s but is not valid JSON: %v", mt, err)
	case isXMLType(mt):
		doc, err := parseXML(raw)
		if err == nil {
			d.kind, d.doc, d.value = bodyXML, doc, xmlMapForm(doc)
			return d
		}
		d.err = fmt.Errorf("the answer is declared %s but is not well-formed XML: %v", mt, err)
	case looksJSON:
		// Sniffed, and also JSON sent as text/html or text/javascript by
		// a careless server.
		if v, err := decodeJSON(raw); err == nil {
			d.kind, d.value = bodyJSON, v
			return d
		}
	case sniff && trimmed[0] == '<':
		if doc, err := parseXML(raw); err == nil {
			d.kind, d.doc, d.value = bodyXML, doc, xmlMapForm(doc)
			return d
		}
	}
	d.kind, d.value = bodyText, strings.ToValidUTF8(string(raw), "\uFFFD")
	return d
}

func mediaType(contentType string) string {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

func isJSONType(mt string) bool {
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

func isXMLType(mt string) bool {
	return mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml")
}

// decodeJSON decodes one JSON value (numbers as float64, as everywhere else
// in Junction) and rejects trailing data.
func decodeJSON(raw []byte) (any, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// xnodeKind is the kind of a node in a parsed XML document.
type xnodeKind uint8

const (
	xDocument xnodeKind = iota
	xElement
	xAttr
	xText
)

// xnode is a node of a parsed XML document: the document itself, an
// element, an attribute or a run of text. Names are local names: namespace
// prefixes and URIs are dropped, so "soap:Body" is "Body".
type xnode struct {
	kind     xnodeKind
	name     string
	value    string // attribute value or text
	parent   *xnode
	attrs    []*xnode
	children []*xnode // elements and text, in document order
	order    int      // position in document order
}

// charsetReader lets encoding/xml read the single-byte declarations
// servers actually send besides UTF-8.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return strings.NewReader(string(r)), nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q", label)
}

// parseXML builds the node tree of a well-formed document with exactly one
// root element. Comments, processing instructions and directives are
// dropped; so is whitespace-only text inside elements that have child
// elements (indentation), and xmlns attributes.
func parseXML(raw []byte) (*xnode, error) {
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.CharsetReader = charsetReader
	doc := &xnode{kind: xDocument}
	cur := doc
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if cur == doc && len(doc.children) > 0 {
				return nil, errors.New("more than one root element")
			}
			el := &xnode{kind: xElement, name: t.Name.Local, parent: cur}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				el.attrs = append(el.attrs, &xnode{kind: xAttr, name: a.Name.Local, value: a.Value, parent: el})
			}
			cur.children = append(cur.children, el)
			cur = el
		case xml.EndElement:
			cur = cur.parent
		case xml.CharData:
			if cur == doc {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, errors.New("text outside the root element")
				}
				continue
			}
			// Adjacent runs (text around a CDATA section) are one text node.
			if n := len(cur.children); n > 0 && cur.children[n-1].kind == xText {
				cur.children[n-1].value += string(t)
				continue
			}
			cur.children = append(cur.children, &xnode{kind: xText, value: string(t), parent: cur})
		}
	}
	if len(doc.children) != 1 {
		return nil, errors.New("no root element")
	}
	order := 0
	var walk func(n *xnode)
	walk = func(n *xnode) {
		n.order = order
		order++
		for _, a := range n.attrs {
			a.order = order
			order++
		}
		if n.kind == xElement && hasElementChild(n) {
			kept := n.children[:0]
			for _, c := range n.children {
				if c.kind == xText && strings.TrimSpace(c.value) == "" {
					continue
				}
				kept = append(kept, c)
			}
			n.children = kept
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(doc)
	return doc, nil
}

func hasElementChild(n *xnode) bool {
	for _, c := range n.children {
		if c.kind == xElement {
			return true
		}
	}
	return false
}

// xmlMapForm is Response.Body for an XML answer: {"rootName": value of the
// root element}; see elementValue.
func xmlMapForm(doc *xnode) any {
	root := doc.children[0]
	return map[string]any{root.name: elementValue(root)}
}

// elementValue maps an element the way request bodies are built, in
// reverse: an element with neither attributes nor child elements is its
// text (a string, "" when empty); any other is a map with "@name" for each
// attribute, "#text" for its own non-blank text (trimmed), and one key per
// child element name, whose value is a list when the name repeats. All
// values are strings: XML has no numbers.
func elementValue(el *xnode) any {
	if len(el.attrs) == 0 && !hasElementChild(el) {
		return textOf(el)
	}
	m := make(map[string]any, len(el.attrs)+len(el.children))
	for _, a := range el.attrs {
		m["@"+a.name] = a.value
	}
	repeated := map[string]bool{}
	var text strings.Builder
	for _, c := range el.children {
		if c.kind == xText {
			text.WriteString(c.value)
			continue
		}
		v := elementValue(c)
		prev, seen := m[c.name]
		switch {
		case !seen:
			m[c.name] = v
		case repeated[c.name]:
			m[c.name] = append(prev.([]any), v)
		default:
			m[c.name] = []any{prev, v}
			repeated[c.name] = true
		}
	}
	if t := strings.TrimSpace(text.String()); t != "" {
		m["#text"] = t
	}
	return m
}

// textOf is the XPath string-value of n: the text of an attribute or text
// node, or all text inside an element or document, concatenated.
func textOf(n *xnode) string {
	switch n.kind {
	case xAttr, xText:
		return n.value
	}
	var b strings.Builder
	var walk func(*xnode)
	walk = func(n *xnode) {
		for _, c := range n.children {
			if c.kind == xText {
				b.WriteString(c.value)
			} else {
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}
