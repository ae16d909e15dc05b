package vaultx

import (
	"context"
	"fmt"

	"github.com/hashicorp/vault/api"
)

// ReadFresh is Read without the cache: it always asks Vault, then caches
// what it got. A writer that decides from what it read (a token refresher
// comparing versions) must not decide from another process's past.
func (c *Client) ReadFresh(ctx context.Context, path string) (Entry, error) {
	p, err := cleanPath("read", path, false)
	if err != nil {
		return Entry{}, err
	}
	c.cache.invalidate(p)
	return c.Read(ctx, p)
}

// CurrentVersion returns the current version of the secret at path from
// its metadata, without reading its values: a writer that must not see the
// values (the gateway) gets the number it passes to Patch as cas. A secret
// that does not exist is ErrNotFound.
func (c *Client) CurrentVersion(ctx context.Context, path string) (int, error) {
	p, err := cleanPath("read metadata", path, false)
	if err != nil {
		return 0, err
	}
	s, err := c.get(ctx, c.mount+"/metadata/"+p, nil)
	if err != nil {
		return 0, classify(ctx, "read metadata", p, err, c.secrets())
	}
	v, ok := toInt(s.Data["current_version"])
	if !ok {
		return 0, &opError{op: "read metadata", path: p, detail: "no current_version in the response"}
	}
	return v, nil
}

// Patch changes some fields of the existing secret at path (a JSON merge
// patch, RFC 7386: a nil value removes the field, the others are kept) as
// a new version, only if the current version is cas (> 0), and returns the
// new version. A secret that does not exist is ErrNotFound; another
// version is ErrCASConflict. Values are as for Write. Vault's policy must
// grant "patch" on the path.
func (c *Client) Patch(ctx context.Context, path string, data map[string]any, cas int) (int, error) {
	p, err := cleanPath("patch", path, false)
	if err != nil {
		return 0, err
	}
	if cas < 1 {
		return 0, &opError{op: "patch", path: p, detail: fmt.Sprintf("invalid cas %d", cas)}
	}
	return c.writeVersion(ctx, "patch", p, data, cas, (*api.Logical).JSONMergePatch)
}
