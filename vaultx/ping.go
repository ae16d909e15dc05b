package vaultx

import "context"

// Ping checks that Vault answers and still accepts the client's token (a
// lookup of the token itself, which every token may do), for a readiness
// probe: a sealed or unreachable Vault, or a token it no longer knows,
// fails it. The error never quotes the token.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.lookupSelf(ctx)
	return err
}
