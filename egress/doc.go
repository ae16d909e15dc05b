// Package egress is the one HTTP client Junction calls third parties with.
// Every request a run makes to the outside (a connector's action, a poll, a
// connection test, an OAuth2 token or session login, an HttpRequest step)
// goes through a transport this package built and through its Do or JSON,
// so that the rules below hold in one place instead of in every caller:
//
//   - connections: one pooled http.Transport per Client (64 idle
//     connections per host, kept 90 s), no proxy unless Options.Proxy names
//     one;
//   - addresses: the address guard, in the dialer's ControlContext, sees
//     every connection the transport opens (redirects and every address a
//     name resolves to included) just before connect(2), and refuses any
//     address that is not public (Classify: loopback, private, link-local
//     and the cloud metadata service, unique-local, CGNAT, multicast,
//     reserved, documentation, and their IPv6 forms) unless Options.Allow
//     lets it through; a refusal is a *RefusedError (ErrRefused). With a
//     proxy, the guard sees the proxy's address only;
//   - time: every request has a deadline (Options.Timeout, 30 s by
//     default, or Request.Timeout) that covers redirects and reading the
//     body;
//   - size: an answer's body is read up to a cap (1 MiB by default); a
//     larger successful answer is a *TooLargeError, never a silently cut
//     document; a failing answer is read up to MaxErrorBodyBytes, for its
//     explanation;
//   - redirects: followed up to a limit (5), and never with credentials to
//     another origin: see RedirectPolicy;
//   - errors: typed (sentinels for transport failures, *StatusError for
//     refusals, *TooLargeError, *RefusedError), and their text never carries a secret: the
//     URL appears as scheme and host only, and text quoted from an answer
//     or a transport error is scrubbed of the request's credentials (see
//     Scrubber);
//   - Retry-After: parsed in both forms, measured from the answer's Date,
//     capped at MaxRetryAfter;
//   - tracing: when a request's context holds an OpenTelemetry span (an
//     activity's, with tracing on), each hop is a client span named by its
//     method and host only, and the third party gets its W3C traceparent;
//     without one nothing is added.
//
// egress knows nothing of connectors, credentials or Temporal: credentials
// are RoundTrippers that wrap Client.Transport (package connectors/auth),
// and callers map egress's errors to their own kinds.
package egress
