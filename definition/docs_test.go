package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var docsFile = filepath.Join("..", "docs", "definition.md")

// codeDocs explains the problem codes in docs/definition.md.
var codeDocs = []struct{ code, meaning string }{
	{CodeRequired, "A required value is missing or empty."},
	{CodeInvalidType, "A value has the wrong JSON type (a number where a string belongs, ...)."},
	{CodeInvalidValue, "A value is out of range, badly formatted or not one of the allowed values."},
	{CodeNotAllowed, "A field this step type does not take (do on an SMS, retry on a Wait, an unknown ForEach input, ...)."},
	{CodeUnknownStepType, "stepType is neither a built-in type nor a connector action app.action."},
	{CodeNotSupported, "An expression uses something Junction does not offer: method calls, date(), timezone(), $env."},
	{CodeDuplicateID, "Two steps share an id (ids are unique across the definition, nested steps included)."},
	{CodeDanglingReference, "nextStepId, selectNextStep or onError names a step that does not exist."},
	{CodeInvalidReference, "A reference leaves its list of steps: into or out of a do block."},
	{CodeUnreachableStep, "No path of nextStepId, selectNextStep or onError leads from the list's first step to this one."},
	{CodeConflict, "Fields that cannot be used together: nextStepId with selectNextStep, two default branches, duration with minutes, ..."},
	{CodeExpressionSyntax, "A {{ }} template or expression does not parse, or calls a function with the wrong number of arguments."},
	{CodeUnknownFunction, "An expression calls a function that does not exist."},
	{CodeUnknownVariable, "An expression reads a name other than data, step, steps, item, index and env."},
	{CodeLimitExceeded, "A definition or expression is too big: more than 1000 steps, do blocks nested more than 16 deep, an expression longer than 4096 bytes or with more than 1000 syntax nodes."},
	{CodeDeprecated, "apps pins a connector version that is deprecated: a warning (in the saved definition's warnings) until its deprecation date, refused after it."},
	{CodeEvaluation, "Run time only: an expression failed while a run evaluated it (reported in the run's errors, not by validation)."},
}

func generatedSteps() string {
	var b strings.Builder
	kinds := map[valueKind]string{
		kindString: "string", kindObject: "object", kindNumber: "number", kindInteger: "integer",
		kindBoolean: "boolean", kindDuration: "duration", kindTimestamp: "ISO 8601 date-time", kindURL: "http(s) URL",
		kindExpression: "{{ }} expression", kindArray: "array", kindItems: "array or {{ }}", kindStringMap: "object of strings", kindAny: "any",
	}
	for _, spec := range stepSpecs {
		fmt.Fprintf(&b, "#### %s\n\n%s", spec.Type, spec.Summary)
		if !spec.Supported {
			b.WriteString(" Validation accepts it; a run fails with a \"not supported\" error when it reaches it.")
		}
		b.WriteString("\n\n")
		switch {
		case spec.AnyInputs:
			b.WriteString("Inputs: any names (letters, digits and `_`, not starting with a digit), at least one.\n\n")
		case len(spec.Inputs) > 0:
			b.WriteString("| Input | Type | Required | Default | Description |\n| --- | --- | --- | --- | --- |\n")
			for _, f := range spec.Inputs {
				name := "`" + f.Name + "`"
				if f.Alias != "" {
					name += " (or `" + f.Alias + "`)"
				}
				req := ""
				if f.Required && !spec.Lenient {
					req = "yes"
				}
				def := ""
				if f.Default != nil {
					j, _ := json.Marshal(f.Default)
					def = "`" + string(j) + "`"
				}
				typ := kinds[f.Kind]
				if len(f.Enum) > 0 {
					typ = strings.Join(f.Enum, " \\| ")
				}
				if (f.Kind == kindNumber || f.Kind == kindInteger) && (f.Min != 0 || f.Max != 0) {
					typ += fmt.Sprintf(", %v to %v", f.Min, f.Max)
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", name, typ, req, def, strings.ReplaceAll(f.Description, "|", "\\|"))
			}
			if spec.OpenInputs {
				b.WriteString("\nOther inputs are passed on unchecked.\n")
			}
			b.WriteString("\n")
		default:
			b.WriteString("Inputs: none.\n\n")
		}
		if len(spec.Results) > 0 {
			b.WriteString("Results (`step.*`): ")
			for i, r := range spec.Results {
				if i > 0 {
					b.WriteString("; ")
				}
				fmt.Fprintf(&b, "`%s` (%s)", r.Name, r.Description)
			}
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

func generatedFunctions() string {
	var b strings.Builder
	category := ""
	titles := map[string]string{
		Category8x8: "8x8's helpers", CategoryString: "Strings", CategoryNumber: "Numbers", CategoryDate: "Dates and times",
		CategoryJSON: "JSON and objects", CategoryArray: "Arrays", CategoryDefaults: "Defaults",
	}
	for _, f := range Functions() {
		if f.Category != category {
			if category != "" {
				b.WriteString("\n")
			}
			category = f.Category
			fmt.Fprintf(&b, "#### %s\n\n", titles[category])
		}
		var params []string
		for _, p := range f.Parameters {
			s := p.Name
			if !p.Required {
				if p.Default != nil {
					j, _ := json.Marshal(p.Default)
					s += " = " + strings.ReplaceAll(string(j), `"`, "'")
				} else {
					s += "?"
				}
			}
			params = append(params, s)
		}
		fmt.Fprintf(&b, "- **`%s(%s)`** → %s. %s  \n  Example: `%s`", f.Name, strings.Join(params, ", "), f.Returns, f.Description, f.Example)
		if v, err := RenderString("{{"+f.Example+"}}", fnEnv()); err == nil && f.Name != "uuid" && f.Name != "now" {
			j, _ := marshalJSON(v)
			fmt.Fprintf(&b, " → `%s`", j)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func generatedCodes() string {
	var b strings.Builder
	b.WriteString("| Code | Meaning |\n| --- | --- |\n")
	for _, c := range codeDocs {
		fmt.Fprintf(&b, "| `%s` | %s |\n", c.code, c.meaning)
	}
	return b.String()
}

// regions are the generated parts of docs/definition.md, between
// <!-- generated:NAME --> and <!-- end generated:NAME -->.
var regions = map[string]func() string{
	"steps":     generatedSteps,
	"functions": generatedFunctions,
	"codes":     generatedCodes,
}

func regenerate(doc string) (string, error) {
	for name, gen := range regions {
		begin := "<!-- generated:" + name + " -->\n"
		end := "<!-- end generated:" + name + " -->"
		i := strings.Index(doc, begin)
		j := strings.Index(doc, end)
		if i < 0 || j < i {
			return "", fmt.Errorf("docs lack the region %q", name)
		}
		doc = doc[:i+len(begin)] + "\n" + gen() + doc[j:]
	}
	return doc, nil
}

// TestDocsGenerated fails when the generated regions of docs/definition.md are stale; go test
// -update rewrites them.
func TestDocsGenerated(t *testing.T) {
	raw, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatal(err)
	}
	got, err := regenerate(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(docsFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != string(raw) {
		t.Errorf("%s is stale: run go test ./definition/ -update", docsFile)
	}
}

var fence = regexp.MustCompile("(?ms)^```json( invalid)?\n(.*?)^```")

// TestDocsExamples parses every ```json block of docs/definition.md. A block that is a whole
// definition (it has a "definition" key) must be accepted by Parse, unless it is marked
// ```json invalid, in which case it must be rejected; other blocks must be JSON.
func TestDocsExamples(t *testing.T) {
	raw, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatal(err)
	}
	blocks := fence.FindAllStringSubmatch(string(raw), -1)
	definitions := 0
	for i, m := range blocks {
		invalid, body := m[1] != "", m[2]
		line := 1 + strings.Count(string(raw[:strings.Index(string(raw), m[0])]), "\n")
		t.Run(fmt.Sprintf("block%02d_line%d", i, line), func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, body)
			}
			obj, isObject := v.(map[string]any)
			if _, isDefinition := obj["definition"]; !isObject || !isDefinition {
				if invalid {
					t.Fatal("a block marked invalid must be a whole definition")
				}
				return
			}
			definitions++
			_, err := Parse([]byte(body))
			var ve *ValidationError
			switch {
			case invalid && err == nil:
				t.Errorf("block marked invalid was accepted:\n%s", body)
			case invalid && !errors.As(err, &ve):
				t.Errorf("block marked invalid failed for another reason: %v", err)
			case !invalid && err != nil:
				t.Errorf("Parse: %v\n%s", err, body)
			}
		})
	}
	if definitions < 10 {
		t.Errorf("docs have %d whole-definition examples; expected at least 10", definitions)
	}
}

// TestDocsCoverLanguage checks that the documentation names every step type, function and
// problem code.
func TestDocsCoverLanguage(t *testing.T) {
	raw, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, spec := range stepSpecs {
		if !strings.Contains(doc, "### "+spec.Type) {
			t.Errorf("no section for step type %s", spec.Type)
		}
	}
	for name := range meteredFuncs {
		if !strings.Contains(doc, "`"+name+"(") && name != "uniq" {
			t.Errorf("function %s is not documented", name)
		}
	}
	for _, c := range codeDocs {
		if !strings.Contains(doc, "`"+c.code+"`") {
			t.Errorf("code %s is not documented", c.code)
		}
	}
	if !bytes.Contains(raw, []byte("definition.schema.json")) {
		t.Error("docs do not point at the JSON Schema")
	}
}
