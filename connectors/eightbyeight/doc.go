// Package eightbyeight is a small typed client for 8x8's CPaaS messaging
// APIs: the SMS API (https://sms.8x8.com) and the Chat Apps, or "Messaging
// Apps", API (https://chatapps.8x8.com). It is what the SMS and
// ChatAppsMessage steps of an 8x8 Automation definition call.
//
// Both APIs share one shape, which this package follows:
//
//   - POST {base}/api/v1/subaccounts/{subAccountId}/messages with a JSON
//     body, one message per request;
//   - Authorization: Bearer {apiKey}, a key made in the 8x8 Connect portal;
//   - a JSON answer carrying the message's umid and a status object;
//   - every answer of 400 and above carries {code, message, errorId,
//     timestamp}, which becomes an *APIError;
//   - over the rate limit (1800 requests/s per subaccount and 3000/s per IP
//     for SMS) the answer is 429 with a Retry-After header in seconds.
//
// The client does not retry: the caller (a Temporal activity) owns the retry
// policy, and APIError.RetryAfter carries 8x8's hint to it. Note that 8x8
// documents no idempotency key, so a retry after a network failure or a 5xx
// may send a message twice.
//
// The API key is held as a Secret, which prints as [redacted] through fmt,
// encoding/json, log/slog and zap's reflection and Stringer paths; nothing
// this package returns (results, errors) contains it.
//
// The package knows nothing of Temporal; see package activities for the
// mapping of these errors to retry behaviour, and package eightbyeighttest
// for an httptest fake of both APIs.
package eightbyeight
