package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// deployManifest is what deploy/'s static tests need to know of the
// binary (they cannot import package main): the flags and environment
// variables each long-running command reads, and the paths its ops
// listener serves. It is kept in deploy/testdata/junction.json, which
// TestDeployManifest rewrites with -update and otherwise compares.
type deployManifest struct {
	// Commands maps worker and gateway to what they read, global flags
	// included.
	Commands map[string]commandManifest `json:"commands"`
	// OpsPaths are the ops listener's paths by purpose.
	OpsPaths map[string]string `json:"opsPaths"`
	// GatewayDrain is how long the gateway lets requests in flight finish
	// after SIGTERM.
	GatewayDrain string `json:"gatewayDrain"`
}

type commandManifest struct {
	Flags []string `json:"flags"` // names without dashes, aliases included
	Env   []string `json:"env"`
}

func TestDeployManifest(t *testing.T) {
	app := newApp()
	m := deployManifest{
		Commands:     map[string]commandManifest{},
		OpsPaths:     map[string]string{"liveness": PathHealthz, "readiness": PathReadyz, "metrics": PathMetrics},
		GatewayDrain: gatewayDrainTimeout.String(),
	}
	for _, name := range []string{"worker", "gateway"} {
		cmd := app.Command(name)
		if cmd == nil {
			t.Fatalf("no command %s", name)
		}
		var cm commandManifest
		for _, f := range append(slices.Clone(app.Flags), cmd.Flags...) {
			cm.Flags = append(cm.Flags, f.Names()...)
			if e, ok := f.(interface{ GetEnvVars() []string }); ok {
				cm.Env = append(cm.Env, e.GetEnvVars()...)
			}
		}
		slices.Sort(cm.Flags)
		slices.Sort(cm.Env)
		m.Commands[name] = cm
	}
	got, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("..", "..", "deploy", "testdata", "junction.json")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date: go test ./cmd/junction -run TestDeployManifest -update", path)
	}
}
