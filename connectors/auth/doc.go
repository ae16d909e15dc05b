// Package auth puts a connection's credentials on the requests a connector
// sends. There is one implementation per auth kind a connector manifest can
// declare (basic, bearer, api_key, digest, session,
// oauth2_authorization_code, oauth2_client_credentials, none), and each is
// an http.RoundTripper wrapper:
//
//	eg := egress.Default() // the worker passes its own *egress.Client
//	creds := auth.Bearer(secret)
//	client := eg.WithTransport(creds.Transport(eg.Transport()))
//
// Token and login requests a Credentials makes itself go through package
// egress too, over the same base transport: with its deadline, body cap,
// redirect policy and error scrubbing.
//
// # What a Credentials does for a request
//
// Static kinds (basic, bearer, api_key) add a header or a query parameter.
// The others keep state that is shared by every transport built from one
// Credentials and is safe for concurrent use: a digest nonce and its nonce
// count, a session token or cookie, an OAuth2 token.
//
// A stateful kind re-authenticates at most once per request: on 401 it
// answers the digest challenge, logs in again, or refreshes the OAuth2
// token, then sends the request one more time. That is the only retry this
// package makes; everything else (network errors, 5xx, 429, a second 401) is
// returned to the caller, whose Temporal activity owns the retry policy. To
// send a request twice its body must be replayable: the transport uses
// req.GetBody, or buffers a body of up to MaxReplayBody bytes; a larger body
// without GetBody is sent once and its 401, if any, is returned as is.
//
// Concurrent requests never re-authenticate twice at the same time: one
// logs in or refreshes while the others wait (or give up when their context
// ends), then use the result. For OAuth2 providers that rotate refresh
// tokens this is what prevents invalid_grant within one process; across
// processes, set OAuth2Config.Refresh to route every refresh of a connection
// through a single writer.
//
// # Secrets
//
// Credentials are held as Secret values, which print as [redacted]. This
// package logs nothing, and no error it returns contains a secret: errors
// from token endpoints and login requests carry the provider's own message
// (RFC 6749 error and error_description, or a short excerpt of the body)
// with every secret value it knows of, and their URL- and JSON-escaped forms,
// replaced by [redacted].
//
// Errors callers branch on: ErrRejected (the provider refused the
// credentials themselves; retrying cannot help, the user must fix the
// connection) and ErrConfig (the Credentials were built from an incomplete
// configuration). Other errors (network, 5xx and 429 from a token or login
// endpoint) are transient.
//
// A transport adds credentials to every request it carries, redirect hops
// included. Each has an Unwrap method returning its base, which adds none:
// a client that follows a redirect to another host sends that hop through
// it (package httpconn does), or should not follow it.
//
// Package authtest holds httptest servers that check each kind the way real
// servers do, for connector tests.
package auth
