// Package httpconn makes one generic HTTP call the way a user configures
// it, without code: the engine of Junction's generic HTTP connector, after
// EddyDesk's outbound webhooks (method, URL, body format, auth, success on
// 2xx/3xx, the answer written into fields). It knows nothing of Temporal or
// of templates: the workflow has rendered every {{ }} expression, and the
// connector that wraps Do maps its errors to retry behaviour.
//
// # Request bodies
//
// Request.BodyFormat chooses the encoding and the Content-Type sent (a
// Content-Type in Request.Headers wins). In every format, Body given as a
// string, []byte or json.RawMessage is text the user wrote: it is checked
// and sent verbatim.
//
//   - "json" (default), application/json: Body encoded with
//     encoding/json (object keys sorted, no HTML escaping). Text must be
//     valid JSON, so a lone string value is written with its quotes.
//   - "xml", application/xml: text must be a well-formed document. A map
//     is rendered under an XML declaration as described below.
//   - "form", application/x-www-form-urlencoded: a flat map, name to a
//     string, number, boolean, null (empty) or a list of those (the name
//     repeated), encoded in name order; text is name=value pairs joined
//     with "&", as EddyDesk asks, with values %-escaped.
//   - "text", text/plain; charset=utf-8: text, or a number or boolean.
//   - "none": no body; giving one is an error.
//
// A nil Body sends no body in any format.
//
// # XML from a map
//
// The root element is Request.XMLRoot with Body as its content or, when
// XMLRoot is empty, Body's only key with its value. Then, for an element
// named n with value v:
//
//   - a map gives one element: keys "@name" become attributes, the key
//     "#text" its text, every other key a child element, in key order;
//   - a list repeats the element n once per item (lists of lists are an
//     error);
//   - a string, number or boolean is the element's text;
//   - nil, or a map with nothing in it, is an empty element <n/>.
//
// Names may carry a namespace prefix ("soap:Envelope"), declared like any
// attribute ("@xmlns:soap"). So
//
//	XMLRoot: "order"
//	Body: {"@id": "A-17", "customer": {"#text": "Olena", "@vip": true},
//	       "item": [{"@sku": "X1", "qty": 2}, {"@sku": "Y2", "qty": 1}]}
//
// is sent as
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<order id="A-17"><customer vip="true">Olena</customer><item sku="X1"><qty>2</qty></item><item sku="Y2"><qty>1</qty></item></order>
//
// Since maps have no order, children come out in key order. A schema that
// fixes another order (xs:sequence, SOAP) needs a string body.
//
// # Answers
//
// The answer's Content-Type decides how Response.Body is read: JSON for
// application/json, text/json and any +json type, with numbers as float64;
// XML for application/xml, text/xml and any +xml type; text otherwise. An
// answer without a useful type (none, text/plain, application/octet-stream)
// is sniffed as JSON, then XML; JSON sent under any other type is still
// read as JSON. An empty answer is nil.
//
// An XML answer becomes the map form, the mapping above in reverse:
// {"root": value}, where an element with neither attributes nor child
// elements is its text, and any other a map of "@attr" values, child
// elements (a list when a name repeats) and "#text" (its own text,
// trimmed). Every value is a string; namespaces are dropped, leaving local
// names.
//
// # Writing the answer into fields
//
// Request.Extract maps output fields to paths into a success answer; the
// results are Response.Extracted. The paths are parsed before the request
// is sent. A path starting with "$" is JSONPath, which reads JSON answers
// and, through the map form, XML ones; a path starting with "/" is XPath,
// which reads XML answers. An empty answer gives nil for every field; a
// text answer, or an XPath against JSON, is ErrUnexpectedResponse, and so
// is a path that needs more than MaxExtractWork units of work on the
// answer (nested descendant segments over a deep document, say).
//
// JSONPath (RFC 9535's syntax, without functions):
//
//	$                      the whole answer
//	$.data.items[0].id     member names and indexes (negative from the end)
//	$['odd key']["x"]      bracketed names, with JSON escapes
//	$.items[*].sku         every item or member
//	$..id                  at any depth
//	$.items[1:3], [::-1]   slices
//	$.items[0,2], ['a','b'] unions
//	$.items[?@.qty > 1 && @.sku != 'X'].sku   filters: ==, !=, <, <=, >, >=,
//	                       &&, ||, !, ( ); @.a alone tests that it exists
//
// A path of names and indexes only gives one value, or nil when it is
// missing. Any other gives a list of every value found, empty when none,
// so a field fed by $.items[*].sku is always a list.
//
// XPath (XPath 1.0's abbreviated syntax, without axes and most functions):
//
//	/order/id/text()       child steps, text nodes
//	/order/id              an element
//	//item/@sku            at any depth; attributes
//	/order/*, //@*         any element or attribute
//	//item[2], //item[last()], //item[position() < 3]
//	//item[@sku='X1']/qty, //item[qty > 1], //item[not(@gift)]
//	//item[@sku='X1' and qty >= 2 or @gift]
//	., .., node()
//	count(//item)          the number of nodes, an int
//
// Names match local names: a prefix in the path is ignored, so
// /Envelope/Body and /soap:Envelope/soap:Body are the same. A path gives
// nil when it selects nothing, the value when it selects one node, and a
// list of values when it selects more. An attribute's or text node's value
// is its text; an element's is its text when it has no attributes or child
// elements, and otherwise its map form.
//
// # Status, limits and redirects
//
// Do sends the request through package egress, the one client Junction
// calls third parties with, which owns the limits, the redirect policy
// and the scrubbing described here.
//
// An answer whose status is not in Request.SuccessStatuses (default 2xx
// and 3xx) is a *StatusError carrying a scrubbed snippet of the body and
// the Retry-After delay (capped at egress.MaxRetryAfter). Do never
// retries: the caller's retry policy does.
// Request.Timeout (default 30s) bounds the whole call; MaxResponseBytes
// (default 1 MiB) the answer's body.
//
// Do follows up to FollowRedirects redirects (default 5) through a shallow
// copy of the caller's client with its own redirect policy. A hop to
// another origin (another host name or port, a subdomain included, or from
// https down to http) must carry no credentials. Do drops Authorization,
// Cookie, Referer and every credential-like header (X-Api-Key, …) from
// it, but credentials that the client's RoundTripper adds to every request
// are beyond a redirect policy's reach. So such a hop is followed only when
// Do can send it without them: through the client's transport when that is
// nil or an *http.Transport, or through the transport's Unwrap() when it
// has that method, which connectors/auth's transports should implement
// returning their base. Otherwise the redirect is not followed and its 3xx
// answer is the result (a success by default, as in EddyDesk).
//
// # Secrets in errors
//
// Error texts name the method and the URL's scheme and host only: userinfo
// and query strings carry credentials, and paths often do (Telegram's
// /bot<token>/sendMessage, Slack's webhook keys). Text taken from the
// answer or the transport has URLs' userinfo and query strings cut and the
// request's own credentials (userinfo, query values, credential-like
// header values) replaced with [redacted].
package httpconn
