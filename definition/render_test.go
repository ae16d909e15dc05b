package definition

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// testEnv is a workflow context like the one an inbound_chat_apps trigger produces, after an
// HttpRequest step saved outputs.
func testEnv() Env {
	return Env{
		Data: map[string]any{
			"umid":   "9e09ac86",
			"source": "+6581968289",
			"count":  float64(3),
			"msisdn": float64(6500000000),
			"name":   "",
			"payload": map[string]any{
				"user":    map[string]any{"msisdn": "+6512345678", "channelUserId": "6512345678"},
				"content": map[string]any{"text": "Confirm booking"},
				"tags":    []any{"vip", "sg"},
			},
			"items": []any{
				map[string]any{"sku": "a", "price": float64(5)},
				map[string]any{"sku": "b", "price": float64(15)},
			},
			"http_request_response_code": float64(404),
		},
		Step:  map[string]any{"responseCode": float64(200), "reasonPhrase": "OK", "responseBody": map[string]any{"id": "c-1"}, "reply": nil},
		Steps: map[string]any{"lookup": map[string]any{"responseCode": float64(201)}},
	}
}

func TestRenderString(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		// Literal text.
		{"no template", "just text", "just text"},
		{"stray closing braces without {{ are literal", `{"a":{"b":1}}`, `{"a":{"b":1}}`},
		{"empty string", "", ""},

		// A single expression keeps its type.
		{"string field", "{{data.payload.user.msisdn}}", "+6512345678"},
		{"spaces inside and around", "  {{ data.umid }} ", "9e09ac86"},
		{"number", "{{step.responseCode}}", float64(200)},
		{"integer arithmetic", "{{1 + 2}}", 3},
		{"float arithmetic", "{{data.count + 1}}", float64(4)},
		{"boolean", "{{data.count >= 3}}", true},
		{"object", "{{step.responseBody}}", map[string]any{"id": "c-1"}},
		{"array", "{{data.payload.tags}}", []any{"vip", "sg"}},
		{"nil", "{{step.reply}}", nil},
		{"map literal", "{{ {a: {b: 1}} }}", map[string]any{"a": map[string]any{"b": 1}}},
		{"closing braces inside a string", "{{ 'x}}' }}", "x}}"},
		{"steps", "{{steps.lookup.responseCode}}", float64(201)},

		// 8x8 documentation forms.
		{"concatenation", "{{'umid: ' + data.umid}}", "umid: 9e09ac86"},
		{"concatenation with a number", "{{'code ' + step.responseCode}}", "code 200"},
		{"number equals big literal", "{{data.msisdn == 6500000000}}", true},
		{"negation", "{{!(data.count >= 3)}}", false},
		{"null comparison", "{{step.reply != null}}", false},
		{"null equality", "{{step.reply == null}}", true},
		{"strict equality", "{{data.http_request_response_code === 404}}", true},
		{"strict inequality", "{{data.umid !== '9e09ac86'}}", false},
		{"=== inside a string is left alone", "{{'a===b'}}", "a===b"},
		{"logical and", "{{data.count >= 3 && step.responseCode == 200}}", true},
		{"ternary", "{{data.count == 3 ? 'three' : 'other'}}", "three"},
		{"index", "{{data.payload.tags[0]}}", "vip"},
		{"bracket access", "{{data['payload']['user']['msisdn']}}", "+6512345678"},
		{"stringContains", "{{stringContains(data.payload.content.text, 'confirm', true)}}", true},
		{"stringContains case-sensitive", "{{stringContains(data.payload.content.text, 'confirm')}}", false},

		// Missing fields are nil.
		{"missing field", "{{data.missing}}", nil},
		{"missing deep field", "{{data.missing.deep.deeper}}", nil},
		{"field of a string", "{{data.umid.deep}}", nil},
		{"index out of range", "{{data.payload.tags[5]}}", nil},
		{"negative index", "{{data.payload.tags[-1]}}", nil},
		{"missing step", "{{steps.nope.responseCode}}", nil},
		{"optional chaining", "{{data.missing?.deep ?? 'none'}}", "none"},
		{"missing in interpolation", "a{{data.missing.x}}b", "ab"},

		// JavaScript conveniences.
		{"default with ||", "{{data.name || 'there'}}", "there"},
		{"|| returns the first truthy operand", "{{data.umid || 'x'}}", "9e09ac86"},
		{"&& returns the last operand", "{{data.umid && 'yes'}}", "yes"},
		{"! of missing", "{{!data.missing}}", true},
		{"truthy condition", "{{data.payload.tags ? 'tags' : 'none'}}", "tags"},
		{"array length", "{{data.payload.tags.length}}", 2},
		{"string length", "{{data.umid.length}}", 8},
		{"filter with a truthy predicate", "{{len(filter(data.payload.tags, #))}}", 2},
		{"filter on fields", "{{map(filter(data.items, #.price > 10), #.sku)}}", []any{"b"}},
		{"undefined", "{{data.missing === undefined}}", true},

		// Builtins.
		{"upper", "{{upper(data.payload.content.text)}}", "CONFIRM BOOKING"},
		{"lower via pipe", "{{data.payload.content.text | lower()}}", "confirm booking"},
		{"toJSON is compact with sorted keys", "{{toJSON({b: 1, a: [true, nil]})}}", `{"a":[true,null],"b":1}`},
		{"fromJSON", `{{fromJSON('{"a":[1,2]}').a[1]}}`, float64(2)},
		{"keys sorted", "{{keys({c: 1, a: 2, b: 3})}}", []any{"a", "b", "c"}},
		{"values by sorted key", "{{values({c: 1, a: 2, b: 3})}}", []any{2, 3, 1}},
		{"toPairs sorted", "{{toPairs({b: 1, a: 2})}}", []any{[]any{"a", 2}, []any{"b", 1}}},
		{"join formats elements", "{{join([1, 'a', nil, true], ',')}}", "1,a,,true"},
		{"string", "{{string(data.payload.tags)}}", `["vip","sg"]`},
		{"repeat", "{{repeat('ab', 3)}}", "ababab"},
		{"replace", "{{replace('a-b-c', '-', '+')}}", "a+b+c"},
		{"concat", "{{concat([1], [2, 3])}}", []any{1, 2, 3}},
		{"flatten", "{{flatten([1, [2, [3]]])}}", []any{1, 2, 3}},
		{"uniq", "{{uniq([1, 2, 1, 3, 2])}}", []any{1, 2, 3}},
		{"sum over range", "{{sum(1..10)}}", 55},
		{"groupBy gives string keys", "{{groupBy([1, 2, 3], # % 2 == 0 ? 'even' : 'odd')}}", map[string]any{"even": []any{2}, "odd": []any{1, 3}}},
		{"let", "{{let x = data.count; x * 2}}", float64(6)},

		// Interpolation formats values.
		{"interpolation", "umid: {{data.umid}}", "umid: 9e09ac86"},
		{"two expressions", "{{data.umid}}/{{data.source}}", "9e09ac86/+6581968289"},
		{"number formatting", "n={{data.count}} f={{1/4}} big={{data.msisdn}} e={{1e21}}", "n=3 f=0.25 big=6500000000 e=1e+21"},
		{"object formatting", "body: {{step.responseBody}}", `body: {"id":"c-1"}`},
		{"array formatting", "tags: {{data.payload.tags}}", `tags: ["vip","sg"]`},
		{"html is not escaped", "{{'<b>'}} & {{ {a: '<'} }}", `<b> & {"a":"<"}`},
		{"boolean formatting", "ok={{true}}", "ok=true"},
		{"nil formatting", "[{{nil}}]", "[]"},
	}
	env := testEnv()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderString(tt.in, env)
			if err != nil {
				t.Fatalf("RenderString(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RenderString(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRenderNested(t *testing.T) {
	in := map[string]any{
		"url":    "https://api.example.com/users/{{data.payload.user.channelUserId}}",
		"method": "POST",
		"headers": map[string]any{
			"Authorization": "Bearer {{data.umid}}",
		},
		"body": map[string]any{
			"property_1": float64(1),
			"property_2": "{{'umid: ' + data.umid}}",
			"property_3": []any{"{{data.count}}", "{{data.count}} items", nil, true, map[string]any{"deep": "{{data.missing}}"}},
			"property_4": map[string]any{"nested_property": "{{'msisdn: ' + data.source}}"},
		},
		"typed": map[string]string{"x": "{{data.count * 2}}"},
	}
	want := map[string]any{
		"url":    "https://api.example.com/users/6512345678",
		"method": "POST",
		"headers": map[string]any{
			"Authorization": "Bearer 9e09ac86",
		},
		"body": map[string]any{
			"property_1": float64(1),
			"property_2": "umid: 9e09ac86",
			"property_3": []any{float64(3), "3 items", nil, true, map[string]any{"deep": nil}},
			"property_4": map[string]any{"nested_property": "msisdn: +6581968289"},
		},
		"typed": map[string]any{"x": float64(6)},
	}
	got, err := Render(in, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Render =\n%#v\nwant\n%#v", got, want)
	}
	if in["url"] != "https://api.example.com/users/{{data.payload.user.channelUserId}}" {
		t.Error("Render modified its input")
	}
}

func TestRenderDoesNotAlias(t *testing.T) {
	env := testEnv()
	got, err := RenderString("{{data.payload}}", env)
	if err != nil {
		t.Fatal(err)
	}
	got.(map[string]any)["user"].(map[string]any)["msisdn"] = "changed"
	if env.Data["payload"].(map[string]any)["user"].(map[string]any)["msisdn"] != "+6512345678" {
		t.Error("the rendered value shares maps with env.Data")
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string // the error's text
	}{
		{"syntax", "{{data.x +}}", "{{data.x +}}: unexpected token EOF (column 8)"},
		{"path of the failing string", map[string]any{"a": []any{"ok", map[string]any{"b c": "{{1 +}}"}}}, `a[1]["b c"]: {{1 +}}: unexpected token EOF (column 3)`},
		{"unclosed", map[string]any{"url": "x{{data"}, "url: unclosed {{ at offset 1"},
		{"stray closing", "{{a}} }}", "unexpected }} without a matching {{ at offset 6"},
		{"empty expression", "a {{ }} b", "empty expression {{}} at offset 2"},
		{"unknown variable", "{{dta.x}}", "{{dta.x}}: unknown name dta (column 1)"},
		{"unknown function", "{{isCountryKode(data.msisdn, 'SG')}}", "{{isCountryKode(data.msisdn, 'SG')}}: unknown function isCountryKode (column 1)"},
		{"now without a clock", "{{now()}}", "{{now()}}: now() is not available here: no clock was provided (column 1)"},
		{"uuid without a source", "{{uuid()}}", "{{uuid()}}: uuid() is not available here: no id source was provided (column 1)"},
		{"method call", "{{data.umid.toUpperCase()}}", "{{data.umid.toUpperCase()}}: method calls are not supported; use a function such as upper(x) (column 11)"},
		{"runtime type error", "{{data.payload.tags - 1}}", "{{data.payload.tags - 1}}: invalid operation: []interface {} - int (column 19)"},
		{"adding incompatible values", "{{data.payload.tags + 1}}", "{{data.payload.tags + 1}}: cannot add array and number (column 19)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(tt.in, testEnv())
			if err == nil {
				t.Fatal("Render succeeded")
			}
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("error is %T, want *ExprError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
		})
	}
}

// TestNonDeterministicBuiltinsUnavailable makes sure expressions cannot read the host's clock or
// time zone: such values would differ when a workflow is replayed. (now() reads Env.Now.)
func TestNonDeterministicBuiltinsUnavailable(t *testing.T) {
	for _, src := range []string{"now().Year()", "date('2024-01-01')", "timezone('Asia/Singapore')", "$env"} {
		t.Run(src, func(t *testing.T) {
			if err := CheckTemplate("{{" + src + "}}"); err == nil {
				t.Errorf("%s compiled", src)
			}
		})
	}
}

// TestLimits checks that runaway expressions fail quickly with ErrLimit instead of hanging or
// exhausting memory.
func TestLimits(t *testing.T) {
	items := make([]any, 1000)
	for i := range items {
		items[i] = float64(i)
	}
	env := Env{Data: map[string]any{"items": items, "big": strings.Repeat("y", 1<<20)}}
	tests := []struct {
		name string
		expr string
	}{
		{"huge range", "{{1..100000000}}"},
		{"huge range in a loop", "{{map(1..150000, map(1..150000, #))}}"},
		{"repeat", "{{repeat('x', 100000000)}}"},
		{"nested repeat", "{{repeat(repeat('x', 1000000), 1000000)}}"},
		{"string doubling", "{{reduce(1..100, #acc + #acc, 'x')}}"},
		{"array doubling", "{{reduce(1..100, concat(#acc, #acc), [1])}}"},
		{"shared structure blow-up", "{{toJSON(reduce(1..60, [#acc, #acc], 1))}}"},
		{"shared structure result", "{{reduce(1..60, [#acc, #acc], 1)}}"},
		{"nested loops over data", "{{all(data.items, all(data.items, all(data.items, true)))}}"},
		{"scanning a big value in a loop", "{{let b = data.big; map(1..100000, b contains 'z')}}"},
		{"joining a big value", "{{join(map(1..10000, data.big))}}"},
		{"replace amplification", "{{replace(data.big, '', data.big)}}"},
		{"quadratic uniq", "{{uniq(1..150000)}}"},
		{"big interpolation", "{{data.big}}{{data.big}}{{data.big}}{{data.big}}{{data.big}}"},
		{"too many nodes", "{{" + strings.Repeat("1+", MaxExpressionNodes) + "1}}"},
		{"too long", "{{'" + strings.Repeat("x", MaxExpressionLength) + "'}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// That the budget stops the work, not how fast: the time it
			// takes is the benchmarks' (BenchmarkBudgetExhaustion), never
			// asserted here, where a loaded machine would fail it.
			_, err := RenderString(tt.expr, env)
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("error = %v, want one wrapping ErrLimit", err)
			}
		})
	}
}

// TestBudgetIsPerRender checks that the budget is shared by the expressions of one Render call
// and restored for the next one.
func TestBudgetIsPerRender(t *testing.T) {
	env := Env{Data: map[string]any{"big": strings.Repeat("y", MaxEvalCost/4)}}
	one := map[string]any{"a": "{{data.big}}"}
	if _, err := Render(one, env); err != nil {
		t.Fatalf("one big value: %v", err)
	}
	if _, err := Render(one, env); err != nil {
		t.Fatalf("second call: %v", err)
	}
	many := map[string]any{"a": "{{data.big}}", "b": "{{data.big}}", "c": "{{data.big}}", "d": "{{data.big}}", "e": "{{data.big}}"}
	if _, err := Render(many, env); !errors.Is(err, ErrLimit) {
		t.Fatalf("five big values: %v, want ErrLimit", err)
	}
}

func TestCheckTemplate(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"plain", true},
		{"}} without opening is literal", true},
		{"{{data.x}}", true},
		{"a {{data.x}} b {{step.y}}", true},
		{"{{data.x", false},
		{"{{data.x}} }}", false},
		{"{{ }}", false},
		{"{{data.}}", false},
		{"{{nope}}", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := CheckTemplate(tt.in)
			if (err == nil) != tt.ok {
				t.Errorf("CheckTemplate(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
		})
	}
}

func TestTruthy(t *testing.T) {
	tests := []struct {
		v    any
		want bool
	}{
		{nil, false}, {false, false}, {true, true}, {0, false}, {float64(0), false}, {1, true},
		{float64(-2.5), true}, {"", false}, {"0", true}, {[]any{}, true}, {map[string]any{}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%#v", tt.v), func(t *testing.T) {
			if got := Truthy(tt.v); got != tt.want {
				t.Errorf("Truthy(%#v) = %v, want %v", tt.v, got, tt.want)
			}
		})
	}
}

// TestRenderConcurrent renders the same expressions from many goroutines, as worker goroutines
// do, to exercise the shared compile cache.
func TestRenderConcurrent(t *testing.T) {
	env := testEnv()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				src := fmt.Sprintf("{{data.count + %d}}", (g*7+i)%50)
				got, err := RenderString(src, env)
				if err != nil {
					errs <- err
					return
				}
				if want := float64(3 + (g*7+i)%50); got != want {
					errs <- fmt.Errorf("%s = %v, want %v", src, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestRenderDeterministic renders a value with many keys repeatedly: results and errors must not
// depend on Go's map iteration order.
func TestRenderDeterministic(t *testing.T) {
	in := map[string]any{}
	for i := range 50 {
		in[fmt.Sprintf("k%02d", i)] = fmt.Sprintf("{{data.missing.x%d}}", i)
	}
	in["k25"] = "{{1 +}}"
	in["k40"] = "{{2 +}}"
	first := ""
	for range 20 {
		_, err := Render(in, Env{})
		if err == nil {
			t.Fatal("Render succeeded")
		}
		if first == "" {
			first = err.Error()
		} else if err.Error() != first {
			t.Fatalf("error changed between runs: %q then %q", first, err)
		}
	}
	if !strings.HasPrefix(first, "k25:") {
		t.Errorf("first error %q is not the one at the smallest key", first)
	}
	got, err := RenderString("{{keys(data)}} {{values(data)}} {{toPairs(data)}}", Env{Data: map[string]any{"b": 1, "a": 2, "c": 3}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `["a","b","c"] [2,1,3] [["a",2],["b",1],["c",3]]`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
