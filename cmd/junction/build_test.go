package main

import (
	"os/exec"
	"strings"
	"testing"
)

// What only `junction dev` needs: the embedded Temporal server and the
// Temporal UI's server (with them come AWS, GCP, Cassandra and
// Elasticsearch clients).
var devOnlyModules = []string{"go.temporal.io/server", "github.com/temporalio/ui-server"}

// TestProductionBuildLinksNoDevServer: the production build (no build
// tags: deploy/Dockerfile) links neither the Temporal server nor the UI
// server, and -tags dev (make build) links both, so that the check below
// is about the tag and not about an import that went away.
func TestProductionBuildLinksNoDevServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	deps := func(tags ...string) []string {
		args := append([]string{"list", "-deps"}, tags...)
		out, err := exec.Command("go", append(args, ".")...).Output()
		if err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		return strings.Fields(string(out))
	}
	linked := func(pkgs []string, module string) []string {
		var in []string
		for _, p := range pkgs {
			if p == module || strings.HasPrefix(p, module+"/") {
				in = append(in, p)
			}
		}
		return in
	}
	production, dev := deps(), deps("-tags", "dev")
	for _, m := range devOnlyModules {
		if in := linked(production, m); len(in) > 0 {
			t.Errorf("the production build links %d packages of %s, e.g. %s", len(in), m, in[0])
		}
		if len(linked(dev, m)) == 0 {
			t.Errorf("the dev build (-tags dev) links nothing of %s: is `junction dev` still built?", m)
		}
	}
}
