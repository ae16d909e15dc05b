// Package outbound holds the rules of webhook deliveries Junction sends to
// other platforms (the EddyDesk and Ebbot seeds, issue 14): how each
// request is built from its template (method, a URL with {{ }} tags,
// headers, a JSON, XML or form body), how it is signed (Standard
// Webhooks: webhook-id, webhook-timestamp and webhook-signature, several
// signatures during a secret's rotation), when a failed delivery is tried
// again (EddyDesk's every 30 minutes for 24 hours by default, with ±20 %
// jitter as Svix does) and what an answer means (2xx and 3xx delivered,
// 410 disables the subscription, 429, 502, 503 and 504 wait for
// Retry-After, anything else retries on the schedule).
//
// It does no I/O: the delivery workflow and the Webhook step's activity
// (activities.Outbound, sending through package egress) use these rules,
// and so do tests.
//
// # Requests
//
// A Template is the request a subscription or a Webhook step sends, as
// EddyDesk's users write it: a method (GET, POST, PUT, PATCH, DELETE;
// POST by default), a URL whose tags are filled in unescaped (the user
// escapes a value with {{urlEncode(...)}}), headers whose values may hold
// tags, a format and a body template. Template.Validate reports every
// problem by its JSON path when the template is saved; Template.Render
// fills in the tags with definition's expression language and encodes the
// body. Tag values are inserted unescaped into a URL and into a body
// written as text: a form's value takes {{urlEncode(...)}}, XML text
// {{xmlEscape(...)}}; an object body, which the xml format escapes
// itself, needs neither. With no
// body template the body is the event itself (or a run's data), sent as
// data. A GET request has no body, and a GET template with
// one is refused rather than sent without it.
//
// # Body formats
//
// EncodeBody writes a value in one of three formats, byte for byte as
// follows (testdata/bodies holds an example of each rule).
//
// json, Content-Type application/json: the value as encoding/json
// writes it, whatever its type (a string is sent as a JSON string; write
// an object to send an object): object keys sorted, no HTML escaping,
// no newline at the end.
//
// xml, Content-Type application/xml; charset=utf-8: a string is a
// document the user wrote, sent as it is once encoding/xml has read it to
// its end: well-formed, one root element, no attribute twice, UTF-8. Any
// other value is written, with no whitespace between elements, as
//
//	<?xml version="1.0" encoding="UTF-8"?><event>…</event>
//
// where an element holding a value holds:
//
//   - for an object, one child element per key, in sorted order, named
//     by the key; an array under key k gives one <k> per item (none for
//     an empty array);
//   - for an array that no key names (the top-level value, an array in
//     an array), one <item> per element;
//   - for a string, a number or a boolean, its text: numbers as
//     encoding/json writes them, text escaped by encoding/xml.EscapeText
//     (which also writes characters XML cannot hold as U+FFFD);
//   - for null, an empty object or array, or empty text, nothing: the
//     element is written <k/>.
//
// A key that is not an XML name (letters, digits, '-', '.' and '_', not
// starting with a digit, '-' or '.'; no ':', which would be an undeclared
// namespace) is an error naming its path, rather than a renamed element a
// receiver could not map back. So {"id": 7, "tags": ["a", "b"], "note":
// null} is sent as
//
//	<?xml version="1.0" encoding="UTF-8"?><event><id>7</id><note/><tags>a</tags><tags>b</tags></event>
//
// form, Content-Type application/x-www-form-urlencoded: a string is a
// form the user wrote (name=value pairs joined with "&", as EddyDesk
// asks), sent as it is once url.ParseQuery accepts it. An object gives one
// name=value pair per scalar inside it, joined with "&": keys in sorted
// order at each level, array items in their order, a nested object or
// array named with brackets as Stripe and PHP do (customer[name],
// items[0][sku]), names and values escaped by url.QueryEscape (so the
// brackets go as %5B and %5D, as PHP's http_build_query and browsers
// write them), null as an empty value, numbers as encoding/json writes
// them, booleans as true and false; an empty object or array writes
// nothing, as PHP does. Any other value (an array, a number, null) is an
// error. So {"customer": {"name": "Ann"}, "items": [{"sku": "A"}], "paid":
// true} is sent as
//
//	customer%5Bname%5D=Ann&items%5B0%5D%5Bsku%5D=A&paid=true
//
// In xml and form, text that is not valid UTF-8 is sent with U+FFFD in
// place of the bad bytes, as encoding/json does in json.
package outbound
