package vaultx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hashicorp/vault/api"
)

// Entry is the latest version of a secret.
type Entry struct {
	// Data holds the secret's fields. A value stored as a JSON string comes
	// back as that string; any other JSON value (a number, a boolean, an
	// object) comes back as its compact JSON text, and null as "".
	Data map[string]Secret
	// Version is the KV v2 version, the number to pass to Write as cas to
	// update exactly this version.
	Version int
}

// Check-and-set values for Write.
const (
	// NoCAS writes whatever version is current.
	NoCAS = -1
	// CreateOnly writes only if the secret does not exist yet.
	CreateOnly = 0
)

// Read returns the latest version of the secret at path (relative to the
// KV mount, e.g. "accounts/a1/connections/c9"). Successful reads are served
// from memory for Config.CacheTTL.
func (c *Client) Read(ctx context.Context, path string) (Entry, error) {
	p, err := cleanPath("read", path, false)
	if err != nil {
		return Entry{}, err
	}
	if e, ok := c.cache.get(p); ok {
		return e, nil
	}
	gen := c.cache.generation()
	s, err := c.get(ctx, c.mount+"/data/"+p, nil)
	if err != nil {
		return Entry{}, classify(ctx, "read", p, err, c.secrets())
	}
	raw, ok := s.Data["data"].(map[string]any)
	if !ok {
		return Entry{}, &opError{op: "read", path: p, kind: ErrNotFound, detail: "no data"}
	}
	e := Entry{Data: make(map[string]Secret, len(raw))}
	for k, v := range raw {
		e.Data[k] = toSecret(v)
	}
	if md, ok := s.Data["metadata"].(map[string]any); ok {
		e.Version, _ = toInt(md["version"])
	}
	c.cache.put(p, e, gen)
	return e.clone(), nil
}

// Write stores data as a new version of the secret at path and returns that
// version. cas is a check-and-set guard: NoCAS (-1) writes unconditionally,
// CreateOnly (0) only if the secret does not exist, and n > 0 only if the
// current version is n; a failed guard is ErrCASConflict. Values may be
// strings, Secrets, numbers, booleans, and maps and slices of them; Secrets
// are stored as their real value. A Secret inside a struct is not: JSON
// encoding redacts it, so pass maps.
func (c *Client) Write(ctx context.Context, path string, data map[string]any, cas int) (int, error) {
	p, err := cleanPath("write", path, false)
	if err != nil {
		return 0, err
	}
	if cas < NoCAS {
		return 0, &opError{op: "write", path: p, detail: fmt.Sprintf("invalid cas %d", cas)}
	}
	return c.writeVersion(ctx, "write", p, data, cas, (*api.Logical).WriteWithContext)
}

// writeVersion sends data to the secret at p with send (Write's and
// Patch's Vault calls), under the check-and-set guard cas when it is not
// negative, and returns the version Vault made. op names the operation in
// errors.
func (c *Client) writeVersion(ctx context.Context, op, p string, data map[string]any, cas int,
	send func(*api.Logical, context.Context, string, map[string]any) (*api.Secret, error)) (int, error) {
	body := map[string]any{"data": plain(data)}
	if body["data"] == nil {
		body["data"] = map[string]any{}
	}
	if cas >= 0 {
		body["options"] = map[string]any{"cas": cas}
	}
	// Whatever happened (a conflict means the cached version is stale; an
	// outage may or may not have applied the write), forget the path.
	defer c.cache.invalidate(p)
	var s *api.Secret
	err := c.do(ctx, func() (err error) {
		s, err = send(c.vc.Logical(), ctx, c.mount+"/data/"+p, body)
		return err
	})
	if err != nil {
		return 0, classify(ctx, op, p, err, append(c.secrets(), stringsIn(data, nil)...))
	}
	if s == nil {
		return 0, &opError{op: op, path: p, detail: "no version in the response"}
	}
	v, ok := toInt(s.Data["version"])
	if !ok {
		return 0, &opError{op: op, path: p, detail: "no version in the response"}
	}
	return v, nil
}

// Delete removes the secret at path with all its versions and metadata.
// Deleting a secret that does not exist is not an error.
func (c *Client) Delete(ctx context.Context, path string) error {
	p, err := cleanPath("delete", path, false)
	if err != nil {
		return err
	}
	defer c.cache.invalidate(p)
	err = c.do(ctx, func() error {
		_, err := c.vc.Logical().DeleteWithContext(ctx, c.mount+"/metadata/"+p)
		return err
	})
	if err != nil {
		return classify(ctx, "delete", p, err, c.secrets())
	}
	return nil
}

// List returns the names directly under prefix ("" for the top of the
// mount), sorted by Vault; a name ending in "/" is a folder. An empty or
// missing prefix gives an empty list, not an error. Lists are not cached.
func (c *Client) List(ctx context.Context, prefix string) ([]string, error) {
	p, err := cleanPath("list", prefix, true)
	if err != nil {
		return nil, err
	}
	s, err := c.get(ctx, c.mount+"/metadata/"+p, url.Values{"list": {"true"}})
	if err != nil {
		err = classify(ctx, "list", p, err, c.secrets())
		if errors.Is(err, ErrNotFound) {
			return []string{}, nil // nothing under the prefix
		}
		return nil, err
	}
	raw, _ := s.Data["keys"].([]any)
	keys := make([]string, 0, len(raw))
	for _, k := range raw {
		if k, ok := k.(string); ok {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Health reports whether Vault is reachable, initialised and unsealed
// (ErrUnavailable otherwise). It needs no permission.
func (c *Client) Health(ctx context.Context) error {
	h, err := c.vc.Sys().HealthWithContext(ctx)
	if err != nil {
		return classify(ctx, "health check", "", err, c.secrets())
	}
	switch {
	case !h.Initialized:
		return &opError{op: "health check", kind: ErrUnavailable, detail: "vault is not initialized"}
	case h.Sealed:
		return &opError{op: "health check", kind: ErrUnavailable, detail: "vault is sealed"}
	}
	return nil
}

// get reads a path. Unlike the Vault client's Logical().Read, which turns
// every 404 into (nil, nil), it keeps Vault's error messages, so that a
// missing mount ("no handler for route") is not mistaken for a missing
// secret.
func (c *Client) get(ctx context.Context, path string, query url.Values) (*api.Secret, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var s *api.Secret
	err := c.do(ctx, func() error {
		resp, err := c.vc.Logical().ReadRawWithDataWithContext(ctx, path, query)
		if resp != nil {
			defer resp.Body.Close()
		}
		if err != nil {
			return err
		}
		s, err = api.ParseSecret(resp.Body)
		if err == nil && s == nil {
			err = errors.New("empty response")
		}
		return err
	})
	return s, err
}

// do runs a request and, when Vault refuses the token and the client can
// log in again (AppRole, Kubernetes), does so and runs it once more. That covers a
// token revoked or expired behind the renewal goroutine's back.
func (c *Client) do(ctx context.Context, req func() error) error {
	token := c.vc.Token()
	err := req()
	var re *api.ResponseError
	if err != nil && errors.As(err, &re) && re.StatusCode == http.StatusForbidden && c.relogin(ctx, token) {
		err = req()
	}
	return err
}

// cleanPath trims slashes and refuses paths that would escape their prefix.
func cleanPath(op, path string, emptyOK bool) (string, error) {
	p := strings.Trim(path, "/")
	if p == "" && !emptyOK {
		return "", &opError{op: op, detail: "empty path"}
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." || (seg == "" && p != "") {
			return "", &opError{op: op, path: p, detail: "path has an empty, . or .. segment"}
		}
	}
	return p, nil
}

// plain replaces Secrets by their value, so that JSON encoding (which
// redacts a Secret) sends the real value to Vault.
func plain(v any) any {
	switch v := v.(type) {
	case Secret:
		return string(v)
	case map[string]Secret:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = string(x)
		}
		return m
	case map[string]any:
		if v == nil {
			return nil
		}
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = plain(x)
		}
		return m
	case []Secret:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = string(x)
		}
		return s
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = plain(x)
		}
		return s
	}
	return v
}

func toSecret(v any) Secret {
	switch v := v.(type) {
	case string:
		return Secret(v)
	case nil:
		return ""
	case json.Number:
		return Secret(v.String())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return Secret(b)
}

func toInt(v any) (int, bool) {
	switch v := v.(type) {
	case json.Number:
		n, err := strconv.Atoi(v.String())
		return n, err == nil
	case float64:
		return int(v), true
	case int:
		return v, true
	}
	return 0, false
}
