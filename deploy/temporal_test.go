package deploy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/server/common/dynamicconfig"

	"github.com/junction-run/junction/runs"
)

// TestDynamicConfig: deploy/temporal/dynamicconfig.yaml loads without an
// error or a warning (an unknown key, a value of the wrong type) in the
// server Junction pins, and says what Junction depends on, which is the
// server's default.
func TestDynamicConfig(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("temporal", "dynamicconfig.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	loaded := dynamicconfig.LoadYamlFile(raw)
	for _, err := range append(loaded.Errors, loaded.Warnings...) {
		t.Errorf("dynamicconfig.yaml: %v", err)
	}
	file := dynamicconfig.StaticClient{}
	for key, values := range loaded.Map {
		if len(values) != 1 || len(values[0].Constraints.Namespace) > 0 {
			t.Errorf("%s: want one value for every namespace", key)
			continue
		}
		file[key] = values[0].Value
	}
	fromFile := dynamicconfig.NewCollection(file, nil)
	defaults := dynamicconfig.NewNoopCollection()

	const ns = "default"
	for _, s := range []struct {
		key  dynamicconfig.Key
		want any
		get  func(*dynamicconfig.Collection) any
	}{
		{dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key(), true,
			func(c *dynamicconfig.Collection) any {
				return dynamicconfig.FrontendEnableUpdateWorkflowExecution.Get(c)(ns)
			}},
		{dynamicconfig.BlobSizeLimitError.Key(), 2 << 20,
			func(c *dynamicconfig.Collection) any { return dynamicconfig.BlobSizeLimitError.Get(c)(ns) }},
		{dynamicconfig.BlobSizeLimitWarn.Key(), 512 << 10,
			func(c *dynamicconfig.Collection) any { return dynamicconfig.BlobSizeLimitWarn.Get(c)(ns) }},
	} {
		if _, ok := file[s.key]; !ok {
			t.Errorf("%s is not in the file", s.key)
		}
		delete(file, s.key)
		if got := s.get(fromFile); got != s.want {
			t.Errorf("%s: the file says %v, Junction needs %v", s.key, got, s.want)
		}
		if got := s.get(defaults); got != s.want {
			t.Errorf("%s: the server's default is %v now, not %v: say why the file keeps it", s.key, got, s.want)
		}
	}
	for key := range file {
		t.Errorf("%s: a key this test does not know Junction needs", key)
	}
}

// TestSetupNamespaceAttributes: setup-namespace.sh registers exactly the
// search attributes Junction writes and queries (runs.SearchAttributes),
// with their types as the temporal CLI names them.
func TestSetupNamespaceAttributes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("temporal", "setup-namespace.sh"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "<<'ATTRIBUTES'\n")
	list, _, ok2 := strings.Cut(rest, "\nATTRIBUTES\n")
	if !ok || !ok2 {
		t.Fatal("setup-namespace.sh has no ATTRIBUTES list")
	}
	got := map[string]string{}
	for _, line := range strings.Split(list, "\n") {
		name, typ, _ := strings.Cut(line, " ")
		got[name] = typ
	}
	// The types' String is the CLI's name of them (Keyword, KeywordList).
	want := map[string]string{}
	for name, typ := range runs.SearchAttributes() {
		want[name] = typ.String()
	}
	for name, typ := range want {
		if got[name] != typ {
			t.Errorf("%s: registered as %q, want %q", name, got[name], typ)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is registered but Junction does not use it", name)
		}
	}
}
