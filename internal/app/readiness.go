package app

import (
	"context"
	"regexp"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
)

// ReadyTimeout bounds each readiness check; the checks run at once, so a
// probe is answered within about this long (a probe's own timeout must be
// longer: 3 s or more).
const ReadyTimeout = 2 * time.Second

// The dependencies readiness names.
const (
	DependencyTemporal = "temporal"
	DependencyDatabase = "database"
	DependencyVault    = "vault"
)

// Check is the state of one dependency.
type Check struct {
	Name string `json:"name"`
	// Up says it answered within ReadyTimeout.
	Up bool `json:"up"`
	// Error says why it is down: the error's text, with any credentials in
	// a URL it quotes masked.
	Error string `json:"error,omitempty"`
}

// Readiness is the state of every dependency the process serves with:
// what /readyz answers.
type Readiness struct {
	// Ready says every dependency is up.
	Ready bool `json:"ready"`
	// Down names the dependencies that are not.
	Down   []string `json:"down,omitempty"`
	Checks []Check  `json:"checks"`
}

// Ready checks, at once and each within ReadyTimeout, what the process
// cannot serve without: Temporal (its frontend's health service), the
// metadata database (a ping) and, when configured, Vault (a lookup of the
// process's own token). A process missing one is alive but not ready: an
// orchestrator takes it out of service until the dependency is back,
// rather than restarting it.
func (a *App) Ready(ctx context.Context) Readiness {
	probes := []struct {
		name  string
		check func(context.Context) error
	}{
		{DependencyTemporal, func(ctx context.Context) error {
			_, err := a.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
		{DependencyDatabase, a.Store.Ping},
	}
	if a.Vault != nil {
		probes = append(probes, struct {
			name  string
			check func(context.Context) error
		}{DependencyVault, a.Vault.Ping})
	}
	r := Readiness{Ready: true, Checks: make([]Check, len(probes))}
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
			defer cancel()
			r.Checks[i] = Check{Name: p.name, Up: true}
			if err := p.check(ctx); err != nil {
				r.Checks[i] = Check{Name: p.name, Error: maskURLCredentials(err.Error())}
			}
		})
	}
	wg.Wait()
	for _, c := range r.Checks {
		if !c.Up {
			r.Ready = false
			r.Down = append(r.Down, c.Name)
			a.Log.Warn("not ready", zap.String("dependency", c.Name), zap.String("error", c.Error))
		}
	}
	return r
}

// urlCredentials matches the user information of a URL:
// postgres://user:password@host.
var urlCredentials = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@`)

// maskURLCredentials hides the user information of the URLs text quotes:
// readiness answers anyone who can reach the ops listener.
func maskURLCredentials(text string) string {
	return urlCredentials.ReplaceAllString(text, "${1}xxxxx@")
}
