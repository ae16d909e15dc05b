package definition

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIExamples parses every definition example of 8x8's OpenAPI file
// (shared/reference/8x8-automation-api.openapi.json, components.examples definition,
// definitions, definitionVersions and definitionInput, copied to testdata/openapi). Four are
// complete workflows and must be accepted as they are. Two are incomplete by nature, and for
// them the test pins exactly the problems that follow from that and nothing else; the repaired
// definitionInput, testdata/valid/openapi_definition_input_repaired.json, shows that every step
// of it is otherwise accepted.
func TestOpenAPIExamples(t *testing.T) {
	incomplete := map[string]struct {
		why  string
		want []string // "path [code]"
	}{
		"definition": {
			why:  "the create/update response example is cut short: step2 continues with step3, which it leaves out",
			want: []string{"definition.steps[1].nextStepId [dangling_reference]"},
		},
		"definitionInput": {
			why: "the request example is a catalogue of every step type rather than a runnable workflow: step1 -> step2 ends the run, " +
				"so steps 3-9 are unreachable; its If has no condition; the nested Wait reuses the id step9; the DTMF branches lead to steps " +
				"that are not in it; and one condition reads http_request_response_code without data. (the last is a ReferenceError in JavaScript too)",
			want: []string{
				"definition.steps[2] [unreachable_step]",
				"definition.steps[3] [unreachable_step]",
				"definition.steps[4] [unreachable_step]",
				"definition.steps[4].selectNextStep.step7 [unknown_variable]",
				"definition.steps[5] [unreachable_step]",
				"definition.steps[5].inputs.condition [required]",
				"definition.steps[6] [unreachable_step]",
				"definition.steps[7] [unreachable_step]",
				"definition.steps[8] [unreachable_step]",
				"definition.steps[8].id [duplicate_id]",
				"definition.steps[8].selectNextStep.dtmf_1 [dangling_reference]",
				"definition.steps[8].selectNextStep.dtmf_2 [dangling_reference]",
				"definition.steps[8].selectNextStep.dtmf_3 [dangling_reference]",
				"definition.steps[8].selectNextStep.invalid_dtmf [dangling_reference]",
				"definition.steps[8].selectNextStep.no_dtmf [dangling_reference]",
			},
		},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "openapi", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 6 {
		t.Fatalf("found %d examples in testdata/openapi, want 6", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Parse(data)
			inc, isIncomplete := incomplete[name]
			if !isIncomplete {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if doc.Definition.Name == "" || len(doc.Definition.Steps) == 0 {
					t.Errorf("parsed an empty definition: %+v", doc)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse = %v, want the problems of an incomplete example (%s)", err, inc.why)
			}
			var got []string
			for _, fe := range ve.Errors {
				got = append(got, fmt.Sprintf("%s [%s]", fe.Path, fe.Code))
			}
			if !slices.Equal(got, inc.want) {
				t.Errorf("incomplete example (%s) gave\n%s\nwant\n%s", inc.why, strings.Join(got, "\n"), strings.Join(inc.want, "\n"))
			}
		})
	}
}
