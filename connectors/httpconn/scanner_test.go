package httpconn

import (
	"strings"
	"testing"
)

// parseErrorCase is a path a parser must refuse and what its error must
// mention.
type parseErrorCase struct{ path, want string }

// testParseErrors runs parse on each case's path, in a subtest named for
// it, and wants an error that mentions the case's want.
func testParseErrors[T any](t *testing.T, parse func(string) (T, error), tests []parseErrorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := parse(tt.path)
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}
