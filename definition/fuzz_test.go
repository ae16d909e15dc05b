package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to Parse. It must not panic, every problem must have a path-
// less-or-pathed FieldError with a code, and what it accepts must survive the API's round trip:
// marshalled and parsed again (as the gateway stores documents) it is the same document.
// Seeds: testdata/fuzz/FuzzParse and every JSON fixture.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"valid", "invalid", "openapi"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		doc, err := Parse(data)
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Fatalf("Parse of %d bytes took %v", len(data), elapsed)
		}
		if err != nil {
			var ve *ValidationError
			switch {
			case errors.As(err, &ve):
				if len(ve.Errors) == 0 {
					t.Fatal("ValidationError without problems")
				}
				for _, fe := range ve.Errors {
					if fe.Code == "" || fe.Message == "" {
						t.Fatalf("problem without a code or message: %+v", fe)
					}
				}
			case !errors.Is(err, ErrMalformed):
				t.Fatalf("error %T is neither a ValidationError nor ErrMalformed: %v", err, err)
			}
			return
		}
		if err := doc.Validate(); err != nil {
			t.Fatalf("Parse accepted a document Validate rejects: %v", err)
		}
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("the marshalled document does not parse: %v\n%s", err, out)
		}
		out2, _ := json.Marshal(again)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the document:\n%s\n%s", out, out2)
		}
		var stored Document
		if err := json.Unmarshal(out, &stored); err != nil {
			t.Fatalf("json.Unmarshal of the stored document: %v", err)
		}
		if err := stored.Validate(); err != nil {
			t.Fatalf("the stored document does not validate: %v", err)
		}
	})
}

// FuzzRender evaluates arbitrary templates against a workflow context. It must not panic or hang
// (the work budget bounds every evaluation), errors must be *ExprError, and a template that
// CheckTemplate accepts must not fail to compile when rendered. Seeds:
// testdata/fuzz/FuzzRender plus the expressions of the unit tests.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"{{data.payload.user.msisdn}}", "umid: {{data.umid}}", "{{ {a: {b: 1}} }}", "{{'x}}'}}",
		"{{isCountryCode(data.msisdn, 'SG')}}", "{{isTimeOfDayBetween(now(), '22:00:00', '06:00:00', 'Singapore Standard Time')}}",
		"{{isDayOfWeek('2021-05-25', ['Tuesday'])}}", "{{formatDate(now(), 'dddd d MMM yyyy hh:mm tt zzz', 'Tokyo Standard Time')}}",
		"{{parseDate('01/05/2024 17:30', 'dd/MM/yyyy HH:mm')}}", "{{round(1.005, 2)}}", "{{formatNumber(-1234.5, 2)}}",
		"{{substring('héllo', 1, 3)}}", "{{padStart(index, 4, '0')}}", "{{default(item.x, coalesce(item.y, 'b'))}}",
		"{{map(filter(data.items, #.price > 10), #.sku)}}", "{{reduce(1..100, #acc + #acc, 'x')}}", "{{toJSON(data)}}",
		"{{addDuration(now(), '-1.02:03:04')}}", "{{dateDiff('2024-01-01', now(), 'days')}}", "{{urlEncode(data.umid)}}",
		"{{uuid()}}", "{{data.x ==}}", "{{}}", "a }} b", "{{", "{{toNumber('1e308') * 10}}",
	} {
		f.Add(s)
	}
	env := testEnv()
	env.Item = map[string]any{"x": nil, "id": 7.0}
	env.Index = 3
	env.Now = func() time.Time { return time.Date(2024, 5, 1, 1, 30, 0, 0, time.UTC) }
	env.UUID = func() string { return "0b9f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4" }
	f.Fuzz(func(t *testing.T, s string) {
		checkErr := CheckTemplate(s)
		start := time.Now()
		_, err := RenderString(s, env)
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Fatalf("rendering %q took %v", s, elapsed)
		}
		if err == nil {
			return
		}
		var ee *ExprError
		if !errors.As(err, &ee) {
			t.Fatalf("error %T is not an *ExprError: %v", err, err)
		}
		if ee.Code == "" {
			t.Fatalf("error without a code: %v", err)
		}
		if checkErr == nil && ee.Code != CodeEvaluation && ee.Code != CodeLimitExceeded {
			t.Fatalf("CheckTemplate accepted %q but rendering failed with %s: %v", s, ee.Code, err)
		}
	})
}
