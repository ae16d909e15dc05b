package vaultx

// TokenOf exposes the client's current token to the external tests, which
// check that renewal and re-login replace it.
func TokenOf(c *Client) string { return c.vc.Token() }
