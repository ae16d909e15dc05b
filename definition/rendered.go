package definition

import "errors"

// CheckRendered holds a step's inputs, once their {{ }} expressions are
// rendered, to the bounds its type declares for numbers and durations
// (ForEach's parallelism, HttpRequest's timeoutSeconds, Wait's duration
// and minutes): the same checks, with the same messages, that a literal
// value meets when the definition is saved, which skips a value that is
// an expression. A definition therefore cannot reach past a bound by
// computing the value ({{data.n}} with n = 1000000). Other inputs are
// not checked again; the step checks them as it uses them. Problems are
// reported under path ("steps[2].inputs", say), joined into one error.
func CheckRendered(stepType string, inputs map[string]any, path string) error {
	spec := specFor(stepType)
	if spec == nil || spec.Lenient || spec.AnyInputs {
		return nil
	}
	v := &validator{}
	for _, f := range spec.Inputs {
		if !bounded(f) {
			continue
		}
		name := f.Name
		val, present := inputs[name]
		if (!present || val == nil) && f.Alias != "" {
			name, val, present = f.Alias, inputs[f.Alias], inputs[f.Alias] != nil
		}
		if !present || val == nil {
			continue
		}
		// Rendered text that still reads like an expression (an event
		// field holding "{{...}}") is a value like any other here.
		v.literal(f, val, PathKey(path, name))
	}
	if len(v.errs) == 0 {
		return nil
	}
	errs := make([]error, len(v.errs))
	for i, e := range v.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// bounded reports whether f has bounds CheckRendered enforces.
func bounded(f fieldSpec) bool {
	switch f.Kind {
	case kindNumber, kindInteger:
		return f.Min != 0 || f.Max != 0
	case kindDuration:
		return f.Max > 0
	}
	return false
}
