// Package authtest holds http.Handlers that check each auth kind of
// package auth the way real servers do, for connector tests: wrap the fake
// API in one and serve it with httptest.NewServer.
//
//   - RequireBasic, RequireBearer and RequireAPIKey answer 401 to a request
//     without the right credential.
//   - DigestServer implements RFC 7616 verification: MD5, SHA-256 and
//     SHA-512-256 (and -sess), qop=auth, nonce counts that may not repeat,
//     stale nonces, userhash, opaque.
//   - SessionServer has a login endpoint that answers a token in JSON or a
//     session cookie, and sessions that can be expired.
//   - OAuth2Provider is an authorization server and a protected API: the
//     authorization-code grant with PKCE (S256, verified), client
//     credentials, refresh tokens that can rotate with reuse detection (a
//     reused refresh token gets invalid_grant and revokes its family, as
//     Auth0 and Okta do), and access tokens that expire or can be revoked.
//   - CheckRedacted checks that a Secret type gives its value away only
//     through Reveal, for package auth and the connectors built on it.
//
// Each keeps counters so tests can assert how many logins, challenges or
// refreshes a client caused. Everything is safe for concurrent use.
package authtest
