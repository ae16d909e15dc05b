package deploy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// dockerInstruction is one instruction of a Dockerfile, continuation
// lines joined.
type dockerInstruction struct {
	op, args string
}

func parseDockerfile(t *testing.T, path string) []dockerInstruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []dockerInstruction
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		op, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dockerInstruction{strings.ToUpper(op), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// TestDockerfile checks deploy/Dockerfile statically: a build stage on the
// Go that go.mod names and a static production build (no -tags dev, no
// cgo); a final stage on a base pinned by digest that runs the binary as a
// non-root user, with no HEALTHCHECK (probes come from the orchestrator),
// and only settings and ports the binary reads.
func TestDockerfile(t *testing.T) {
	m := loadManifest(t)
	ins := parseDockerfile(t, "Dockerfile")
	var stages [][]dockerInstruction
	for _, in := range ins {
		if in.op == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("%s before FROM", in.op)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
		if in.op == "HEALTHCHECK" {
			t.Error("HEALTHCHECK: the orchestrator's probes say whether the process is alive and ready")
		}
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	for _, st := range stages {
		image := strings.Fields(st[0].args)[0]
		if !strings.Contains(image, "@sha256:") || !imagePinned(image) {
			t.Errorf("FROM %s is not pinned by digest", image)
		}
	}

	// The build: the Go toolchain go.mod asks for, static, production.
	b, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse("go.mod", b, nil)
	if err != nil {
		t.Fatal(err)
	}
	build := stages[0]
	if tag := imageTag(strings.Fields(build[0].args)[0]); !strings.HasPrefix(tag, f.Go.Version+"-") && tag != f.Go.Version {
		t.Errorf("the build stage's Go is %s, go.mod says go %s", tag, f.Go.Version)
	}
	var goBuild string
	cgoOff := false
	for _, in := range build {
		if in.op == "ENV" && strings.Contains(in.args, "CGO_ENABLED=0") {
			cgoOff = true
		}
		if in.op == "RUN" && strings.Contains(in.args, "go build") {
			goBuild = in.args
		}
	}
	if !cgoOff {
		t.Error("the build stage does not set CGO_ENABLED=0: the binary would not be static")
	}
	if !strings.Contains(goBuild, "./cmd/junction") || strings.Contains(goBuild, "-tags") {
		t.Errorf("the build is not the production build of ./cmd/junction (no -tags): %q", goBuild)
	}

	// The runtime stage.
	final := stages[len(stages)-1]
	var user, entrypoint, cmd string
	var exposed []string
	env := map[string]string{}
	for _, in := range final {
		switch in.op {
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "CMD":
			cmd = in.args
		case "EXPOSE":
			exposed = append(exposed, strings.Fields(in.args)...)
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if uid == "" || uid == "0" || uid == "root" || strings.Trim(uid, "0123456789") != "" {
		t.Errorf("USER %q: want a numeric non-root user", user)
	}
	var ep, args []string
	if err := json.Unmarshal([]byte(entrypoint), &ep); err != nil || len(ep) != 1 || ep[0] != "/junction" {
		t.Errorf("ENTRYPOINT %s: want [\"/junction\"]", entrypoint)
	}
	if err := json.Unmarshal([]byte(cmd), &args); err != nil || len(args) == 0 || m.Commands[args[0]].Env == nil {
		t.Errorf("CMD %s: want a junction command (worker or gateway)", cmd)
	}
	ports := map[string]bool{}
	for k, v := range env {
		if !m.reads("worker", k) && !m.reads("gateway", k) {
			t.Errorf("ENV %s, which neither junction worker nor junction gateway reads", k)
		}
		if strings.HasSuffix(k, "_ADDRESS") {
			ports[portOf(v)] = true
		}
	}
	for _, p := range exposed {
		if !ports[p] {
			t.Errorf("EXPOSE %s, which no listen address in ENV uses", p)
		}
		delete(ports, p)
	}
	for p := range ports {
		t.Errorf("port %s is listened on but not exposed", p)
	}
}
