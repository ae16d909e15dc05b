//go:build !dev

package main

import (
	"context"
	"strings"
	"testing"
)

// `junction dev` in a production build fails at once and says how to get
// a binary that has it.
func TestDevInProductionBuild(t *testing.T) {
	err := newApp().RunContext(context.Background(), []string{"junction", "dev", "--data-dir", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "-tags dev") {
		t.Fatalf("junction dev in a production build: %v", err)
	}
}
