package httpconn

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEncodeXMLRoundTrip(t *testing.T) {
	// What a map renders to, the map form reads back.
	body := map[string]any{
		"@id":   "7",
		"name":  "Олена",
		"item":  []any{"a", map[string]any{"@n": "2", "#text": "b"}},
		"empty": "",
	}
	raw, err := encodeXML(body, "order")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseXML(raw)
	if err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	got, _ := json.Marshal(xmlMapForm(doc))
	want := `{"order":{"@id":"7","empty":"","item":["a",{"#text":"b","@n":"2"}],"name":"Олена"}}`
	if string(got) != want {
		t.Errorf("round trip = %s, want %s", got, want)
	}
}

func TestEncodeXMLEscapesAndInvalidCharacters(t *testing.T) {
	raw, err := encodeXML(map[string]any{"@q": "a\"b<c>\n", "#text": "x\x00y & z"}, "r")
	if err != nil {
		t.Fatal(err)
	}
	if want := xmlDeclaration + `<r q="a&#34;b&lt;c&gt;&#xA;">x` + "\uFFFD" + `y &amp; z</r>`; string(raw) != want {
		t.Errorf("got %q, want %q", raw, want)
	}
	if err := checkWellFormed(raw); err != nil {
		t.Error(err)
	}
}

func TestValidXMLName(t *testing.T) {
	for name, want := range map[string]bool{
		"order": true, "soap:Envelope": true, "_x": true, "a-b.c_1": true, "назва": true,
		"": false, "1a": false, "-a": false, "a b": false, "a/b": false, "@a": false, "a>": false,
	} {
		if got := validXMLName(name); got != want {
			t.Errorf("validXMLName(%q) = %v", name, got)
		}
	}
}

func TestEncodeBodyFormats(t *testing.T) {
	tests := []struct {
		format  string
		body    any
		want    string
		wantErr string
	}{
		{FormatJSON, nil, "", ""},
		{FormatJSON, json.RawMessage(`[1, 2]`), "[1, 2]", ""},
		{FormatJSON, `"a string"`, `"a string"`, ""},
		{FormatJSON, []byte(`{}`), "{}", ""},
		{FormatJSON, map[string]any{"html": "<b>&</b>"}, `{"html":"<b>&</b>"}`, ""},
		{FormatJSON, map[string]any{"n": json.Number("12345678901234567890")}, `{"n":12345678901234567890}`, ""},
		{FormatForm, map[string]any{"big": json.Number("12345678901234567890"), "f": 0.1, "list": []any{}}, "big=12345678901234567890&f=0.1", ""},
		{FormatForm, map[string]any{"a": []any{map[string]any{}}}, "", "list items"},
		{FormatText, true, "true", ""},
		{FormatText, nil, "", ""},
		{FormatText, []any{1}, "", "text body"},
		{FormatXML, map[string]any{"a": 1}, xmlDeclaration + "<a>1</a>", ""},
		{FormatXML, []any{1}, "", "one root element"},
		{FormatXML, "not xml", "", "not well-formed"},
		{FormatXML, map[string]any{"r": map[string]any{"#text": []any{1}}}, "", "#text"},
		{FormatXML, map[string]any{"r": map[string]any{"@1x": "v"}}, "", "attribute name"},
		{FormatNone, nil, "", ""},
	}
	for _, tt := range tests {
		got, _, err := encodeBody(tt.format, tt.body, "")
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("encodeBody(%s, %#v): err = %v, want %q", tt.format, tt.body, err, tt.wantErr)
		case tt.wantErr == "" && err != nil:
			t.Errorf("encodeBody(%s, %#v): %v", tt.format, tt.body, err)
		case tt.wantErr == "" && string(got) != tt.want:
			t.Errorf("encodeBody(%s, %#v) = %q, want %q", tt.format, tt.body, got, tt.want)
		}
	}
}

// TestPackageDocXMLExample keeps the example in doc.go true.
func TestPackageDocXMLExample(t *testing.T) {
	body := map[string]any{"@id": "A-17", "customer": map[string]any{"#text": "Olena", "@vip": true},
		"item": []any{map[string]any{"@sku": "X1", "qty": 2}, map[string]any{"@sku": "Y2", "qty": 1}}}
	got, err := encodeXML(body, "order")
	if err != nil {
		t.Fatal(err)
	}
	want := xmlDeclaration + `<order id="A-17"><customer vip="true">Olena</customer><item sku="X1"><qty>2</qty></item><item sku="Y2"><qty>1</qty></item></order>`
	if string(got) != want {
		t.Errorf("got %s", got)
	}
}
