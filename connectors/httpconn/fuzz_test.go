package httpconn

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// fuzzSeedFile is a testdata file for a fuzz target's seeds.
func fuzzSeedFile(f *testing.F, name string) []byte {
	f.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzJSONPath fuzzes a JSON path and the answer it reads. Neither parsing
// nor evaluating may panic; a path that is not definite gives a list, never
// nil; and what a path selects is JSON again, as Response.Extracted is.
func FuzzJSONPath(f *testing.F) {
	order := fuzzSeedFile(f, "order.json")
	for _, p := range []string{"$", "$.data.items[0].id", "$.data.items[-1].sku", "$['odd key']", "$..id",
		"$.data.items[*].sku", "$.data.items[?(@.qty > 0 && @.sku != 'B2')].sku", "$.data.items[0:2:1].id",
		"$.data.items[::-1]", "$..items[?(!@.tags || @.qty == $.data.total)]", "$.meta['next','x']"} {
		f.Add(p, order)
	}
	f.Add("$[1:3:2]", []byte(`[1,2,3,4]`))
	f.Fuzz(func(t *testing.T, path string, doc []byte) {
		jp, err := parseJSONPath(path)
		if err != nil {
			return
		}
		v, err := decodeJSON(doc)
		if err != nil {
			return
		}
		got, err := jp.eval(v)
		if err != nil {
			if !errors.Is(err, errWorkBudget) && !strings.Contains(err.Error(), "units of work") {
				t.Fatalf("%s: %v", path, err)
			}
			return // the budget stopped it: that is its job
		}
		if list, isList := got.([]any); !jp.definite && (!isList || list == nil) {
			t.Fatalf("%s is not definite but gave %#v, not a list", path, got)
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("%s selected what JSON cannot hold: %v", path, err)
		}
	})
}

// FuzzXPath fuzzes an XPath and the XML answer it reads. Neither may
// panic, and count(p) is the number of nodes p selects: 0 when p gives
// nil, 1 for one value, the length of the list otherwise.
func FuzzXPath(f *testing.F) {
	order := fuzzSeedFile(f, "eddydesk_order.xml")
	for _, p := range []string{"/response/order/@id", "//item[last()]/title", "//item[@gift='true']/@sku",
		"//item[qty > 1 and not(@gift)]/@sku", "//title[. = 'Чашка']/../@sku", "/response/order/items/*[3]/@sku",
		"/ns:response/ns:order/ns:number", "//item[position() < 3 or price >= 120.5]/text()", "/response//node()", "/"} {
		f.Add(p, order)
	}
	f.Fuzz(func(t *testing.T, path string, doc []byte) {
		x, err := parseXPath(path)
		if err != nil {
			return
		}
		root, err := parseXML(doc)
		if err != nil {
			return
		}
		got, err := x.eval(root)
		if err != nil {
			if !strings.Contains(err.Error(), "units of work") {
				t.Fatalf("%s: %v", path, err)
			}
			return // the budget stopped it: that is its job
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("%s selected what JSON cannot hold: %v", path, err)
		}
		c, _ := (&xpathExpr{path: x.path, count: true}).eval(root)
		counted := c.(int)
		values, _ := (&xpathExpr{path: x.path}).eval(root)
		want := 1
		switch v := values.(type) {
		case nil:
			want = 0
		case []any:
			if len(v) > 1 {
				want = len(v)
			}
		}
		if counted != want {
			t.Fatalf("count(%s) = %d, but it selects %d nodes: %#v", path, counted, want, values)
		}
	})
}

// FuzzXML fuzzes an XML answer. Decoding never panics; a well-formed
// document is read as XML whatever its declared XML type; and its map form
// (Response.Body) survives the way back: rendered as a request body with
// the rules of FormatXML and read again, it is the same map.
func FuzzXML(f *testing.F) {
	f.Add(fuzzSeedFile(f, "eddydesk_order.xml"))
	f.Add([]byte(`<a x="1">t<b>u</b>v<![CDATA[<w>]]></a>`))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><r><n>caf` + "\xe9" + `</n><n/><n>2</n></r>`))
	f.Add([]byte(`<s:Envelope xmlns:s="urn:s"><s:Body a:b="1" xmlns:a="urn:a"/></s:Envelope>`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		doc, parseErr := parseXML(raw)
		d := decodeBody("application/xml", raw)
		if (parseErr == nil) != (d.kind == bodyXML) {
			t.Fatalf("parseXML error %v, but decodeBody read it as kind %d", parseErr, d.kind)
		}
		if _, err := json.Marshal(d.value); err != nil {
			t.Fatalf("Response.Body is not JSON: %v", err)
		}
		if parseErr != nil {
			return
		}
		body := xmlMapForm(doc)
		rendered, err := encodeXML(body, "")
		if err != nil {
			// Names encoding/xml reads that a request body may not use
			// (a local name after a prefix that starts with a digit).
			return
		}
		again, err := parseXML(rendered)
		if err != nil {
			t.Fatalf("the rendered map form is not well-formed: %v\n%s", err, rendered)
		}
		if back := xmlMapForm(again); !reflect.DeepEqual(back, body) {
			t.Fatalf("map form changed on the way back:\n got %#v\nwant %#v\nrendered %s", back, body, rendered)
		}
	})
}
