package deploy_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// What the static tests of this package share: the binary's settings
// (testdata/junction.json, which cmd/junction's TestDeployManifest keeps
// in step with the binary), image pinning, and the versions go.mod pins.

// repoRoot is where the tests find docker-compose.yml and go.mod.
const repoRoot = ".."

type manifest struct {
	Commands map[string]struct {
		Flags []string `json:"flags"`
		Env   []string `json:"env"`
	} `json:"commands"`
	OpsPaths     map[string]string `json:"opsPaths"`
	GatewayDrain string            `json:"gatewayDrain"`
}

func loadManifest(t *testing.T) manifest {
	t.Helper()
	var m manifest
	b, err := os.ReadFile(filepath.Join("testdata", "junction.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Commands["worker"].Env) == 0 || len(m.Commands["gateway"].Env) == 0 {
		t.Fatal("testdata/junction.json lists no settings of worker and gateway")
	}
	return m
}

// reads says whether command reads the environment variable env.
func (m manifest) reads(command, env string) bool {
	return slices.Contains(m.Commands[command].Env, env)
}

// hasFlag says whether command has the flag, given as --name or
// --name=value.
func (m manifest) hasFlag(command, arg string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return slices.Contains(m.Commands[command].Flags, name)
}

// secretEnv are the settings that carry a secret: in Kubernetes they come
// from a Secret, never from a value in a manifest.
var secretEnv = []string{
	"JUNCTION_DATABASE_URL", "JUNCTION_PAYLOAD_KEYS", "JUNCTION_VAULT_TOKEN", "VAULT_TOKEN",
	"JUNCTION_VAULT_SECRET_ID", "JUNCTION_8X8_API_KEY",
}

// imagePinned says whether an image reference names one build: by digest,
// or by a tag with a full version (major.minor, or major.minor.patch,
// optionally with a variant such as -bookworm), never latest or a bare
// major.
func imagePinned(ref string) bool {
	if name, digest, ok := strings.Cut(ref, "@"); ok {
		return digestRE.MatchString(digest) && name != ""
	}
	return versionTagRE.MatchString(imageTag(ref))
}

var (
	digestRE     = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	versionTagRE = regexp.MustCompile(`^v?[0-9]+\.[0-9]+(\.[0-9]+)?([.-][a-z0-9.-]+)?$`)
)

// imageTag returns an image reference's tag ("" without one).
func imageTag(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[i+1:]
	}
	return ""
}

func TestImagePinned(t *testing.T) {
	for ref, want := range map[string]bool{
		"postgres:16.10-bookworm":  true,
		"temporalio/server:1.32.1": true,
		"gcr.io/distroless/static:nonroot@sha256:" + strings.Repeat("a", 64): true,
		"postgres:16":                        false,
		"postgres":                           false,
		"postgres:latest":                    false,
		"temporalio/server:1":                false,
		"junction:main":                      false,
		"junction":                           false,
		"registry.example.com:5000/junction": false, // a port is not a tag
		"registry.example.com:5000/junction:1.2.3": true,
	} {
		if got := imagePinned(ref); got != want {
			t.Errorf("imagePinned(%q) = %v, want %v", ref, got, want)
		}
	}
}

// moduleVersion is the version a go.mod requires of module.
func moduleVersion(t *testing.T, gomod, module string) string {
	t.Helper()
	b, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse(gomod, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Require {
		if r.Mod.Path == module {
			return r.Mod.Version
		}
	}
	t.Fatalf("%s does not require %s", gomod, module)
	return ""
}

// moduleFile reads a file of a module Junction requires, from the module
// cache (the tests' own build has it).
func moduleFile(t *testing.T, module, path string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", module, err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// envNames returns the environment variables a template reads, with
// pattern's first group naming them.
func envNames(text string, pattern *regexp.Regexp) map[string]bool {
	names := map[string]bool{}
	for _, m := range pattern.FindAllStringSubmatch(text, -1) {
		names[m[1]] = true
	}
	return names
}
