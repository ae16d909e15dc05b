package definition

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestExprFunctionTable checks what the rest of the package assumes of each entry of
// exprFunctions: one name for one function, parameters whose order gives the arity, defaults
// only where a parameter may be left out, and an index that has every implemented function
// under each of its names.
func TestExprFunctionTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range exprFunctions {
		for _, name := range append([]string{f.name}, f.aliases...) {
			if seen[name] {
				t.Errorf("%s is declared twice", name)
			}
			seen[name] = true
			_, indexed := meteredFuncs[name]
			if indexed != (f.call != nil) {
				t.Errorf("%s: in meteredFuncs = %v, has an implementation = %v", name, indexed, f.call != nil)
			}
		}
		if f.call == nil && (f.variadic || len(f.aliases) > 0) {
			t.Errorf("%s: an expr builtin, documented only, cannot be variadic or have aliases", f.name)
		}
		if f.variadic && len(f.params) == 0 {
			t.Errorf("%s: variadic without a parameter to repeat", f.name)
		}
		optionalSeen := false
		for _, p := range f.params {
			if p.Required && optionalSeen {
				t.Errorf("%s: required parameter %s follows an optional one", f.name, p.Name)
			}
			optionalSeen = optionalSeen || !p.Required
			if p.Required && p.Default != nil {
				t.Errorf("%s: required parameter %s has a default", f.name, p.Name)
			}
		}
	}
	for name := range meteredFuncs {
		if !seen[name] {
			t.Errorf("meteredFuncs has %s, which exprFunctions does not declare", name)
		}
	}
}

func TestArgCounts(t *testing.T) {
	tests := []struct {
		name        string
		least, most int
	}{
		{"uuid", 0, 0},
		{"string", 1, 1},
		{"repeat", 2, 2},
		{"join", 1, 2},
		{"isTimeOfDayBetween", 3, 4},
		{"formatNumber", 1, 4},
		{"concat", 1, -1},
		{"coalesce", 1, -1},
		{"uniq", 1, 1},
		{"unique", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := funcArity[tt.name]; got != [2]int{tt.least, tt.most} {
				t.Errorf("funcArity = %v, want [%d %d]", got, tt.least, tt.most)
			}
		})
	}
}

// TestCheckedCallArity calls every implementation with one argument too few and one too many,
// as no compiled expression can: the call is refused before the implementation would index past
// its arguments.
func TestCheckedCallArity(t *testing.T) {
	for name, call := range meteredFuncs {
		a := funcArity[name]
		var counts []int
		if a[0] > 0 {
			counts = append(counts, a[0]-1)
		}
		if a[1] >= 0 {
			counts = append(counts, a[1]+1)
		}
		for _, n := range counts {
			want := arityMessage(name, a, n)
			if _, err := call(newMeter(fnEnv()), make([]any, n)); err == nil || err.Error() != want {
				t.Errorf("%s with %d arguments: error = %v, want %q", name, n, err, want)
			}
		}
	}
}

// TestParameterDefaultsInJSON: a parameter without a default has no "default" in
// GET steps/functions, as 8x8's schema types it an object, which null is not; one with a
// default has it, even when it is false, 0 or "".
func TestParameterDefaultsInJSON(t *testing.T) {
	for _, f := range Functions() {
		for _, p := range f.Parameters {
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), `"default":null`) {
				t.Errorf("%s: parameter %s serializes %s", f.Name, p.Name, b)
			}
			if has := strings.Contains(string(b), `"default":`); has != (p.Default != nil) {
				t.Errorf("%s: parameter %s with default %#v serializes %s", f.Name, p.Name, p.Default, b)
			}
		}
	}
}
