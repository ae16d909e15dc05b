package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/internal/app"
)

// rateLimitFlags name the gateway's rate limits, each with the field of
// gateway.Limits it sets; their defaults are gateway.DefaultLimits, the
// one place they are declared.
var rateLimitFlags = []struct {
	name, env, usage string
	field            func(*gateway.Limits) *gateway.RateLimit
}{
	{"api-key-rate-limit", "JUNCTION_API_KEY_RATE_LIMIT", "each API key's requests",
		func(l *gateway.Limits) *gateway.RateLimit { return &l.APIKey }},
	{"hooks-rate-limit", "JUNCTION_HOOKS_RATE_LIMIT", "each connection's /hooks deliveries (a third party that gets 429 delivers again later)",
		func(l *gateway.Limits) *gateway.RateLimit { return &l.Hooks }},
	{"oauth2-rate-limit", "JUNCTION_OAUTH2_RATE_LIMIT", "each client address's OAuth2 authorization links and callbacks",
		func(l *gateway.Limits) *gateway.RateLimit { return &l.OAuth2Callback }},
	{"codec-sign-in-rate-limit", "JUNCTION_CODEC_SIGN_IN_RATE_LIMIT", "each client address's sign-ins to the payload codec endpoint",
		func(l *gateway.Limits) *gateway.RateLimit { return &l.CodecSignIn }},
	{"console-sign-in-rate-limit", "JUNCTION_CONSOLE_SIGN_IN_RATE_LIMIT", "each client address's sign-ins to the console",
		func(l *gateway.Limits) *gateway.RateLimit { return &l.ConsoleSignIn }},
	{"auth-failure-limit", "JUNCTION_AUTH_FAILURE_LIMIT", "each client address's invalid API keys; once spent, every request with a key from the address gets 429, a correct key included",
		func(l *gateway.Limits) *gateway.RateLimit { return &l.AuthFailures }},
}

// gatewayHTTPFlags configure what the gateway believes about and allows
// its HTTP clients: rate limits, trusted proxies, cookies, the server's
// timeouts and header size.
func gatewayHTTPFlags() []cli.Flag {
	var flags []cli.Flag
	defaults := gateway.DefaultLimits
	for _, f := range rateLimitFlags {
		flags = append(flags, &cli.StringFlag{Name: f.name, Value: f.field(&defaults).String(), EnvVars: []string{f.env},
			Usage: "rate limit of " + f.usage + ": N/s, N/m or N/h with an optional ,burst=B, or off"})
	}
	return append(flags,
		&cli.IntFlag{Name: "rate-limit-keys", Value: gateway.DefaultTrackedKeys, EnvVars: []string{"JUNCTION_RATE_LIMIT_KEYS"},
			Usage: "how many keys (API keys, connections, client addresses) each rate limit remembers; the least recently seen is forgotten beyond"},
		&cli.StringFlag{Name: "trusted-proxies", EnvVars: []string{"JUNCTION_TRUSTED_PROXIES"},
			Usage: "comma-separated addresses and CIDRs of the proxies in front of the gateway, whose X-Forwarded-For, -Proto and -Host it believes (client addresses for rate limits, public URLs without --public-url); default none"},
		&cli.StringFlag{Name: "cookie-secure", Value: "auto", EnvVars: []string{"JUNCTION_COOKIE_SECURE"},
			Usage: "mark the gateway's cookies (codec session, OAuth2 browser binding) Secure: auto (when the request came over HTTPS as the gateway sees it), true (TLS ends at a proxy it cannot see) or false"},
		&cli.DurationFlag{Name: "http-read-header-timeout", Value: app.ReadHeaderTimeout, EnvVars: []string{"JUNCTION_HTTP_READ_HEADER_TIMEOUT"},
			Usage: "how long a client may take to send a request's headers"},
		&cli.DurationFlag{Name: "http-read-timeout", Value: app.ReadTimeout, EnvVars: []string{"JUNCTION_HTTP_READ_TIMEOUT"},
			Usage: "how long a client may take to send a whole request, body included"},
		&cli.DurationFlag{Name: "http-write-timeout", Value: app.WriteTimeout, EnvVars: []string{"JUNCTION_HTTP_WRITE_TIMEOUT"},
			Usage: "how long a request may take from the end of its headers to the end of the answer (longer than a connection test, 60 s)"},
		&cli.DurationFlag{Name: "http-idle-timeout", Value: app.IdleTimeout, EnvVars: []string{"JUNCTION_HTTP_IDLE_TIMEOUT"},
			Usage: "how long an idle keep-alive connection stays open"},
		&cli.IntFlag{Name: "http-max-header-bytes", Value: app.MaxHeaderBytes, EnvVars: []string{"JUNCTION_HTTP_MAX_HEADER_BYTES"},
			Usage: "the largest header block a request may send (a larger one is answered 431)"},
	)
}

// gatewayHTTPConfig reads gatewayHTTPFlags into cfg.
func gatewayHTTPConfig(c *cli.Context, cfg *app.GatewayConfig) error {
	for _, f := range rateLimitFlags {
		l, err := gateway.ParseRateLimit(c.String(f.name))
		if err != nil {
			return fmt.Errorf("--%s: %w", f.name, err)
		}
		*f.field(&cfg.Limits) = l
	}
	cfg.Limits.Tracked = c.Int("rate-limit-keys")
	if cfg.Limits.Tracked < 1 {
		return fmt.Errorf("--rate-limit-keys: %d is not a positive number", cfg.Limits.Tracked)
	}
	proxies, err := gateway.ParseTrustedProxies(c.String("trusted-proxies"))
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	cfg.TrustedProxies = proxies
	if cfg.SecureCookies, err = gateway.ParseSecureCookies(c.String("cookie-secure")); err != nil {
		return fmt.Errorf("--cookie-secure: %w", err)
	}
	cfg.HTTP = app.HTTPLimits{ReadHeaderTimeout: c.Duration("http-read-header-timeout"), ReadTimeout: c.Duration("http-read-timeout"),
		WriteTimeout: c.Duration("http-write-timeout"), IdleTimeout: c.Duration("http-idle-timeout"), MaxHeaderBytes: c.Int("http-max-header-bytes")}
	for name, v := range map[string]time.Duration{"http-read-header-timeout": cfg.HTTP.ReadHeaderTimeout, "http-read-timeout": cfg.HTTP.ReadTimeout,
		"http-write-timeout": cfg.HTTP.WriteTimeout, "http-idle-timeout": cfg.HTTP.IdleTimeout} {
		if v <= 0 {
			return fmt.Errorf("--%s: %v is not a positive duration", name, v)
		}
	}
	if cfg.HTTP.MaxHeaderBytes < 4<<10 {
		return fmt.Errorf("--http-max-header-bytes: %d is below 4096", cfg.HTTP.MaxHeaderBytes)
	}
	return nil
}
