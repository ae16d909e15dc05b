// Package connectors is the contract between Junction and the code that
// talks to third parties: how a connector declares itself, how it is
// registered and found, how its failures are reported, and how the
// manifest and the docs are generated from the declarations.
//
// # One declaration
//
// A connector version is declared once, in a Spec: id, name, description,
// semantic version and status (stable, beta, or deprecated with a date and
// a replacement), the auth kinds a connection may use with their fields
// (secret ones marked), custom properties, the environment variables it
// reads, its triggers (webhook or polling, with a payload schema, a sample
// payload and the JSON pointer of each event's unique id) and its actions
// (create, update, search, delete or other, with input and output JSON
// Schemas and whether they are idempotent). That Spec is at once:
//
//   - the manifest: Registry.Manifest lists every connector and version,
//     for GET /api/v1/manifest;
//   - the docs: docs/connectors/<id>.md is rendered from the manifest by
//     Markdown, and a test fails when a page is stale (go test
//     ./connectors/ -update rewrites them);
//   - the validation: Register refuses a Spec that contradicts itself
//     (Spec.Validate) or its code (CheckConnector).
//
// # Actions are Go code
//
// An Action has a Spec and a Run method. NewAction builds one from a
// function of Go types and derives the input and output schemas from those
// types (SchemaOf reads json, description and enum struct tags), so a
// schema cannot drift from the code. Run gets a Call: the input, the
// Connection (auth kind, non-secret fields, custom properties, and a
// Secrets reader that is set only inside an activity), the app version's
// environment variables, and an *http.Client whose transport already
// authenticates as the connection says (package connectors/auth), over
// egress's transport. Actions call their API through it with egress.JSON,
// which bounds the call's time and the answer's size, keeps credentials
// on the API's origin across redirects and scrubs them from errors; they
// never build a client or a transport of their own.
//
// # Registry and activity names
//
// A Registry holds every version of every connector, side by side; Lookup
// with an empty version finds the latest stable one. Each action runs as
// the Temporal activity runs.ConnectorActivity(connector, action), e.g.
// "shopify.update_order", so histories read like the business; the
// version travels in the activity's input.
//
// # Errors
//
// An action reports what a third party refused as an *Error whose Kind
// (BadRequest, NotFound, Unprocessable, Unauthorized, RateLimited,
// Unavailable, Timeout) says whether trying again can help;
// FromHTTPResponse builds it from an answer, Retry-After included, and
// HTTPError from what egress.JSON returned.
// Connectors never retry: package activities maps Kinds to Temporal retry
// behaviour, in one place.
//
// # Testing
//
// Package connectortest is the conformance kit every connector passes
// against its fake; package connectortest/example is a complete, small
// connector to copy from.
package connectors
