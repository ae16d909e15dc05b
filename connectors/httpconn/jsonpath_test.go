package httpconn

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const storeJSON = `{
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 399}
  },
  "odd key": {"it's": 1, "a.b": 2, "quote\"d": 3},
  "ключ": "значення",
  "flags": [true, false, null],
  "empty": [],
  "nested": [[1, 2], [3]]
}`

func TestJSONPath(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(storeJSON), &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want any
	}{
		// Definite paths: one value or nil.
		{"$.store.bicycle.color", "red"},
		{"$['store']['bicycle']['price']", 399.0},
		{`$["store"].book[0].author`, "Nigel Rees"},
		{"$.store.book[-1].title", "The Lord of the Rings"},
		{"$.store.book[-5].title", nil},
		{"$.store.book[4]", nil},
		{"$.store.missing.deeper", nil},
		{"$.store.bicycle.color.length", nil},
		{"$.store.book.title", nil},
		{"$['odd key']['it\\'s']", 1.0},
		{`$['odd key']["a.b"]`, 2.0},
		{`$['odd key']['quote"d']`, 3.0},
		{`$["odd key"]["quote\"d"]`, 3.0},
		{`$['\u043a\u043b\u044e\u0447']`, "значення"},
		{"$.ключ", "значення"},
		{"$.flags[2]", nil},
		{"$.nested[1][0]", 3.0},
		{" $.store.bicycle.price ", 399.0},
		// Indefinite paths: always a list.
		{"$.store.book[*].author", []any{"Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"}},
		{"$.store.book[*].isbn", []any{"0-553-21311-3", "0-395-19395-8"}},
		{"$.store.*.color", []any{"red"}},
		{"$.empty[*]", []any{}},
		{"$.missing[*].x", []any{}},
		{"$..author", []any{"Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"}},
		{"$.store..price", []any{399.0, 8.95, 12.99, 8.99, 22.99}},
		{"$..book[2].title", []any{"Moby Dick"}},
		{"$.store.book[0,2].title", []any{"Sayings of the Century", "Moby Dick"}},
		{"$.store.bicycle['color','price']", []any{"red", 399.0}},
		{"$.store.book[1:3].title", []any{"Sword of Honour", "Moby Dick"}},
		{"$.store.book[:2].price", []any{8.95, 12.99}},
		{"$.store.book[-2:].price", []any{8.99, 22.99}},
		{"$.store.book[::-1].price", []any{22.99, 8.99, 12.99, 8.95}},
		{"$.store.book[::2].price", []any{8.95, 8.99}},
		{"$.store.book[0:4:0]", []any{}},
		{"$.store.book[?@.isbn].title", []any{"Moby Dick", "The Lord of the Rings"}},
		{"$.store.book[?(@.price < 10)].title", []any{"Sayings of the Century", "Moby Dick"}},
		{"$.store.book[?(@.price >= 12.99 && @.category == 'fiction')].author", []any{"Evelyn Waugh", "J. R. R. Tolkien"}},
		{"$.store.book[?(@.author == 'Nigel Rees' || @.price > 20)].price", []any{8.95, 22.99}},
		{"$.store.book[?(!@.isbn)].price", []any{8.95, 12.99}},
		{"$.store.book[?(@.category != \"fiction\")].title", []any{"Sayings of the Century"}},
		{"$.store.book[?(@.price > $.store.bicycle.price)]", []any{}},
		{"$.store.book[?(@.missing == null)]", []any{}},
		{"$.flags[?(@ == true)]", []any{true}},
		{"$.store.book[?(@.title > 'S')].title", []any{"Sayings of the Century", "Sword of Honour", "The Lord of the Rings"}},
		{"$.store.book[?(@.price == '8.95')]", []any{}},
		// The whole document.
		{"$", doc},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := parseJSONPath(tt.path)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got, err := p.eval(doc); err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v (%v), want %#v", got, err, tt.want)
			}
		})
	}
}

func TestJSONPathErrors(t *testing.T) {
	testParseErrors(t, parseJSONPath, []parseErrorCase{
		{"store.book", "starts with $"},
		{"$.", "member name"},
		{"$.a b", "unexpected"},
		{"$.store[", "expected"},
		{"$.store[0", "expected , or ]"},
		{"$['a]", "unterminated"},
		{`$['\x']`, "unknown escape"},
		{`$['\u12']`, "\\u"},
		{"$[1:2:3:4]", "expected , or ]"},
		{"$[?(@.a == )]", "expected @"},
		{"$[?('a')]", "literal alone"},
		{"$[?(@.a[*] == 1)]", "single-value"},
		{"$[?(@.a == 1]", "expected )"},
		{"$[?length(@.a) > 1]", "expected @"},
		{"$.a..", "member name"},
		{"$[]", "expected a name"},
	})
}

// TestCompiledJSONPathKeepsNumbers: a document decoded with UseNumber
// keeps a 64-bit id exactly, and filters still compare its numbers as
// numbers.
func TestCompiledJSONPathKeepsNumbers(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(`{"data": [{"id": 9007199254740993, "n": 2}, {"id": 9007199254740995, "n": 10}]}`))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"$.data[0].id":            `9007199254740993`,
		"$.data[?(@.n > 5)].id":   `[9007199254740995]`,
		"$.data[?(@.n == 2)].id":  `[9007199254740993]`,
		"$.data[?(@.n < 2.5)].id": `[9007199254740993]`,
	} {
		jp, err := CompileJSONPath(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got, err := jp.Eval(doc)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b, _ := json.Marshal(got); string(b) != want {
			t.Errorf("%s = %s, want %s", path, b, want)
		}
	}
	if _, err := CompileJSONPath("data"); err == nil {
		t.Error("a path without $ compiled")
	}
}
