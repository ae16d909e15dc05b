package deploy_test

import (
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Command     []string          `yaml:"command"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Volumes []string `yaml:"volumes"`
	Ports   []string `yaml:"ports"`
}

// mount is one entry of a service's volumes: source:target[:ro].
type mount struct{ source, target string }

func (s composeService) mounts() []mount {
	var out []mount
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		out = append(out, mount{parts[0], parts[1]})
	}
	return out
}

// mountOf returns the mount whose target holds path.
func (s composeService) mountOf(p string) (mount, bool) {
	for _, m := range s.mounts() {
		if p == m.target || strings.HasPrefix(p, m.target+"/") {
			return m, true
		}
	}
	return mount{}, false
}

// hostPort returns the host port a container port is published on.
func (s composeService) hostPort(container string) string {
	for _, p := range s.Ports {
		parts := strings.Split(p, ":")
		if parts[len(parts)-1] == container {
			return parts[len(parts)-2]
		}
	}
	return ""
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// TestComposeFile checks docker-compose.yml statically (no Docker engine
// here): images pinned to the versions Junction is built against, a start
// order gated on health or completion, every file it mounts present, and
// Junction's services running commands the binary has with settings it
// reads.
func TestComposeFile(t *testing.T) {
	c := loadCompose(t)
	m := loadManifest(t)
	for _, want := range []string{"postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "vault", "vault-init", "worker", "gateway"} {
		if _, ok := c.Services[want]; !ok {
			t.Errorf("no service %s", want)
		}
	}

	for name, svc := range c.Services {
		switch {
		case svc.Build != nil:
			if _, err := os.Stat(filepath.Join(repoRoot, svc.Build.Context, svc.Build.Dockerfile)); err != nil {
				t.Errorf("service %s: %v", name, err)
			}
		case !imagePinned(svc.Image):
			t.Errorf("service %s: image %q is not pinned to a version", name, svc.Image)
		}
		// Health-gated: every dependency waits for health or completion.
		for dep, d := range svc.DependsOn {
			target, ok := c.Services[dep]
			switch {
			case !ok:
				t.Errorf("service %s depends on %s, which does not exist", name, dep)
			case d.Condition == "service_healthy" && target.Healthcheck == nil:
				t.Errorf("service %s waits for %s to be healthy, which has no healthcheck", name, dep)
			case d.Condition != "service_healthy" && d.Condition != "service_completed_successfully":
				t.Errorf("service %s depends on %s with condition %q, not on its health or completion", name, dep, d.Condition)
			}
		}
		for _, mt := range svc.mounts() {
			if strings.HasPrefix(mt.source, "./") {
				if _, err := os.Stat(filepath.Join(repoRoot, mt.source)); err != nil {
					t.Errorf("service %s mounts %v", name, err)
				}
			} else if _, ok := c.Volumes[mt.source]; !ok {
				t.Errorf("service %s mounts volume %s, which is not declared", name, mt.source)
			}
		}
	}

	var junction int
	for name, svc := range c.Services {
		if svc.Build == nil {
			continue
		}
		junction++
		if len(svc.Command) == 0 || m.Commands[svc.Command[0]].Env == nil {
			t.Errorf("service %s runs %v, not junction worker or gateway", name, svc.Command)
			continue
		}
		cmd := svc.Command[0]
		for _, arg := range svc.Command[1:] {
			if !m.hasFlag(cmd, arg) {
				t.Errorf("service %s: junction %s has no flag %s", name, cmd, arg)
			}
		}
		for k := range svc.Environment {
			if !m.reads(cmd, k) {
				t.Errorf("service %s sets %s, which junction %s does not read", name, k, cmd)
			}
		}
		// It starts once its database, Temporal's namespace and Vault's
		// AppRole are there.
		for dep, cond := range map[string]string{"postgres": "service_healthy", "temporal-namespace": "service_completed_successfully", "vault-init": "service_completed_successfully"} {
			if svc.DependsOn[dep].Condition != cond {
				t.Errorf("service %s does not wait for %s (%s)", name, dep, cond)
			}
		}
		// AppRole: the process's own role, and its secret id in the
		// directory vault-init writes them to.
		file := svc.Environment["JUNCTION_VAULT_SECRET_ID_FILE"]
		written, ok := writtenBy(c.Services["vault-init"], svc, file)
		if args := c.Services["vault-init"].Entrypoint; !ok || len(args) == 0 || path.Join(args[len(args)-1], cmd+"-secret-id") != written {
			t.Errorf("service %s reads its secret id at %s, not where vault-init writes %s's (%v)", name, file, cmd, c.Services["vault-init"].Entrypoint)
		}
		if role := svc.Environment["JUNCTION_VAULT_ROLE_ID"]; role != "junction-"+cmd {
			t.Errorf("service %s logs in as %q, not as junction-%s", name, role, cmd)
		}
		if svc.Environment["JUNCTION_VAULT_ADDR"] != "http://vault:8200" {
			t.Errorf("service %s: Vault %q", name, svc.Environment["JUNCTION_VAULT_ADDR"])
		}
	}
	if junction != 2 {
		t.Errorf("%d Junction services, want the worker and the gateway", junction)
	}

	// The Temporal UI decodes payloads through the gateway's codec
	// endpoint, from the browser: the gateway's public URL, and the UI's
	// origin allowed by the gateway.
	gw, ui := c.Services["gateway"], c.Services["temporal-ui"]
	public, err := url.Parse(gw.Environment["JUNCTION_PUBLIC_URL"])
	if err != nil || public.Port() != gw.hostPort(portOf(gw.Environment["JUNCTION_HTTP_ADDRESS"])) {
		t.Errorf("gateway's public URL %q is not where it is published (%v)", gw.Environment["JUNCTION_PUBLIC_URL"], gw.Ports)
	}
	if got, want := ui.Environment["TEMPORAL_CODEC_ENDPOINT"], gw.Environment["JUNCTION_PUBLIC_URL"]+"/api/v1/codec"; got != want {
		t.Errorf("the UI's codec endpoint is %q, want %q", got, want)
	}
	if ui.Environment["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] != "true" {
		t.Error("the UI does not send the codec session cookie (TEMPORAL_CODEC_INCLUDE_CREDENTIALS)")
	}
	if origin := "http://localhost:" + ui.hostPort("8080"); !slices.Contains(strings.Split(gw.Environment["JUNCTION_CODEC_ORIGINS"], ","), origin) {
		t.Errorf("the gateway does not let the UI's origin %s use the codec (JUNCTION_CODEC_ORIGINS %q)", origin, gw.Environment["JUNCTION_CODEC_ORIGINS"])
	}
	if gw.Environment["JUNCTION_CODEC_ACCOUNTS"] == "" {
		t.Error("no JUNCTION_CODEC_ACCOUNTS: no operator may decode payloads")
	}
	if c.Services["vault"].Environment["VAULT_DEV_ROOT_TOKEN_ID"] != c.Services["vault-init"].Environment["VAULT_TOKEN"] {
		t.Error("vault-init does not use the dev Vault's root token")
	}

	// Temporal's dynamic config is the one in deploy/temporal.
	temporal := c.Services["temporal"]
	if mt, ok := temporal.mountOf(temporal.Environment["DYNAMIC_CONFIG_FILE_PATH"]); !ok || mt.source != "./deploy/temporal/dynamicconfig.yaml" {
		t.Errorf("Temporal's DYNAMIC_CONFIG_FILE_PATH %q is not deploy/temporal/dynamicconfig.yaml", temporal.Environment["DYNAMIC_CONFIG_FILE_PATH"])
	}
}

// writtenBy returns where writer sees the file reader reads at p, when
// both mount the volume that holds it.
func writtenBy(writer, reader composeService, p string) (string, bool) {
	rm, ok := reader.mountOf(p)
	if !ok || strings.HasPrefix(rm.source, "./") {
		return "", false
	}
	for _, wm := range writer.mounts() {
		if wm.source == rm.source {
			return wm.target + strings.TrimPrefix(p, rm.target), true
		}
	}
	return "", false
}

func portOf(hostPort string) string {
	_, port, _ := strings.Cut(hostPort, ":")
	return port
}

// TestComposeImagesMatchGoMod: the Temporal server, its tools and UI, and
// Vault in docker-compose.yml are the versions Junction is built and
// tested against (go.mod, tools/vault/go.mod), and each is configured only
// with environment variables that version reads (from the modules' own
// templates and flags).
func TestComposeImagesMatchGoMod(t *testing.T) {
	c := loadCompose(t)
	gomod := filepath.Join(repoRoot, "go.mod")
	server := strings.TrimPrefix(moduleVersion(t, gomod, "go.temporal.io/server"), "v")
	ui := strings.TrimPrefix(moduleVersion(t, gomod, "github.com/temporalio/ui-server/v2"), "v")
	vault := strings.TrimPrefix(moduleVersion(t, filepath.Join(repoRoot, "tools", "vault", "go.mod"), "github.com/hashicorp/vault"), "v")
	for name, svc := range c.Services {
		repo, _, _ := strings.Cut(svc.Image, ":")
		want := map[string]string{"temporalio/server": server, "temporalio/admin-tools": server, "temporalio/ui": ui, "hashicorp/vault": vault}[repo]
		if want != "" && imageTag(svc.Image) != want {
			t.Errorf("service %s runs %s, want version %s", name, svc.Image, want)
		}
	}

	envOf := regexp.MustCompile(`env "([A-Z0-9_]+)"`)
	for service, reads := range map[string]map[string]bool{
		// The server's configuration template (the image's entrypoint
		// fills BIND_ON_IP in when unset, and the template reads it).
		"temporal":        envNames(moduleFile(t, "go.temporal.io/server", "common/config/config_template_embedded.yaml"), envOf),
		"temporal-ui":     envNames(moduleFile(t, "github.com/temporalio/ui-server/v2", "config/docker.yaml"), envOf),
		"temporal-schema": envNames(moduleFile(t, "go.temporal.io/server", "tools/sql/main.go"), regexp.MustCompile(`EnvVar:\s*"([A-Z0-9_]+)"`)),
	} {
		if len(reads) == 0 {
			t.Fatalf("found no environment variables that %s reads", service)
		}
		for k := range c.Services[service].Environment {
			if !reads[k] {
				t.Errorf("service %s sets %s, which %s does not read", service, k, c.Services[service].Image)
			}
		}
	}
}
