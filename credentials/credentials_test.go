package credentials_test

import (
	"testing"

	"github.com/junction-run/junction/credentials"
)

// TestPaths pins the path scheme: secrets already stored in Vault are found
// only as long as it never changes.
func TestPaths(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{credentials.ConnectionPath("", "acme", "c1"), "junction/accounts/acme/connections/c1"},
		{credentials.ConnectionPath("/tenants/", "acme", "c1"), "tenants/accounts/acme/connections/c1"},
		{credentials.TokenPath("", "acme", "c1"), "junction/accounts/acme/connections/c1/oauth2-token"},
		{credentials.EnvPath("", "acme", "shopify", "1.0.0"), "junction/accounts/acme/apps/shopify/versions/1.0.0/env"},
		{credentials.EnvPath("/tenants/", "a", "b", "2"), "tenants/accounts/a/apps/b/versions/2/env"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
