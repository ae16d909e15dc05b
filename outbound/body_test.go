package outbound_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/junction-run/junction/outbound"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var formats = []string{outbound.FormatJSON, outbound.FormatXML, outbound.FormatForm}

// Each testdata/bodies/NAME.in.json is a value; NAME.FORMAT holds the
// bytes EncodeBody must give in that format, or NAME.FORMAT.err the error
// it must give instead. Exactly one of the two exists for every format,
// so no outcome goes unchecked. go test -run TestEncodeBodyGolden -update
// rewrites them.
func TestEncodeBodyGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/bodies/*.in.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	contentTypes := map[string]string{
		outbound.FormatJSON: "application/json",
		outbound.FormatXML:  "application/xml; charset=utf-8",
		outbound.FormatForm: "application/x-www-form-urlencoded",
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".in.json")
		v := readJSON(t, in)
		for _, format := range formats {
			t.Run(name+"."+format, func(t *testing.T) {
				golden := filepath.Join("testdata/bodies", name+"."+format)
				body, contentType, err := outbound.EncodeBody(format, v)
				if *update {
					writeGolden(t, golden, body, err)
				}
				want, wantErr := readGolden(t, golden)
				switch {
				case err != nil && wantErr == "":
					t.Fatalf("error %v, want %s", err, golden)
				case err != nil && err.Error() != wantErr:
					t.Fatalf("error\n%v\nwant\n%s", err, wantErr)
				case err != nil:
					return
				case wantErr != "":
					t.Fatalf("body %q, want the error %s", body, wantErr)
				case !bytes.Equal(body, want):
					t.Fatalf("body\n%s\nwant\n%s", body, want)
				case contentType != contentTypes[format]:
					t.Fatalf("Content-Type %q, want %q", contentType, contentTypes[format])
				}
				checkWellFormed(t, format, body)
			})
		}
	}
}

func readJSON(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// writeGolden writes path, or path.err for an error, and removes the
// other.
func writeGolden(t *testing.T, path string, body []byte, err error) {
	t.Helper()
	write, remove, content := path, path+".err", body
	if err != nil {
		write, remove, content = path+".err", path, []byte(err.Error())
	}
	if err := os.WriteFile(write, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(remove); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}

// readGolden is the expected body, or the expected error's text.
func readGolden(t *testing.T, path string) ([]byte, string) {
	t.Helper()
	if b, err := os.ReadFile(path + ".err"); err == nil {
		return nil, string(b)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("neither %s nor %s.err: %v", path, path, err)
	}
	return b, ""
}

// checkWellFormed holds a body to its format with the standard library's
// own readers.
func checkWellFormed(t testing.TB, format string, body []byte) {
	t.Helper()
	switch format {
	case outbound.FormatJSON:
		if !json.Valid(body) {
			t.Fatalf("not JSON: %q", body)
		}
	case outbound.FormatXML:
		if err := wellFormedXML(body); err != nil {
			t.Fatalf("not well-formed XML (%v): %q", err, body)
		}
	case outbound.FormatForm:
		if _, err := url.ParseQuery(string(body)); err != nil {
			t.Fatalf("not a form (%v): %q", err, body)
		}
	}
}

func wellFormedXML(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 {
		return errors.New("not one root element")
	}
	return nil
}

// Values built in Go rather than decoded from JSON: numbers of every
// kind come out as encoding/json writes them, in every format.
func TestEncodeBodyGoValues(t *testing.T) {
	v := map[string]any{
		"big":   uint64(18446744073709551615),
		"neg":   int64(-3),
		"huge":  1e21,
		"tiny":  1e-7,
		"half":  float32(0.5),
		"count": 3,
		"ids":   []int{1, 2},
		"meta":  map[string]string{"a": "b"},
	}
	tests := []struct {
		format, want string
	}{
		{outbound.FormatJSON, `{"big":18446744073709551615,"count":3,"half":0.5,"huge":1e+21,"ids":[1,2],"meta":{"a":"b"},"neg":-3,"tiny":1e-7}`},
		{outbound.FormatXML, `<?xml version="1.0" encoding="UTF-8"?><event><big>18446744073709551615</big><count>3</count><half>0.5</half><huge>1e+21</huge><ids>1</ids><ids>2</ids><meta><a>b</a></meta><neg>-3</neg><tiny>1e-7</tiny></event>`},
		{outbound.FormatForm, `big=18446744073709551615&count=3&half=0.5&huge=1e%2B21&ids%5B0%5D=1&ids%5B1%5D=2&meta%5Ba%5D=b&neg=-3&tiny=1e-7`},
	}
	for _, tt := range tests {
		got, _, err := outbound.EncodeBody(tt.format, v)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %s %v\nwant %s", tt.format, got, err, tt.want)
		}
	}
	if _, _, err := outbound.EncodeBody("yaml", v); err == nil {
		t.Error("an unknown format encoded")
	}
	if _, _, err := outbound.EncodeBody(outbound.FormatJSON, map[string]any{"c": make(chan int)}); err == nil {
		t.Error("a channel encoded")
	}
}

// FuzzEncodeBody: no input panics, and whatever is encoded reads back in
// its format; text sent as it is comes out byte for byte.
func FuzzEncodeBody(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/bodies/*.in.json")
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		var s string
		if json.Unmarshal(b, &s) == nil {
			f.Add([]byte(s), true)
		}
	}
	f.Add([]byte(`{"a\u00b7b":1,"·":2,"a:b":3,"x\ud800":4}`), false)
	f.Add([]byte(`<a x="1" x="2"/>`), true)
	f.Add([]byte("a=1;b=2"), true)
	f.Fuzz(func(t *testing.T, data []byte, text bool) {
		var v any = string(data)
		if !text && json.Unmarshal(data, &v) != nil {
			return
		}
		for _, format := range formats {
			body, contentType, err := outbound.EncodeBody(format, v)
			if err != nil {
				continue
			}
			if contentType == "" {
				t.Fatalf("%s: no Content-Type", format)
			}
			if s, ok := v.(string); ok && format != outbound.FormatJSON && string(body) != s {
				t.Fatalf("%s: text %q sent as %q", format, s, body)
			}
			checkWellFormed(t, format, body)
		}
	})
}
