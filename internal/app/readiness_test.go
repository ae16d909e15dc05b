package app

import "testing"

func TestMaskURLCredentials(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`failed to connect to postgres://junction:s3cret@db.internal:5432/junction`, `failed to connect to postgres://xxxxx@db.internal:5432/junction`},
		{`Get "https://vault.internal:8200/v1/auth/token/lookup-self": dial tcp: refused`, `Get "https://vault.internal:8200/v1/auth/token/lookup-self": dial tcp: refused`},
		{`two: http://a:b@x/ and https://c@y/p`, `two: http://xxxxx@x/ and https://xxxxx@y/p`},
		{`an address, user@example.com, is not a URL`, `an address, user@example.com, is not a URL`},
		{`sql: database is closed`, `sql: database is closed`},
	} {
		if got := maskURLCredentials(tc.in); got != tc.want {
			t.Errorf("maskURLCredentials(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
