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
// object, timestamp (an ISO 8601 string or Unix seconds), duration or any.
type ParameterDoc struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Default     any    `json:"default"`
	Description string `json:"description"`
	Example     any    `json:"example"`
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
	out := make([]FunctionDoc, len(functionDocs))
	for i, f := range functionDocs {
		f.Parameters = append([]ParameterDoc{}, f.Parameters...)
		out[i] = f
	}
	return out
}

func param(name, typ string, required bool, def any, desc string, example any) ParameterDoc {
	return ParameterDoc{Name: name, Type: typ, Required: required, Default: def, Description: desc, Example: example}
}

var functionDocs = []FunctionDoc{
	{
		Name: "isCountryCode", Category: Category8x8, Returns: "boolean",
		Description: "Whether a phone number belongs to a country, by its E.164 calling code and, for codes several countries share (+1, +7, +44, ...), its leading digits. " +
			"Accepts +6512345678, 6512345678, 0065 1234 5678 and numbers; a value that is not a phone number gives false. " +
			"Countries that cannot be told apart by number (GP, BL and MF on +590; FK and GS on +500) all match.",
		Example: "isCountryCode('+6512345678', 'SG')",
		Parameters: []ParameterDoc{
			param("phoneNumber", "string", true, nil, "Phone number (MSISDN), with or without +.", "+6512345678"),
			param("countryCode", "string", true, nil, "ISO 3166-1 alpha-2 country code, any case (UK is read as GB), or a calling code such as +65.", "SG"),
		},
	},
	{
		Name: "stringContains", Category: Category8x8, Returns: "boolean",
		Description: "Whether value occurs in source. A source that is not a string (such as a missing field) contains nothing.",
		Example:     "stringContains('hello, world', 'WOR', true)",
		Parameters: []ParameterDoc{
			param("source", "string", true, nil, "Text to search.", "hello, world"),
			param("value", "string", true, nil, "Text to find.", "wor"),
			param("ignoreCase", "boolean", false, false, "Whether to ignore letter case.", true),
		},
	},
	{
		Name: "isTimeOfDayBetween", Category: Category8x8, Returns: "boolean",
		Description: "Whether the time of day of timestamp, in timeZone, lies between timeFrom and timeTo, both included (to the second). " +
			"When timeFrom is later than timeTo the range crosses midnight: 22:00:00 to 06:00:00 holds at 23:00 and at 05:00. " +
			"A timestamp without an offset is read as wall-clock time in timeZone.",
		Example: "isTimeOfDayBetween('2020-10-15T14:40:15+07:00', '09:00:00', '18:00:00', 'Singapore Standard Time')",
		Parameters: []ParameterDoc{
			param("timestamp", "timestamp", true, nil, "ISO 8601 timestamp (offset allowed) or Unix seconds.", "2020-10-15T14:40:15+07:00"),
			param("timeFrom", "string", true, nil, "Start of the range, HH:mm:ss or HH:mm.", "09:00:00"),
			param("timeTo", "string", true, nil, "End of the range, HH:mm:ss or HH:mm.", "18:00:00"),
			param("timeZone", "string", false, "UTC", "Windows time-zone id (GET steps/timezones) or IANA id.", "Singapore Standard Time"),
		},
	},
	{
		Name: "isDayOfWeek", Category: Category8x8, Returns: "boolean",
		Description: "Checks if a date or timestamp falls on a given day of the week. day is a name (Monday ... Sunday or Mon ... Sun, any case), weekday, weekend, or an array of these. " +
			"A date alone is that calendar day; a timestamp is converted to timeZone when one is given, otherwise read at its own offset.",
		Example: "isDayOfWeek('2021-05-25', 'Tuesday')",
		Parameters: []ParameterDoc{
			param("timestamp", "timestamp", true, nil, "Date or timestamp (ISO 8601) or Unix seconds.", "2021-05-25"),
			param("day", "string", true, nil, "Day of the week (not case sensitive), weekday, weekend, or an array of them.", "Monday"),
			param("timeZone", "string", false, nil, "Windows or IANA time-zone id to read the timestamp in.", "Singapore Standard Time"),
		},
	},
	{
		Name: "uuid", Category: Category8x8, Returns: "string",
		Description: "A new random UUID, e.g. for clientRequestId or clientMessageId. Inside a run it is recorded, so a replay sees the same value.",
		Example:     "uuid()",
		Parameters:  []ParameterDoc{},
	},
	{
		Name: "now", Category: Category8x8, Returns: "string",
		Description: "The current time as an RFC 3339 string in UTC with milliseconds, e.g. 2024-05-01T09:30:00.000Z. Inside a run it is workflow time, so a replay sees the same value.",
		Example:     "isTimeOfDayBetween(now(), '09:00:00', '18:00:00', 'Singapore Standard Time')",
		Parameters:  []ParameterDoc{},
	},
	{
		Name: "replace", Category: CategoryString, Returns: "string",
		Description: "source with every occurrence of old replaced by new.",
		Example:     "replace('+65 1234 5678', ' ', '')",
		Parameters: []ParameterDoc{
			param("source", "string", true, nil, "Text to change.", "+65 1234 5678"),
			param("old", "string", true, nil, "Text to replace.", " "),
			param("new", "string", true, nil, "Replacement.", ""),
		},
	},
	{
		Name: "substring", Category: CategoryString, Returns: "string",
		Description: "The characters of source from start up to, not including, end, as JavaScript's substring: positions count characters from 0, are clamped to the text, and are swapped when start is after end.",
		Example:     "substring('ORDER-1234', 6)",
		Parameters: []ParameterDoc{
			param("source", "string", true, nil, "Text.", "ORDER-1234"),
			param("start", "number", true, nil, "Position of the first character.", 6),
			param("end", "number", false, nil, "Position after the last character; the end of the text when absent.", 10),
		},
	},
	{
		Name: "padStart", Category: CategoryString, Returns: "string",
		Description: "value (formatted as text) with pad repeated before it until it is length characters long.",
		Example:     "padStart(7, 3, '0')",
		Parameters: []ParameterDoc{
			param("value", "any", true, nil, "Text or number.", 7),
			param("length", "number", true, nil, "Length to reach, in characters.", 3),
			param("pad", "string", false, " ", "Text to fill with.", "0"),
		},
	},
	{
		Name: "padEnd", Category: CategoryString, Returns: "string",
		Description: "value (formatted as text) with pad repeated after it until it is length characters long.",
		Example:     "padEnd('ab', 5, '.')",
		Parameters: []ParameterDoc{
			param("value", "any", true, nil, "Text or number.", "ab"),
			param("length", "number", true, nil, "Length to reach, in characters.", 5),
			param("pad", "string", false, " ", "Text to fill with.", "."),
		},
	},
	{
		Name: "join", Category: CategoryString, Returns: "string",
		Description: "The elements of an array formatted as in interpolation (null as empty, objects as JSON) and joined with a separator.",
		Example:     "join(['a', 'b', 'c'], ', ')",
		Parameters: []ParameterDoc{
			param("array", "array", true, nil, "Elements to join.", []any{"a", "b", "c"}),
			param("separator", "string", false, "", "Text between elements.", ", "),
		},
	},
	{
		Name: "repeat", Category: CategoryString, Returns: "string",
		Description: "source repeated count times.",
		Example:     "repeat('ab', 3)",
		Parameters: []ParameterDoc{
			param("source", "string", true, nil, "Text to repeat.", "ab"),
			param("count", "number", true, nil, "How many times.", 3),
		},
	},
	{
		Name: "string", Category: CategoryString, Returns: "string",
		Description: "value formatted as in interpolation: null as empty text, numbers as JavaScript prints them, objects and arrays as compact JSON.",
		Example:     "string(42)",
		Parameters: []ParameterDoc{
			param("value", "any", true, nil, "Value to format.", 42),
		},
	},
	{
		Name: "urlEncode", Category: CategoryString, Returns: "string",
		Description: "value encoded for a URL query value or path segment, as JavaScript's encodeURIComponent.",
		Example:     "urlEncode('a b&c')",
		Parameters: []ParameterDoc{
			param("value", "any", true, nil, "Text to encode.", "a b&c"),
		},
	},
	{
		Name: "toNumber", Category: CategoryNumber, Returns: "number",
		Description: "value as a number: numeric text (\"42\", \" 3.5 \", \"1e3\") is parsed, true and false give 1 and 0; anything else (empty or non-numeric text, null, arrays, objects) gives null.",
		Example:     "toNumber('3.5') * 2",
		Parameters: []ParameterDoc{
			param("value", "any", true, nil, "Value to convert.", "3.5"),
		},
	},
	{
		Name: "round", Category: CategoryNumber, Returns: "number",
		Description: "value rounded to digits decimals, halves away from zero, on the number as it is written (round(1.005, 2) is 1.01). Negative digits round to tens, hundreds, ...",
		Example:     "round(2.345, 2)",
		Parameters: []ParameterDoc{
			param("value", "number", true, nil, "Number to round.", 2.345),
			param("digits", "number", false, 0, "Decimals to keep, -15 to 15.", 2),
		},
	},
	{
		Name: "formatNumber", Category: CategoryNumber, Returns: "string",
		Description: "value rounded as round does and written with a thousands separator and a decimal separator. No locale is consulted.",
		Example:     "formatNumber(1234567.891, 2)",
		Parameters: []ParameterDoc{
			param("value", "number", true, nil, "Number to format.", 1234567.891),
			param("decimals", "number", false, 0, "Decimals to write, 0 to 20.", 2),
			param("thousandsSeparator", "string", false, ",", "Text between groups of three digits.", ","),
			param("decimalSeparator", "string", false, ".", "Text before the decimals.", "."),
		},
	},
	{
		Name: "formatDate", Category: CategoryDate, Returns: "string",
		Description: "timestamp in timeZone written with a layout of .NET-style tokens: yyyy, yy, MMMM (January), MMM (Jan), MM, M, dddd (Monday), ddd (Mon), dd, d, HH, H, hh, h, mm, m, ss, s, f to fffffffff (fractions), tt (AM/PM), zzz (+08:00), zz (+08), K (Z or +08:00); text in single quotes is literal. " +
			"The layout iso (the default) gives RFC 3339 with milliseconds; unix gives seconds since 1970 as a number, unixMillis milliseconds. Names are English.",
		Example: "formatDate('2024-05-01T01:30:00Z', 'dddd d MMM yyyy, h:mm tt', 'Singapore Standard Time')",
		Parameters: []ParameterDoc{
			param("timestamp", "timestamp", true, nil, "ISO 8601 timestamp or Unix seconds.", "2024-05-01T01:30:00Z"),
			param("layout", "string", false, "iso", "Layout tokens, or iso, unix, unixMillis.", "yyyy-MM-dd HH:mm"),
			param("timeZone", "string", false, "UTC", "Windows or IANA time-zone id.", "Singapore Standard Time"),
		},
	},
	{
		Name: "parseDate", Category: CategoryDate, Returns: "string",
		Description: "The time text denotes, as an RFC 3339 string in UTC. Without a layout text is ISO 8601 (with or without an offset, or a date alone) or Unix seconds; with one it is read with formatDate's tokens. Text without an offset is wall-clock time in timeZone.",
		Example:     "parseDate('01/05/2024 17:30', 'dd/MM/yyyy HH:mm', 'Singapore Standard Time')",
		Parameters: []ParameterDoc{
			param("text", "string", true, nil, "The date and time to read.", "01/05/2024 17:30"),
			param("layout", "string", false, nil, "Layout tokens as for formatDate; ISO 8601 when absent.", "dd/MM/yyyy HH:mm"),
			param("timeZone", "string", false, "UTC", "Time zone of text without an offset.", "Singapore Standard Time"),
		},
	},
	{
		Name: "addDuration", Category: CategoryDate, Returns: "string",
		Description: "timestamp plus duration, as an RFC 3339 string in UTC. The duration is d.HH:mm:ss, a number of days as text, a Go duration (90m, -1h) or ISO 8601 (P1DT2H), or a number of seconds; negative goes back.",
		Example:     "addDuration('2024-05-01T09:00:00Z', '1.00:00:00')",
		Parameters: []ParameterDoc{
			param("timestamp", "timestamp", true, nil, "ISO 8601 timestamp or Unix seconds.", "2024-05-01T09:00:00Z"),
			param("duration", "duration", true, nil, "Duration to add.", "1.00:00:00"),
		},
	},
	{
		Name: "dateDiff", Category: CategoryDate, Returns: "number",
		Description: "to minus from in the unit: milliseconds, seconds, minutes, hours, days or weeks (singular accepted). Fractional; negative when to is earlier.",
		Example:     "dateDiff('2024-05-01T09:00:00Z', '2024-05-03T21:00:00Z', 'days')",
		Parameters: []ParameterDoc{
			param("from", "timestamp", true, nil, "Earlier time.", "2024-05-01T09:00:00Z"),
			param("to", "timestamp", true, nil, "Later time.", "2024-05-03T21:00:00Z"),
			param("unit", "string", false, "seconds", "Unit of the result.", "days"),
		},
	},
	{
		Name: "toJSON", Category: CategoryJSON, Returns: "string",
		Description: "value as compact JSON with object keys sorted.",
		Example:     "toJSON({b: 1, a: [true, null]})",
		Parameters: []ParameterDoc{
			param("value", "any", true, nil, "Value to encode.", map[string]any{"a": 1}),
		},
	},
	{
		Name: "fromJSON", Category: CategoryJSON, Returns: "any",
		Description: "The value a JSON text encodes (expr builtin).",
		Example:     `fromJSON('{"a": [1, 2]}').a[1]`,
		Parameters: []ParameterDoc{
			param("text", "string", true, nil, "JSON text.", `{"a": [1, 2]}`),
		},
	},
	{
		Name: "keys", Category: CategoryJSON, Returns: "array",
		Description: "The keys of an object, sorted.",
		Example:     "keys({b: 1, a: 2})",
		Parameters: []ParameterDoc{
			param("object", "object", true, nil, "Object.", map[string]any{"b": 1, "a": 2}),
		},
	},
	{
		Name: "values", Category: CategoryJSON, Returns: "array",
		Description: "The values of an object, in the order of its sorted keys.",
		Example:     "values({b: 1, a: 2})",
		Parameters: []ParameterDoc{
			param("object", "object", true, nil, "Object.", map[string]any{"b": 1, "a": 2}),
		},
	},
	{
		Name: "toPairs", Category: CategoryJSON, Returns: "array",
		Description: "The [key, value] pairs of an object, sorted by key.",
		Example:     "toPairs({b: 1, a: 2})",
		Parameters: []ParameterDoc{
			param("object", "object", true, nil, "Object.", map[string]any{"b": 1, "a": 2}),
		},
	},
	{
		Name: "first", Category: CategoryArray, Returns: "any",
		Description: "The first element of an array, or null when it is empty (expr builtin).",
		Example:     "first([3, 1, 2])",
		Parameters: []ParameterDoc{
			param("array", "array", true, nil, "Array.", []any{3, 1, 2}),
		},
	},
	{
		Name: "last", Category: CategoryArray, Returns: "any",
		Description: "The last element of an array, or null when it is empty (expr builtin).",
		Example:     "last([3, 1, 2])",
		Parameters: []ParameterDoc{
			param("array", "array", true, nil, "Array.", []any{3, 1, 2}),
		},
	},
	{
		Name: "len", Category: CategoryArray, Returns: "number",
		Description: "The length of an array, object or string (expr builtin; strings count bytes, .length counts characters).",
		Example:     "len([3, 1, 2])",
		Parameters: []ParameterDoc{
			param("value", "any", true, nil, "Array, object or string.", []any{3, 1, 2}),
		},
	},
	{
		Name: "sum", Category: CategoryArray, Returns: "number",
		Description: "The sum of the numbers of an array, or of a predicate over its elements: sum(items, #.price * #.quantity) (expr builtin).",
		Example:     "sum([{price: 5, quantity: 2}, {price: 1, quantity: 3}], #.price * #.quantity)",
		Parameters: []ParameterDoc{
			param("array", "array", true, nil, "Array.", []any{1, 2, 3}),
			param("predicate", "expression", false, nil, "Expression over each element #.", "#.price"),
		},
	},
	{
		Name: "unique", Category: CategoryArray, Returns: "array",
		Description: "The array without repeated elements, first occurrences kept (also spelled uniq).",
		Example:     "unique(['a', 'b', 'a'])",
		Parameters: []ParameterDoc{
			param("array", "array", true, nil, "Array.", []any{"a", "b", "a"}),
		},
	},
	{
		Name: "concat", Category: CategoryArray, Returns: "array",
		Description: "The arrays joined into one.",
		Example:     "concat([1], [2, 3])",
		Parameters: []ParameterDoc{
			param("arrays", "array", true, nil, "Two or more arrays.", []any{1}),
		},
	},
	{
		Name: "flatten", Category: CategoryArray, Returns: "array",
		Description: "Nested arrays flattened into one.",
		Example:     "flatten([1, [2, [3]]])",
		Parameters: []ParameterDoc{
			param("array", "array", true, nil, "Array of arrays.", []any{1, []any{2}}),
		},
	},
	{
		Name: "default", Category: CategoryDefaults, Returns: "any",
		Description: "value, or fallback when value is null (missing) or empty text. Unlike ||, 0 and false are kept.",
		Example:     "default(data.payload.user.name, 'there')",
		Parameters: []ParameterDoc{
			param("value", "any", true, nil, "Value to use when present.", nil),
			param("fallback", "any", true, nil, "Value to use otherwise.", "there"),
		},
	},
	{
		Name: "coalesce", Category: CategoryDefaults, Returns: "any",
		Description: "The first argument that is neither null nor empty text, or null.",
		Example:     "coalesce(data.nickname, data.name, 'customer')",
		Parameters: []ParameterDoc{
			param("values", "any", true, nil, "Two or more values.", nil),
		},
	},
}
