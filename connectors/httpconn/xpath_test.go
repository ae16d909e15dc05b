package httpconn

import (
	"os"
	"reflect"
	"testing"
)

func TestXPath(t *testing.T) {
	raw, err := os.ReadFile("testdata/eddydesk_order.xml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseXML(raw)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want any
	}{
		{"/response/status", "ok"},
		{"/response/status/text()", "ok"},
		{"/response/order/@id", "A-1042"},
		{"/response/order/@*", []any{"A-1042", "UAH"}},
		{"/response/order/number", "1042"},
		{"/response/order/customer/name/text()", "Олена Коваль"},
		{"//name", "Олена Коваль"},
		{"//item/@sku", []any{"TEA-01", "CUP-07", "SPOON-3"}},
		{"//item[1]/@sku", "TEA-01"},
		{"//item[last()]/@sku", "SPOON-3"},
		{"//item[position() < 3]/@sku", []any{"TEA-01", "CUP-07"}},
		{"//item[@sku='CUP-07']/title", "Чашка"},
		{"//item[@sku=\"CUP-07\"]/qty", "1"},
		{"//item[@sku != 'CUP-07']/@sku", []any{"TEA-01", "SPOON-3"}},
		{"//item[qty > 1]/@sku", []any{"TEA-01", "SPOON-3"}},
		{"//item[price >= 120.5 and qty = 2]/@sku", "TEA-01"},
		{"//item[price < 40 or @gift]/@sku", []any{"CUP-07", "SPOON-3"}},
		{"//item[not(@gift)][2]/@sku", "SPOON-3"},
		{"//item[title = 'Ложка']/@sku", "SPOON-3"},
		{"//item[@gift]/@x:gift", "true"},
		{"//title[. = 'Чашка']/../@sku", "CUP-07"},
		{"//items/item[2]/title/text()", "Чашка"},
		{"/response/order/items/*[3]/@sku", "SPOON-3"},
		{"//*[@currency]/@currency", "UAH"},
		{"/ns:response/ns:order/ns:number", "1042"},
		{"/response/order/delivery", "Нова Пошта, відділення №5"},
		{"/response/order/note", ""},
		{"/response/order/note/text()", nil},
		{"/response/order/tracking", nil},
		{"//item[9]", nil},
		{"/response/order/customer", map[string]any{"name": "Олена Коваль", "email": "olena@example.com"}},
		{"//item[2]", map[string]any{"@sku": "CUP-07", "@gift": "true", "title": "Чашка", "qty": "1", "price": "250"}},
		{"count(//item)", 3},
		{"count(//item[qty > 1])", 2},
		{"count(/response/missing)", 0},
		{"count(//@*)", 6},
		{"/response/order/./number", "1042"},
		{"//customer/node()", []any{"Олена Коваль", "olena@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			x, err := parseXPath(tt.path)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got, err := x.eval(doc); err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v (%v), want %#v", got, err, tt.want)
			}
		})
	}
}

func TestXPathDocumentAndMixedContent(t *testing.T) {
	doc, err := parseXML([]byte(`<p>Hello <b>big</b> world<!-- c --><i a="1"/></p>`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want any
	}{
		{"/", map[string]any{"p": map[string]any{"#text": "Hello  world", "b": "big", "i": map[string]any{"@a": "1"}}}},
		{"/p/text()", []any{"Hello ", " world"}},
		{"/p/b/text()", "big"},
		{"/p[b = 'big']/i/@a", "1"},
	}
	for _, tt := range tests {
		x, err := parseXPath(tt.path)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if got, err := x.eval(doc); err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v (%v), want %#v", tt.path, got, err, tt.want)
		}
	}
}

func TestXPathErrors(t *testing.T) {
	testParseErrors(t, parseXPath, []parseErrorCase{
		{"order/id", "starts with /"},
		{"count(//item", "expected ) closing count("},
		{"/order/child::id", "axes"},
		{"/order/id[", "expected"},
		{"/order/id[1", "expected ]"},
		{"/order/contains(a, 'b')", "function contains() is not supported"},
		{"/order/@text()", "not a node test"},
		{"/order/id | /order/no", "unexpected"},
		{"/order/id[@a = 'x]", "unterminated"},
		{"/order/id[not(@a]", "closing not("},
		{"/order/", "expected a name"},
	})
}

func TestParseXMLRejects(t *testing.T) {
	for _, raw := range []string{"", "<a>", "<a></b>", "<a/><b/>", "text<a/>", `<?xml version="1.0" encoding="KOI8-R"?><a/>`} {
		if _, err := parseXML([]byte(raw)); err == nil {
			t.Errorf("parseXML(%q) succeeded", raw)
		}
	}
	doc, err := parseXML([]byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>"))
	if err != nil {
		t.Fatal(err)
	}
	if got := xmlMapForm(doc); !reflect.DeepEqual(got, map[string]any{"a": "café"}) {
		t.Errorf("Latin-1 document = %#v", got)
	}
}
