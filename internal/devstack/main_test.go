package devstack_test

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain runs the tests, then, on a full run, requires that they
// exercised every operation of the OpenAPI document: conformance is only
// as good as the answers it saw.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && validator != nil {
		if unseen := validator.Unseen(); len(unseen) > 0 {
			fmt.Fprintf(os.Stderr, "the end-to-end tests never called these documented operations: %q\n", unseen)
			code = 1
		}
	}
	os.Exit(code)
}
