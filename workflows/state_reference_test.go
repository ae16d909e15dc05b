package workflows

import (
	"encoding/json"
	"regexp"
	"testing"
)

// stateReferenceRegexp is how refersToState found references before
// mentionsState, which must answer the same for every text.
var stateReferenceRegexp = regexp.MustCompile(`(^|[^A-Za-z0-9_.])state\s*[.\[]`)

func TestMentionsStateAsTheRegexpDid(t *testing.T) {
	texts := []string{
		"", "state", "state.", "state[", "state .x", "state\t\n\f\r [0]", "state\v.x",
		"{{state.user.name}}", "{{ state['k'] }}", "x.state.y", "mystate.x", "_state.x", "9state.x", "State.x",
		"(state.a)", "-state[1]", "states.x", "state_x.y", "statestate.x", "sstate.x state.y",
		"é state.x", "éstate.x", "\u2028state.x", "\xffstate.x", "\\nstate.x", "state", "sta te.x",
		"state  ", "state\u00a0.x", "a\"state.x", "state..", "[state]", "state.state.",
	}
	for _, s := range texts {
		for _, b := range [][]byte{[]byte(s), mustJSON(t, map[string]any{"inputs": map[string]any{"v": "{{" + s + "}}"}})} {
			if got, want := mentionsState(b), stateReferenceRegexp.Match(b); got != want {
				t.Errorf("mentionsState(%q) = %v, the regexp said %v", b, got, want)
			}
		}
	}
}

func FuzzMentionsStateAsTheRegexpDid(f *testing.F) {
	for _, s := range []string{"state.x", "a state[1]", "x.state.y", "é\tstate .z", "states"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := mentionsState(b), stateReferenceRegexp.Match(b); got != want {
			t.Errorf("mentionsState(%q) = %v, the regexp said %v", b, got, want)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
