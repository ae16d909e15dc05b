// Package activities holds Junction's Temporal activities: the only code that
// talks to the outside world on behalf of a run. Each activity is a method on
// a struct that carries its dependencies, and this package is the one place
// where third-party errors become Temporal retry behaviour.
package activities

import (
	"net/http"
	"time"
)

// Activities is registered with the worker; its fields are shared by every
// activity invocation in the process.
type Activities struct {
	// HTTPClient makes outbound calls. Redirects are followed by the
	// standard policy (at most 10).
	HTTPClient *http.Client
	// MaxResponseBytes caps how much of a response body is read and kept in
	// history (default 1 MiB); a larger body fails the step.
	MaxResponseBytes int64
	// UserAgent is sent when a step sets none.
	UserAgent string
	// Env fills HttpRequest steps' {{env.NAME}} references from the
	// account's variables of the generic http app (HTTPEnvApp) at
	// HTTPEnvVersion (default: the version this build ships); nil fails
	// steps that reference one.
	Env            EnvResolver
	HTTPEnvVersion string
}

// New returns Activities with production defaults.
func New() *Activities {
	return &Activities{
		HTTPClient: &http.Client{
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				MaxIdleConnsPerHost: 64,
				IdleConnTimeout:     90 * time.Second,
			},
		},
		MaxResponseBytes: 1 << 20,
		UserAgent:        "Junction/0 (+https://github.com/junction-run/junction)",
	}
}
