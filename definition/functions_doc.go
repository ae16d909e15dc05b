package definition

// FunctionDoc describes one function expressions can call, in the shape of 8x8's GET
// steps/functions (name, description, example, parameters) plus a category and the result type.
type FunctionDoc struct {
	Name        string         `json:"name"`
	Category    string         `json:"category"`
	Description string         `json:"description"`
	Example     string         `json:"example"`
	Returns     string         `json:"returns"`
	Parameters  []ParameterDoc `json:"parameters"`
}

// ParameterDoc describes one parameter of a function. Type is string, number, boolean, array,
// object, timestamp (an ISO 8601 string or Unix seconds), duration or any. Default and Example
// are nil, and absent from the JSON, when the parameter has none: 8x8's schema does not allow
// either to be null.
type ParameterDoc struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Default     any    `json:"default,omitempty"`
	Description string `json:"description"`
	Example     any    `json:"example,omitempty"`
}

// Function categories.
const (
	Category8x8      = "8x8"
	CategoryString   = "string"
	CategoryNumber   = "number"
	CategoryDate     = "date"
	CategoryJSON     = "json"
	CategoryArray    = "array"
	CategoryDefaults = "defaults"
)

// Functions lists every function Junction defines for expressions, 8x8's helpers first, for the
// gateway's GET steps/functions and for docs/definition.md. expr's other builtins (lower, upper,
// trim, split, len, first, last, sum, map, filter, fromJSON, ...) are available too; see
// https://expr-lang.org/docs/language-definition.
func Functions() []FunctionDoc {
	out := make([]FunctionDoc, len(exprFunctions))
	for i := range exprFunctions {
		out[i] = exprFunctions[i].doc()
	}
	return out
}
