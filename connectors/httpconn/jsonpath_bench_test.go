package httpconn

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchItemsJSON is a list answer of n orders, as a shop's API sends it.
func benchItemsJSON(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"data":{"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"o-%d","qty":%d,"sku":"SKU-%d","price":%d.5,"tags":["a","b"],"customer":{"name":"N%d","email":"c%d@example.com"}}`, i, i%5, i, i, i, i)
	}
	b.WriteString(`]},"meta":{"page":1,"next":null}}`)
	return []byte(b.String())
}

// github.com/theory/jsonpath v0.12.3 (RFC 9535) was tried in place of
// jsonpath.go, with a wrapper for definite paths and with the function
// registry emptied, and kept out: it walks objects in Go's random map
// order for .* and .., so $.store..price came out in a different order from
// run to run (TestJSONPath), and it refuses member names with "-" or a
// leading digit ($.order-id, $.1st) that dotName accepts. Its parse errors
// also name none of what TestJSONPathErrors asks for (13 of 16).
//
// BenchmarkJSONPath measures Request.Extract's JSON paths as Do runs them:
// each path parsed, then applied to the decoded answer.
func BenchmarkJSONPath(b *testing.B) {
	for _, c := range []struct {
		name  string
		doc   []byte
		paths []string
	}{
		{"store", []byte(storeJSON), []string{"$.store.bicycle.color", "$.store.book[*].author", "$..price", "$.store.book[?(@.price < 10)].title", "$.store.book[-1].title"}},
		{"items200", benchItemsJSON(200), []string{"$.meta.page", "$.data.items[*].sku", "$.data.items[?@.qty > 1 && @.sku != 'X'].id", "$..email"}},
	} {
		var doc any
		if err := json.Unmarshal(c.doc, &doc); err != nil {
			b.Fatal(err)
		}
		b.Run("doc="+c.name, func(b *testing.B) {
			for b.Loop() {
				for _, src := range c.paths {
					p, err := parseJSONPath(src)
					if err != nil {
						b.Fatal(err)
					}
					p.eval(doc)
				}
			}
		})
	}
}
