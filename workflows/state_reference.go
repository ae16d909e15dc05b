package workflows

import "bytes"

// mentionsState finds an expression's reference to the state in the JSON
// of a run's steps: "state." or "state[", with any spaces before the dot
// or bracket, not preceded by a name character or a dot. A false positive
// costs one read. Every run asks, so it scans by hand: it answers exactly
// what the regular expression `(^|[^A-Za-z0-9_.])state\s*[.\[]` did
// before it (TestMentionsStateAsTheRegexpDid), at a tenth of the CPU
// (docs/benchmarks.md, "Junction's own cost"). The answer decides whether
// a run reads states, so it must not change for any text.
func mentionsState(b []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("state"))
		if j < 0 {
			return false
		}
		at := i + j
		if at == 0 || !nameOrDot(b[at-1]) {
			k := at + len("state")
			for k < len(b) && regexpSpace(b[k]) {
				k++
			}
			if k < len(b) && (b[k] == '.' || b[k] == '[') {
				return true
			}
		}
		i = at + 1
	}
}

// nameOrDot is [A-Za-z0-9_.]. A byte of a multi-byte UTF-8 character is
// neither, as the character it is part of is not.
func nameOrDot(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

// regexpSpace is Go's regexp \s: [\t\n\f\r ].
func regexpSpace(c byte) bool {
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}
