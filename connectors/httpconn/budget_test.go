package httpconn

import (
	"strings"
	"testing"
)

// Paths whose work grows with a power of the answer stop at the budget
// with an error; ordinary ones over the same answer do not.
func TestExtractWorkBudget(t *testing.T) {
	// A list of 2,000 small objects, and a chain nested 1,500 deep: small
	// answers (about 100 KB), the second one where each .. or // costs
	// the square of its size.
	items := make([]any, 2000)
	for i := range items {
		items[i] = map[string]any{"id": float64(i), "sku": "s", "tags": []any{"a", "b"}}
	}
	var deep any = "end"
	for range 1500 {
		deep = map[string]any{"a": deep}
	}
	doc := map[string]any{"items": items, "deep": deep}
	var xml strings.Builder
	xml.WriteString("<order>")
	for range 2000 {
		xml.WriteString(`<item sku="s"><tag>a</tag><tag>b</tag></item>`)
	}
	xml.WriteString(strings.Repeat("<a>", 1500) + "end" + strings.Repeat("</a>", 1500))
	xml.WriteString("</order>")
	xdoc, err := parseXML([]byte(xml.String()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path  string
		spent bool
	}{
		{"$.items[*].id", false},
		{"$..id", false},
		{"$.items[?@.id > 1990].id", false},
		{"$..*..*", true},
		{"$..[?@..end]", true},
		{"/order/item/@sku", false},
		{"//tag", false},
		{"count(//item)", false},
		{"//*//*", true},
		{"//*[.//tag]", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var err error
			if strings.HasPrefix(tt.path, "$") {
				p, perr := parseJSONPath(tt.path)
				if perr != nil {
					t.Fatal(perr)
				}
				_, err = p.eval(doc)
			} else {
				x, perr := parseXPath(tt.path)
				if perr != nil {
					t.Fatal(perr)
				}
				_, err = x.eval(xdoc)
			}
			if spent := err != nil; spent != tt.spent {
				t.Fatalf("err = %v, want the budget spent: %v", err, tt.spent)
			}
			if tt.spent && !strings.Contains(err.Error(), "units of work") {
				t.Errorf("err = %v", err)
			}
		})
	}
}
