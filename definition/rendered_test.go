package definition

import (
	"strings"
	"testing"
)

func TestCheckRendered(t *testing.T) {
	tests := []struct {
		name     string
		stepType string
		inputs   map[string]any
		want     string // a part of the error; "" for none
	}{
		{"parallelism within bounds", StepForEach, map[string]any{"items": []any{1}, "parallelism": float64(10)}, ""},
		{"parallelism computed too high", StepForEach, map[string]any{"parallelism": float64(1000000)}, "steps[0].inputs.parallelism: must be a number from 1 to 50"},
		{"parallelism computed zero", StepForEach, map[string]any{"parallelism": float64(0)}, "parallelism: must be a number from 1 to 50"},
		{"parallelism not whole", StepForEach, map[string]any{"parallelism": float64(2.5)}, "must be a whole number"},
		{"parallelism computed as text", StepForEach, map[string]any{"parallelism": "many"}, "parallelism: must be a number"},
		{"parallelism text that reads like an expression", StepForEach, map[string]any{"parallelism": "{{9999}}"}, "parallelism: must be a number"},
		{"timeout within bounds", StepHTTPRequest, map[string]any{"url": "not checked", "timeoutSeconds": float64(30)}, ""},
		{"timeout too long", StepHTTPRequest, map[string]any{"timeoutSeconds": float64(86400)}, "timeoutSeconds: must be a number from 1 to 300"},
		{"timeout negative", StepHTTPRequest, map[string]any{"timeoutSeconds": float64(-5)}, "timeoutSeconds: must be a number from 1 to 300"},
		{"wait too long", StepWait, map[string]any{"duration": "400"}, "duration: must be at most 365 days"},
		{"wait minutes too many", StepWait, map[string]any{"minutes": float64(1e9)}, "minutes: must be a number from 0 to"},
		{"absent inputs keep their defaults", StepForEach, map[string]any{}, ""},
		{"an unknown step type is not checked", "custom.step", map[string]any{"parallelism": float64(1e9)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRendered(tt.stepType, tt.inputs, "steps[0].inputs")
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}
