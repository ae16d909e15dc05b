package gateway

import _ "embed" // the OpenAPI document is compiled into the binary

// openAPIDocument is Junction's OpenAPI 3 document: 8x8's Automation API
// surface and Junction's own resources. openapi_test.go checks that it is
// valid and that it names exactly the gateway's routes.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3 document (JSON) that describes every
// route of the gateway. It is served at /api/v1/openapi.json, and
// internal/apitest checks the gateway's responses against it. The returned
// slice is a copy: callers may keep or change it.
func OpenAPIDocument() []byte {
	return append([]byte(nil), openAPIDocument...)
}
