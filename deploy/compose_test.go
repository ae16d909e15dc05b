package deploy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestComposeFile checks docker-compose.yml statically (no Docker engine
// here): it parses, every build points at a Dockerfile that exists, and
// Junction's services run commands the binary has with settings it reads.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Build       *struct {
				Context    string `yaml:"context"`
				Dockerfile string `yaml:"dockerfile"`
			} `yaml:"build"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	commands := map[string]bool{"worker": true, "gateway": true}
	var junction int
	for name, svc := range compose.Services {
		if svc.Build == nil {
			if svc.Image == "" {
				t.Errorf("service %s has neither image nor build", name)
			}
			continue
		}
		junction++
		if _, err := os.Stat(filepath.Join("..", svc.Build.Context, svc.Build.Dockerfile)); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
		if len(svc.Command) == 0 || !commands[svc.Command[0]] {
			t.Errorf("service %s runs %v, not junction worker or gateway", name, svc.Command)
		}
		for k := range svc.Environment {
			if !strings.HasPrefix(k, "JUNCTION_") {
				t.Errorf("service %s sets %s, which Junction does not read", name, k)
			}
		}
	}
	if junction != 2 {
		t.Errorf("%d Junction services, want the worker and the gateway", junction)
	}
}
