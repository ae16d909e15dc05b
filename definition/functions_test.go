package definition

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// fnEnv is an Env with a fixed clock and id source, as a workflow provides them.
func fnEnv() Env {
	return Env{
		Data: map[string]any{
			"msisdn":  "+6512345678",
			"channel": "6512345678",
			"ts":      "2020-10-15T14:40:15+07:00",
			"items":   []any{map[string]any{"price": 5.0, "qty": 2.0}, map[string]any{"price": 1.5, "qty": 4.0}},
		},
		Item:  map[string]any{"id": 7.0, "sku": "A-1"},
		Index: 2,
		Now:   func() time.Time { return time.Date(2024, 5, 1, 1, 30, 0, 0, time.UTC) },
		UUID:  func() string { return "0b9f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4" },
	}
}

func TestFunctions(t *testing.T) {
	tests := []struct {
		expr string
		want any
	}{
		// Variables.
		{"item.sku", "A-1"},
		{"index + 1", 3},

		// isCountryCode: single codes, shared codes, NANP area codes, formats.
		{"isCountryCode('+6512345678', 'SG')", true},
		{"isCountryCode('+6512345678', 'sg')", true},
		{"isCountryCode('6512345678', 'SG')", true},
		{"isCountryCode('0065 1234 5678', 'SG')", true},
		{"isCountryCode(6512345678, 'SG')", true},
		{"isCountryCode(data.msisdn, 'MY')", false},
		{"isCountryCode('+447911123456', 'GB')", false}, // 7911 is Guernsey
		{"isCountryCode('+447911123456', 'GG')", true},
		{"isCountryCode('+447700900123', 'JE')", true},
		{"isCountryCode('+447624123456', 'IM')", true},
		{"isCountryCode('+442071234567', 'GB')", true},
		{"isCountryCode('+442071234567', 'UK')", true},
		{"isCountryCode('+14165551234', 'CA')", true},
		{"isCountryCode('+14165551234', 'US')", false},
		{"isCountryCode('+12125551234', 'US')", true},
		{"isCountryCode('+12125551234', 'CA')", false},
		{"isCountryCode('+18765551234', 'JM')", true},
		{"isCountryCode('+18765551234', 'US')", false},
		{"isCountryCode('+17875551234', 'PR')", true},
		{"isCountryCode('+18005551234', 'US')", true}, // toll-free counts as US
		{"isCountryCode('+77012345678', 'KZ')", true},
		{"isCountryCode('+77012345678', 'RU')", false},
		{"isCountryCode('+74951234567', 'RU')", true},
		{"isCountryCode('+390669812345', 'VA')", true},
		{"isCountryCode('+390612345678', 'VA')", false},
		{"isCountryCode('+390612345678', 'IT')", true},
		{"isCountryCode('+3796981234', 'VA')", true},
		{"isCountryCode('+262269123456', 'YT')", true},
		{"isCountryCode('+262262123456', 'RE')", true},
		{"isCountryCode('+590590123456', 'BL')", true}, // shares Guadeloupe's numbering
		{"isCountryCode('+35818123456', 'AX')", true},
		{"isCountryCode('+358401234567', 'FI')", true},
		{"isCountryCode('+5997123456', 'BQ')", true},
		{"isCountryCode('+5999123456', 'CW')", true},
		{"isCountryCode('+85291234567', 'HK')", true},
		{"isCountryCode('+6512345678', '+65')", true},
		{"isCountryCode('+6512345678', '+1')", false},
		{"isCountryCode('not-a-number', 'SG')", false},
		{"isCountryCode(nil, 'SG')", false},
		{"isCountryCode('AbCdEf123', 'SG')", false},

		// stringContains.
		{"stringContains('hello, world', 'wor')", true},
		{"stringContains('hello, world', 'WOR', true)", true},
		{"stringContains(nil, 'x')", false},

		// isTimeOfDayBetween: 8x8's example, time zones, inclusive bounds, midnight crossing.
		{"isTimeOfDayBetween('2020-10-15T14:40:15+07:00', '09:00:00', '18:00:00', 'Singapore Standard Time')", true},
		{"isTimeOfDayBetween(data.ts, '09:00:00', '15:00:00', 'Singapore Standard Time')", false}, // 15:40 in Singapore
		{"isTimeOfDayBetween(data.ts, '09:00:00', '15:00:00', 'SE Asia Standard Time')", true},    // 14:40 in Bangkok
		{"isTimeOfDayBetween(data.ts, '09:00:00', '15:00:00', 'Asia/Bangkok')", true},
		{"isTimeOfDayBetween(data.ts, '09:00', '15:00', 'se asia standard time')", true},
		{"isTimeOfDayBetween('2024-05-01T09:00:00Z', '09:00:00', '17:00:00')", true},
		{"isTimeOfDayBetween('2024-05-01T17:00:00Z', '09:00:00', '17:00:00')", true},
		{"isTimeOfDayBetween('2024-05-01T17:00:01Z', '09:00:00', '17:00:00')", false},
		{"isTimeOfDayBetween('2024-05-01T23:30:00Z', '22:00:00', '06:00:00')", true},
		{"isTimeOfDayBetween('2024-05-01T05:59:59Z', '22:00:00', '06:00:00')", true},
		{"isTimeOfDayBetween('2024-05-01T12:00:00Z', '22:00:00', '06:00:00')", false},
		{"isTimeOfDayBetween('2024-05-01T12:00:00Z', '22:00:00', '06:00:00', 'Tokyo Standard Time')", false},    // 21:00 in Tokyo
		{"isTimeOfDayBetween('2024-05-01T13:30:00Z', '22:00:00', '06:00:00', 'Tokyo Standard Time')", true},     // 22:30 in Tokyo
		{"isTimeOfDayBetween('2024-05-01T08:30:00', '08:00:00', '09:00:00', 'Eastern Standard Time')", true},    // wall-clock time in New York
		{"isTimeOfDayBetween('2024-07-01T13:30:00Z', '09:00:00', '10:00:00', 'Eastern Standard Time')", true},   // 09:30 EDT
		{"isTimeOfDayBetween('2024-01-15T13:30:00Z', '09:00:00', '10:00:00', 'Eastern Standard Time')", false},  // 08:30 EST
		{"isTimeOfDayBetween('2024-07-01T10:30:00Z', '12:00:00', '13:00:00', 'W. Europe Standard Time')", true}, // 12:30 CEST
		{"isTimeOfDayBetween(now(), '09:00:00', '18:00:00', 'Singapore Standard Time')", true},                  // 09:30 in Singapore
		{"isTimeOfDayBetween(1714527000, '09:00:00', '10:00:00', 'Singapore Standard Time')", true},             // Unix seconds

		// isDayOfWeek.
		{"isDayOfWeek('2021-05-25', 'Tuesday')", true},
		{"isDayOfWeek('2021-05-25', 'tuesday')", true},
		{"isDayOfWeek('2021-05-25', 'TUE')", true},
		{"isDayOfWeek('2021-05-25', 'Monday')", false},
		{"isDayOfWeek('2021-05-25', ['Saturday', 'Sunday'])", false},
		{"isDayOfWeek('2021-05-29', ['Saturday', 'Sunday'])", true},
		{"isDayOfWeek('2021-05-29', 'weekend')", true},
		{"isDayOfWeek('2021-05-28', 'weekday')", true},
		{"isDayOfWeek('2021-05-25', 'Tuesday', 'Hawaiian Standard Time')", true}, // a date alone is that day everywhere
		{"isDayOfWeek('2021-05-25T20:00:00Z', 'Tuesday')", true},
		{"isDayOfWeek('2021-05-25T20:00:00Z', 'Wednesday', 'Singapore Standard Time')", true}, // 04:00 on Wednesday
		{"isDayOfWeek('2021-05-25T20:00:00-05:00', 'Tuesday')", true},                         // its own offset
		{"isDayOfWeek(now(), 'Wednesday', 'Singapore Standard Time')", true},

		// uuid and now read the Env.
		{"uuid()", "0b9f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4"},
		{"now()", "2024-05-01T01:30:00.000Z"},

		// Strings.
		{"replace('+65 1234 5678', ' ', '')", "+6512345678"},
		{"substring('ORDER-1234', 6)", "1234"},
		{"substring('ORDER-1234', 0, 5)", "ORDER"},
		{"substring('héllo', 1, 3)", "él"},
		{"substring('abc', 5, 1)", "bc"},
		{"substring('abc', -3, 2)", "ab"},
		{"padStart(7, 3, '0')", "007"},
		{"padStart('abc', 2, '0')", "abc"},
		{"padStart('5', 4, 'ab')", "aba5"},
		{"padEnd('ab', 5, '.')", "ab..."},
		{"padEnd('ab', 4)", "ab  "},
		{"urlEncode('a b&c/é')", "a%20b%26c%2F%C3%A9"},
		{"xmlEscape('Fish & <Chips> \"x\"')", "Fish &amp; &lt;Chips&gt; &#34;x&#34;"},
		{"xmlEscape(42)", "42"},
		{"join(['a', 'b', 'c'], ', ')", "a, b, c"},
		{"split('a,b', ',')", []any{"a", "b"}},
		{"lower('ABC') + upper('d') + trim('  e ')", "abcDe"},

		// Numbers.
		{"toNumber('3.5') * 2", 7.0},
		{"toNumber(' 42 ')", 42.0},
		{"toNumber('1e3')", 1000.0},
		{"toNumber('abc')", nil},
		{"toNumber('')", nil},
		{"toNumber('0x1F')", nil},
		{"toNumber('NaN')", nil},
		{"toNumber(true)", 1},
		{"toNumber(5)", 5},
		{"toNumber(nil)", nil},
		{"round(2.345, 2)", 2.35},
		{"round(1.005, 2)", 1.01},
		{"round(-1.005, 2)", -1.01},
		{"round(2.5)", 3.0},
		{"round(-2.5)", -3.0},
		{"round(9.996, 2)", 10.0},
		{"round(1234.5, -2)", 1200.0},
		{"round(1250, -2)", 1300.0},
		{"round(400, -3)", 0.0},
		{"round(600, -3)", 1000.0},
		{"round(-0.004, 2)", 0.0},
		{"formatNumber(1234567.891, 2)", "1,234,567.89"},
		{"formatNumber(1234.5)", "1,235"},
		{"formatNumber(-1234.5, 1, '.', ',')", "-1.234,5"},
		{"formatNumber(0.5, 2)", "0.50"},
		{"formatNumber(999.999, 2)", "1,000.00"},
		{"formatNumber(12, 0, '')", "12"},

		// Dates.
		{"formatDate('2024-05-01T01:30:00Z')", "2024-05-01T01:30:00.000Z"},
		{"formatDate('2024-05-01T01:30:00Z', 'yyyy-MM-dd HH:mm:ss', 'Singapore Standard Time')", "2024-05-01 09:30:00"},
		{"formatDate('2024-05-01T01:30:00Z', 'dddd d MMM yyyy, h:mm tt', 'Singapore Standard Time')", "Wednesday 1 May 2024, 9:30 AM"},
		{"formatDate('2024-05-01T13:05:09.123Z', 'hh:mm:ss.fff tt zzz K')", "01:05:09.123 PM +00:00 Z"},
		{"formatDate('2024-05-01T01:30:00Z', \"'Day' d 'of' MMMM\")", "Day 1 of May"},
		{"formatDate('2024-05-01T01:30:00Z', 'iso', 'Tokyo Standard Time')", "2024-05-01T10:30:00.000+09:00"},
		{"formatDate('2024-05-01T01:30:00Z', 'unix')", int64(1714527000)},
		{"formatDate(1714527000, 'yyyy-MM-dd')", "2024-05-01"},
		{"formatDate('2024-12-31', 'yy/M/d')", "24/12/31"},
		{"parseDate('2024-05-01')", "2024-05-01T00:00:00.000Z"},
		{"parseDate('2024-05-01T09:30:00+08:00')", "2024-05-01T01:30:00.000Z"},
		{"parseDate('2024-05-01 09:30:00', '', 'Singapore Standard Time')", "2024-05-01T01:30:00.000Z"},
		{"parseDate('01/05/2024 17:30', 'dd/MM/yyyy HH:mm', 'Singapore Standard Time')", "2024-05-01T09:30:00.000Z"},
		{"parseDate('May 1, 2024 9:30 PM', 'MMM d, yyyy h:mm tt')", "2024-05-01T21:30:00.000Z"},
		{"parseDate('2024-05-01 12:00 +02:00', 'yyyy-MM-dd HH:mm zzz')", "2024-05-01T10:00:00.000Z"},
		{"parseDate(1714527000)", "2024-05-01T01:30:00.000Z"},
		{"addDuration('2024-05-01T09:00:00Z', '1.00:00:00')", "2024-05-02T09:00:00.000Z"},
		{"addDuration('2024-05-01T09:00:00Z', '-90m')", "2024-05-01T07:30:00.000Z"},
		{"addDuration('2024-05-01T09:00:00Z', 'PT15M')", "2024-05-01T09:15:00.000Z"},
		{"addDuration('2024-05-01T09:00:00Z', 30)", "2024-05-01T09:00:30.000Z"},
		{"addDuration(now(), '2')", "2024-05-03T01:30:00.000Z"},
		{"dateDiff('2024-05-01T09:00:00Z', '2024-05-03T21:00:00Z', 'days')", 2.5},
		{"dateDiff('2024-05-01T09:00:00Z', '2024-05-01T08:00:00Z', 'hour')", -1.0},
		{"dateDiff('2024-05-01T09:00:00Z', '2024-05-01T09:00:01.5Z')", 1.5},

		// JSON, arrays, defaults.
		{"toJSON({b: 1, a: [true, nil]})", `{"a":[true,null],"b":1}`},
		{"fromJSON('{\"a\": [1, 2]}').a[1]", 2.0},
		{"unique(['a', 'b', 'a'])", []any{"a", "b"}},
		{"sum(data.items, #.price * #.qty)", 16.0},
		{"first([3, 1, 2])", 3},
		{"last([3, 1, 2])", 2},
		{"len([3, 1, 2])", 3},
		{"default(data.missing, 'there')", "there"},
		{"default('', 'there')", "there"},
		{"default(0, 5)", 0},
		{"default(false, true)", false},
		{"coalesce(nil, '', 'x', 'y')", "x"},
		{"coalesce(nil, '')", nil},
	}
	env := fnEnv()
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := RenderString("{{"+tt.expr+"}}", env)
			if err != nil {
				t.Fatalf("%s: %v", tt.expr, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestFunctionErrors(t *testing.T) {
	tests := []struct {
		expr string
		want string // part of the error
		code string
	}{
		{"isCountryCode('+6512345678', 'XX')", `"XX" is not an ISO 3166 country code`, CodeEvaluation},
		{"isCountryCode('+6512345678')", "isCountryCode expects 2 arguments, got 1", CodeExpressionSyntax},
		{"isTimeOfDayBetween('2024-05-01T09:00:00Z', '9am', '17:00:00')", "must be a time of day HH:mm:ss", CodeEvaluation},
		{"isTimeOfDayBetween('2024-05-01T09:00:00Z', '09:00:00', '17:00:00', 'Mars Standard Time')", `unknown time zone "Mars Standard Time"`, CodeEvaluation},
		{"isTimeOfDayBetween('2024-05-01T09:00:00Z', '09:00:00', '17:00:00', '../../etc/passwd')", "unknown time zone", CodeEvaluation},
		{"isTimeOfDayBetween('yesterday', '09:00:00', '17:00:00')", "is not an ISO 8601 timestamp", CodeEvaluation},
		{"isDayOfWeek('2021-05-25', 'Funday')", `unknown day "Funday"`, CodeEvaluation},
		{"formatDate('2024-05-01', 'YYYY-MM-DD')", `"Y" is not a date token`, CodeEvaluation},
		{"parseDate('2024-02-30', 'yyyy-MM-dd')", "no such date", CodeEvaluation},
		{"parseDate('2024-05-01', 'dd/MM/yyyy')", "does not match layout", CodeEvaluation},
		{"addDuration('2024-05-01', 'soon')", `invalid duration "soon"`, CodeEvaluation},
		{"dateDiff('2024-05-01', '2024-05-02', 'fortnights')", `unknown unit "fortnights"`, CodeEvaluation},
		{"round(1.5, 16)", "digits must be from -15 to 15", CodeEvaluation},
		{"default(1)", "default expects 2 arguments, got 1", CodeExpressionSyntax},
		{"padStart('x', 100000000)", "expression limit exceeded", CodeLimitExceeded},
		{"uuid(1)", "uuid expects 0 arguments, got 1", CodeExpressionSyntax},
	}
	env := fnEnv()
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := RenderString("{{"+tt.expr+"}}", env)
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("error = %v, want an *ExprError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if ee.Code != tt.code {
				t.Errorf("code = %q, want %q", ee.Code, tt.code)
			}
		})
	}
}

// TestFunctionDocs keeps Functions() and the implementation in step: every function Junction
// defines is documented, every documented example compiles and runs, and every parameter is
// described.
func TestFunctionDocs(t *testing.T) {
	docs := Functions()
	names := map[string]bool{}
	for _, f := range docs {
		if names[f.Name] {
			t.Errorf("%s documented twice", f.Name)
		}
		names[f.Name] = true
		if f.Description == "" || f.Example == "" || f.Returns == "" || f.Category == "" || f.Parameters == nil {
			t.Errorf("%s: incomplete documentation %+v", f.Name, f)
		}
		for _, p := range f.Parameters {
			if p.Name == "" || p.Type == "" || p.Description == "" {
				t.Errorf("%s: incomplete parameter %+v", f.Name, p)
			}
		}
		if _, err := RenderString("{{"+f.Example+"}}", fnEnv()); err != nil {
			t.Errorf("%s: example %s: %v", f.Name, f.Example, err)
		}
		if a, ok := funcArity[f.Name]; ok {
			required := 0
			for _, p := range f.Parameters {
				if p.Required {
					required++
				}
			}
			if a[0] != required || a[1] >= 0 && a[1] != len(f.Parameters) {
				t.Errorf("%s: arity %v does not match the %d parameters (%d required) documented", f.Name, a, len(f.Parameters), required)
			}
		}
	}
	for name := range meteredFuncs {
		if _, ok := funcArity[name]; !ok {
			t.Errorf("%s has no arity", name)
		}
		if !names[name] && name != "uniq" {
			t.Errorf("%s is not documented in functionDocs", name)
		}
	}
	// The JSON form is 8x8's function object; stringContains has a parameter with a default.
	b, err := json.Marshal(docs[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"name"`, `"description"`, `"example"`, `"parameters"`, `"required"`, `"default"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("Functions()[1] JSON %s lacks %s", b, key)
		}
	}
	docs[0].Parameters[0].Name = "changed"
	if Functions()[0].Parameters[0].Name == "changed" {
		t.Error("Functions() shares its slices with the package")
	}
}

func TestTimeZones(t *testing.T) {
	zones := TimeZones()
	if len(zones) < 130 {
		t.Fatalf("%d time zones, want all of Windows' (about 140)", len(zones))
	}
	seen := map[string]bool{}
	for _, z := range zones {
		if seen[z.ID] {
			t.Errorf("%s listed twice", z.ID)
		}
		seen[z.ID] = true
		if _, err := loadTimeZone(z.ID); err != nil {
			t.Errorf("%s: %v", z.ID, err)
		}
		if !strings.HasSuffix(z.Name, ")") || !strings.Contains(z.Name, " (UTC") {
			t.Errorf("%s: name %q is not in 8x8's form \"places (UTC+hh:mm)\"", z.ID, z.Name)
		}
	}
	for _, id := range []string{"Singapore Standard Time", "W. Europe Standard Time", "Eastern Standard Time",
		"SE Asia Standard Time", "North Asia East Standard Time", "Central Europe Standard Time",
		"Central European Standard Time", "E. Europe Standard Time"} {
		if !seen[id] {
			t.Errorf("%s is missing", id)
		}
	}
	i := slices.IndexFunc(zones, func(z TimeZone) bool { return z.ID == "Singapore Standard Time" })
	if zones[i].Name != "Kuala Lumpur, Singapore (UTC+08:00)" {
		t.Errorf("Singapore: %q", zones[i].Name)
	}
	// The standard offset in the name matches the zone's offset in January or July.
	for _, z := range windowsZones {
		loc, _ := loadTimeZone(z.id)
		if z.offset == "UTC" {
			continue
		}
		jan := time.Date(2025, 1, 15, 12, 0, 0, 0, loc).Format("-07:00")
		jul := time.Date(2025, 7, 15, 12, 0, 0, 0, loc).Format("-07:00")
		off := strings.TrimPrefix(z.offset, "UTC")
		if off != jan && off != jul && !staleOffsets[z.id] {
			t.Errorf("%s (%s): offset %s, but the zone is at %s / %s", z.id, z.iana, off, jan, jul)
		}
	}
}

// staleOffsets are Windows zones whose display offset no longer matches the zone's rules
// (Windows and CLDR keep the historical name).
var staleOffsets = map[string]bool{
	"Greenland Standard Time": true, // Nuuk moved to -02:00 in 2023
	"Volgograd Standard Time": true, // Volgograd moved back to +03:00 in 2020
	"Paraguay Standard Time":  true, // permanent -03:00 since 2024
	"Jordan Standard Time":    true, // permanent +03:00 since 2022
	"Syria Standard Time":     true, // permanent +03:00 since 2022
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"1.6:30:15", 30*time.Hour + 30*time.Minute + 15*time.Second},
		{"1.06:30:15", 30*time.Hour + 30*time.Minute + 15*time.Second},
		{"00:02:00", 2 * time.Minute},
		{"0.00:01:00", time.Minute},
		{"1.00:00:00", 24 * time.Hour},
		{"1", 24 * time.Hour},
		{"2", 48 * time.Hour},
		{"0", 0},
		{" 00:05 ", 5 * time.Minute},
		{"00:00:01.5", 1500 * time.Millisecond},
		{"-00:10:00", -10 * time.Minute},
		{"30s", 30 * time.Second},
		{"1h30m", 90 * time.Minute},
		{"-5m", -5 * time.Minute},
		{"PT15M", 15 * time.Minute},
		{"P1DT12H", 36 * time.Hour},
		{"P2W", 14 * 24 * time.Hour},
		{"pt0.5s", 500 * time.Millisecond},
		{"365", 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if err != nil {
				t.Fatalf("ParseDuration(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "soon", "1.25:00:00", "00:60:00", "00:00:60", "1.2.3", "1:2", "P1Y", "P1M", "PT", "P",
		"99999999999999999999", "1.00:00:00.12345678", "1e3", "PT1H1D", "--1"} {
		if d, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", bad, d)
		}
	}
}
