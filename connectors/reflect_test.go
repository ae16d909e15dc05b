package connectors

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

type base struct {
	ID string `json:"id" description:"The id."`
}

type level int

type order struct {
	base
	Status    string            `json:"status" enum:"open,closed"`
	Qty       int               `json:"qty"`
	Price     float64           `json:"price,omitempty"`
	Note      *string           `json:"note"`
	Optional  *string           `json:"optional,omitempty"`
	Tags      []string          `json:"tags,omitempty" enum:"a,b"`
	Lines     []line            `json:"lines"`
	Meta      map[string]string `json:"meta,omitempty"`
	Level     level             `json:"level,omitempty" enum:"1,2"`
	Count     int64             `json:"count,string,omitempty"`
	At        time.Time         `json:"at"`
	Raw       json.RawMessage   `json:"raw,omitempty"`
	Any       any               `json:"any,omitempty"`
	Blob      []byte            `json:"blob,omitempty"`
	Addr      netip.Addr        `json:"addr,omitzero"`
	Money     money             `json:"money,omitzero"`
	Ignored   string            `json:"-"`
	unexposed string
	NoTag     bool
}

type line struct {
	SKU string `json:"sku"`
}

type money struct{}

func (money) MarshalJSON() ([]byte, error) { return []byte(`"0.00"`), nil }
func (money) JSONSchema() *Schema {
	return &Schema{Type: Types{TypeString}, Pattern: `^\d+\.\d\d$`}
}

func TestSchemaOf(t *testing.T) {
	s, err := SchemaFor[order]()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(s)
	want := `{"type":"object","properties":{` +
		`"NoTag":{"type":"boolean"},` +
		`"addr":{"type":"string"},` +
		`"any":{},` +
		`"at":{"type":"string","format":"date-time"},` +
		`"blob":{"type":"string","format":"byte"},` +
		`"count":{"type":"string"},` +
		`"id":{"description":"The id.","type":"string"},` +
		`"level":{"type":"integer","enum":[1,2]},` +
		`"lines":{"type":["array","null"],"items":{"type":"object","properties":{"sku":{"type":"string"}},"required":["sku"],"additionalProperties":false}},` +
		`"meta":{"type":"object","additionalProperties":{"type":"string"}},` +
		`"money":{"type":"string","pattern":"^\\d+\\.\\d\\d$"},` +
		`"note":{"type":["string","null"]},` +
		`"optional":{"type":"string"},` +
		`"price":{"type":"number"},` +
		`"qty":{"type":"integer"},` +
		`"raw":{},` +
		`"status":{"type":"string","enum":["open","closed"]},` +
		`"tags":{"type":"array","items":{"type":"string","enum":["a","b"]}}` +
		`},"required":["id","status","qty","note","lines","at","NoTag"],"additionalProperties":false}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if err := s.Check(); err != nil {
		t.Errorf("derived schema does not check: %v", err)
	}

	// What encoding/json makes of a value must match the derived schema.
	note := "n"
	v := order{base: base{ID: "o-1"}, unexposed: "left out", Status: "open", Note: &note, At: time.Unix(0, 0).UTC(), Count: 3, Level: 2}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(raw); err != nil {
		t.Errorf("%s does not match its own schema: %v", raw, err)
	}
}

func TestSchemaOfEmbedding(t *testing.T) {
	s, err := SchemaFor[shadow]()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(s)
	want := `{"type":"object","properties":{"sku":{"type":"string"},"x":{"type":"integer"}},"required":["x"],"additionalProperties":false}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	raw, _ := json.Marshal(shadow{X: 1})
	if err := s.Validate(raw); err != nil {
		t.Errorf("%s: %v", raw, err)
	}
}

type recursive struct {
	Children []recursive `json:"children"`
}

type opaque struct{}

func (opaque) MarshalJSON() ([]byte, error) { return []byte("{}"), nil }

type clashA struct {
	A string `json:"x"`
}

type clashB struct {
	X string
}

type clashC struct {
	X int
}

// clash embeds two untagged fields named X at the same depth:
// encoding/json drops both.
type clash struct {
	clashB
	clashC
}

// shadow's own x hides the embedded one, as in encoding/json; the fields
// of an embedded pointer are optional.
type shadow struct {
	clashA
	*line
	X int `json:"x"`
}

func TestSchemaOfRefuses(t *testing.T) {
	for _, test := range []struct {
		t    reflect.Type
		want string
	}{
		{reflect.TypeFor[recursive](), "recursive"},
		{reflect.TypeFor[opaque](), "implements json.Marshaler"},
		{reflect.TypeFor[chan int](), "has no JSON form"},
		{reflect.TypeFor[map[[2]int]string](), "map keys"},
		{reflect.TypeFor[clash](), `clashB.X and clashC.X are both encoded as "X"`},
		{reflect.TypeFor[struct {
			F bool `json:"f" enum:"true"`
		}](), "only strings and numbers"},
	} {
		_, err := SchemaOf(test.t)
		if err == nil || !strings.Contains(err.Error(), test.want) {
			t.Errorf("%s: error %v, want %q", test.t, err, test.want)
		}
	}
}
