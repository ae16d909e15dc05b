package httpconn

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// extractor is one compiled entry of Request.Extract.
type extractor struct {
	field string
	json  *jsonPath
	xpath *xpathExpr
}

// CheckPath reports whether a path is one Request.Extract takes (a
// JSONPath or an XPath), with what is wrong when it is not: for those
// who declare paths ahead of a call, as a declarative app's outputs.
func CheckPath(path string) error {
	_, err := compileExtract(map[string]string{"output": path})
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), `extract "output": `))
	}
	return nil
}

// compileExtract parses every path before anything is sent, so a typo is an
// ErrInvalidRequest rather than a call whose answer is lost. A path that
// starts with "$" is JSONPath; one that starts with "/" (or count(/…)) is
// XPath.
func compileExtract(m map[string]string) ([]extractor, error) {
	fields := make([]string, 0, len(m))
	for f := range m {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	out := make([]extractor, 0, len(m))
	for _, f := range fields {
		if strings.TrimSpace(f) == "" {
			return nil, fmt.Errorf("extract: an output field has no name")
		}
		src := strings.TrimSpace(m[f])
		ex := extractor{field: f}
		var err error
		switch {
		case strings.HasPrefix(src, "$"):
			ex.json, err = parseJSONPath(src)
		case strings.HasPrefix(src, "/") || strings.HasPrefix(src, "count("):
			ex.xpath, err = parseXPath(src)
		default:
			err = fmt.Errorf("%q is neither a JSON path (starting with $) nor an XPath (starting with /)", src)
		}
		if err != nil {
			return nil, fmt.Errorf("extract %q: %v", f, err)
		}
		out = append(out, ex)
	}
	return out, nil
}

// run applies the extractors to a decoded answer. An empty answer gives
// nil for every field. JSON paths read JSON answers, and XML answers
// through their map form (Response.Body); XPaths read XML answers only.
func runExtract(exs []extractor, d decodedBody) (map[string]any, error) {
	if len(exs) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(exs))
	for _, ex := range exs {
		switch {
		case d.kind == bodyEmpty:
			out[ex.field] = nil
		case d.kind == bodyText:
			if d.err != nil {
				return out, fmt.Errorf("extract %q: %v", ex.field, d.err)
			}
			mt := d.mediaType
			if mt == "" {
				mt = "text without a Content-Type"
			}
			return out, fmt.Errorf("extract %q: the answer is %s, neither JSON nor XML", ex.field, mt)
		case ex.json != nil:
			v, err := ex.json.eval(d.value)
			if err != nil {
				return out, fmt.Errorf("extract %q: %v", ex.field, err)
			}
			out[ex.field] = v
		case d.kind == bodyXML:
			v, err := ex.xpath.eval(d.doc)
			if err != nil {
				return out, fmt.Errorf("extract %q: %v", ex.field, err)
			}
			out[ex.field] = v
		default:
			return out, fmt.Errorf("extract %q: an XPath needs an XML answer, and this one is JSON; use a JSON path ($.…)", ex.field)
		}
	}
	return out, nil
}
