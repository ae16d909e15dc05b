package definition

import (
	"errors"
	"fmt"
)

// exprFunction is one function expressions can call, declared once: the rewriter checks calls
// against its parameters, the VM runs its implementation, and Functions() (GET steps/functions,
// docs/definition.md) describes it.
type exprFunction struct {
	name     string
	category string // one of the Category constants
	returns  string // the type of the result, named as ParameterDoc.Type names types
	// call implements the function. m is the render's meter: there is no fixed price per call;
	// each implementation charges for the work its arguments cause, at the point where it can
	// tell, so that a replayed run runs out of budget exactly where it first did (or not at all).
	// args are what the expression passed, their number already checked against params. nil
	// marks one of expr's builtins, listed only to be documented.
	call func(m *meter, args []any) (any, error)
	// variadic: the last parameter may be passed any number of times (at least once if required).
	variadic bool
	// aliases are other names the function answers to; they are not documented.
	aliases []string

	example string // an expression that runs, shown as it is
	// params are the parameters in order, the required ones first. They are also the function's
	// arity: at least as many arguments as are required, at most as many as there are (no most
	// when variadic).
	params      []ParameterDoc
	description string
}

// argCounts gives the least and the most number of arguments f takes (-1: no most).
func (f *exprFunction) argCounts() (least, most int) {
	for _, p := range f.params {
		if p.Required {
			least++
		}
	}
	if f.variadic {
		return least, -1
	}
	return least, len(f.params)
}

// doc is f as GET steps/functions describes it. Its parameters are a copy, so that a caller
// cannot change the table, and never nil: a function without any has "parameters": [].
func (f *exprFunction) doc() FunctionDoc {
	return FunctionDoc{
		Name: f.name, Category: f.category, Description: f.description, Example: f.example, Returns: f.returns,
		Parameters: append([]ParameterDoc{}, f.params...),
	}
}

// required declares a parameter a call must pass.
func required(name, typ, description string, example any) ParameterDoc {
	return ParameterDoc{Name: name, Type: typ, Required: true, Description: description, Example: example}
}

// optional declares a parameter a call may leave out; def is the value used then (nil: the
// function does without, as its description says).
func optional(name, typ string, def any, description string, example any) ParameterDoc {
	return ParameterDoc{Name: name, Type: typ, Default: def, Description: description, Example: example}
}

// meteredFuncs and funcArity index the implemented functions of exprFunctions by name and by
// alias, for compiling and running expressions: what the VM runs (the number of arguments
// checked first) and the least and most arguments a call may pass (-1: no most).
var meteredFuncs, funcArity = indexFunctions(exprFunctions)

func indexFunctions(table []exprFunction) (map[string]func(*meter, []any) (any, error), map[string][2]int) {
	funcs := map[string]func(*meter, []any) (any, error){}
	arity := map[string][2]int{}
	for i := range table {
		f := &table[i]
		if f.call == nil {
			continue
		}
		least, most := f.argCounts()
		for _, name := range append([]string{f.name}, f.aliases...) {
			funcs[name] = checkedCall(name, least, most, f.call)
			arity[name] = [2]int{least, most}
		}
	}
	return funcs, arity
}

// checkedCall makes call refuse a wrong number of arguments. The rewriter already refuses such
// calls when it compiles them; this keeps an implementation from indexing past its arguments
// if one ever reaches it another way.
func checkedCall(name string, least, most int, call func(*meter, []any) (any, error)) func(*meter, []any) (any, error) {
	return func(m *meter, args []any) (any, error) {
		if len(args) < least || most >= 0 && len(args) > most {
			return nil, errors.New(arityMessage(name, [2]int{least, most}, len(args)))
		}
		return call(m, args)
	}
}

// arityMessage explains a call of name with got arguments where it takes a[0] to a[1] (-1: no
// most).
func arityMessage(name string, a [2]int, got int) string {
	switch {
	case a[0] == a[1] && a[0] == 1:
		return fmt.Sprintf("%s expects 1 argument, got %d", name, got)
	case a[0] == a[1]:
		return fmt.Sprintf("%s expects %d arguments, got %d", name, a[0], got)
	case a[1] < 0:
		return fmt.Sprintf("%s expects at least %d arguments, got %d", name, a[0], got)
	}
	return fmt.Sprintf("%s expects %d to %d arguments, got %d", name, a[0], a[1], got)
}

// exprFunctions are the functions Junction defines for expressions, in the order Functions()
// lists them: 8x8's helpers first, then by category. Some replace expr builtins whose output can
// be much larger than their input (so they must check the budget before allocating) or whose
// result order comes from Go map iteration (so it would differ between runs); the others are
// 8x8's helpers and what integration builders need. The entries without call document expr
// builtins that need no replacing.
var exprFunctions = []exprFunction{
	{name: "isCountryCode", category: Category8x8, returns: "boolean", call: fnIsCountryCode,
		example: "isCountryCode('+6512345678', 'SG')",
		params: []ParameterDoc{
			required("phoneNumber", "string", "Phone number (MSISDN), with or without +.", "+6512345678"),
			required("countryCode", "string", "ISO 3166-1 alpha-2 country code, any case (UK is read as GB), or a calling code such as +65.", "SG"),
		},
		description: "Whether a phone number belongs to a country, by its E.164 calling code and, for codes several countries share (+1, +7, +44, ...), its leading digits. " +
			"Accepts +6512345678, 6512345678, 0065 1234 5678 and numbers; a value that is not a phone number gives false. " +
			"Countries that cannot be told apart by number (GP, BL and MF on +590; FK and GS on +500) all match."},
	{name: "stringContains", category: Category8x8, returns: "boolean", call: fnStringContains,
		example: "stringContains('hello, world', 'WOR', true)",
		params: []ParameterDoc{
			required("source", "string", "Text to search.", "hello, world"),
			required("value", "string", "Text to find.", "wor"),
			optional("ignoreCase", "boolean", false, "Whether to ignore letter case.", true),
		},
		description: "Whether value occurs in source. A source that is not a string (such as a missing field) contains nothing."},
	{name: "isTimeOfDayBetween", category: Category8x8, returns: "boolean", call: fnIsTimeOfDayBetween,
		example: "isTimeOfDayBetween('2020-10-15T14:40:15+07:00', '09:00:00', '18:00:00', 'Singapore Standard Time')",
		params: []ParameterDoc{
			required("timestamp", "timestamp", "ISO 8601 timestamp (offset allowed) or Unix seconds.", "2020-10-15T14:40:15+07:00"),
			required("timeFrom", "string", "Start of the range, HH:mm:ss or HH:mm.", "09:00:00"),
			required("timeTo", "string", "End of the range, HH:mm:ss or HH:mm.", "18:00:00"),
			optional("timeZone", "string", "UTC", "Windows time-zone id (GET steps/timezones) or IANA id.", "Singapore Standard Time"),
		},
		description: "Whether the time of day of timestamp, in timeZone, lies between timeFrom and timeTo, both included (to the second). " +
			"When timeFrom is later than timeTo the range crosses midnight: 22:00:00 to 06:00:00 holds at 23:00 and at 05:00. " +
			"A timestamp without an offset is read as wall-clock time in timeZone."},
	{name: "isDayOfWeek", category: Category8x8, returns: "boolean", call: fnIsDayOfWeek,
		example: "isDayOfWeek('2021-05-25', 'Tuesday')",
		params: []ParameterDoc{
			required("timestamp", "timestamp", "Date or timestamp (ISO 8601) or Unix seconds.", "2021-05-25"),
			required("day", "string", "Day of the week (not case sensitive), weekday, weekend, or an array of them.", "Monday"),
			optional("timeZone", "string", nil, "Windows or IANA time-zone id to read the timestamp in.", "Singapore Standard Time"),
		},
		description: "Checks if a date or timestamp falls on a given day of the week. day is a name (Monday ... Sunday or Mon ... Sun, any case), weekday, weekend, or an array of these. " +
			"A date alone is that calendar day; a timestamp is converted to timeZone when one is given, otherwise read at its own offset."},
	{name: "uuid", category: Category8x8, returns: "string", call: fnUUID,
		example:     "uuid()",
		description: "A new random UUID, e.g. for clientRequestId or clientMessageId. Inside a run it is recorded, so a replay sees the same value."},
	{name: "now", category: Category8x8, returns: "string", call: fnNow,
		example:     "isTimeOfDayBetween(now(), '09:00:00', '18:00:00', 'Singapore Standard Time')",
		description: "The current time as an RFC 3339 string in UTC with milliseconds, e.g. 2024-05-01T09:30:00.000Z. Inside a run it is workflow time, so a replay sees the same value."},
	{name: "replace", category: CategoryString, returns: "string", call: fnReplace,
		example: "replace('+65 1234 5678', ' ', '')",
		params: []ParameterDoc{
			required("source", "string", "Text to change.", "+65 1234 5678"),
			required("old", "string", "Text to replace.", " "),
			required("new", "string", "Replacement.", ""),
		},
		description: "source with every occurrence of old replaced by new."},
	{name: "substring", category: CategoryString, returns: "string", call: fnSubstring,
		example: "substring('ORDER-1234', 6)",
		params: []ParameterDoc{
			required("source", "string", "Text.", "ORDER-1234"),
			required("start", "number", "Position of the first character.", 6),
			optional("end", "number", nil, "Position after the last character; the end of the text when absent.", 10),
		},
		description: "The characters of source from start up to, not including, end, as JavaScript's substring: positions count characters from 0, are clamped to the text, and are swapped when start is after end."},
	{name: "padStart", category: CategoryString, returns: "string", call: fnPadStart,
		example: "padStart(7, 3, '0')",
		params: []ParameterDoc{
			required("value", "any", "Text or number.", 7),
			required("length", "number", "Length to reach, in characters.", 3),
			optional("pad", "string", " ", "Text to fill with.", "0"),
		},
		description: "value (formatted as text) with pad repeated before it until it is length characters long."},
	{name: "padEnd", category: CategoryString, returns: "string", call: fnPadEnd,
		example: "padEnd('ab', 5, '.')",
		params: []ParameterDoc{
			required("value", "any", "Text or number.", "ab"),
			required("length", "number", "Length to reach, in characters.", 5),
			optional("pad", "string", " ", "Text to fill with.", "."),
		},
		description: "value (formatted as text) with pad repeated after it until it is length characters long."},
	{name: "join", category: CategoryString, returns: "string", call: fnJoin,
		example: "join(['a', 'b', 'c'], ', ')",
		params: []ParameterDoc{
			required("array", "array", "Elements to join.", []any{"a", "b", "c"}),
			optional("separator", "string", "", "Text between elements.", ", "),
		},
		description: "The elements of an array formatted as in interpolation (null as empty, objects as JSON) and joined with a separator."},
	{name: "repeat", category: CategoryString, returns: "string", call: fnRepeat,
		example: "repeat('ab', 3)",
		params: []ParameterDoc{
			required("source", "string", "Text to repeat.", "ab"),
			required("count", "number", "How many times.", 3),
		},
		description: "source repeated count times."},
	{name: "string", category: CategoryString, returns: "string", call: fnString,
		example:     "string(42)",
		params:      []ParameterDoc{required("value", "any", "Value to format.", 42)},
		description: "value formatted as in interpolation: null as empty text, numbers as JavaScript prints them, objects and arrays as compact JSON."},
	{name: "urlEncode", category: CategoryString, returns: "string", call: fnURLEncode,
		example:     "urlEncode('a b&c')",
		params:      []ParameterDoc{required("value", "any", "Text to encode.", "a b&c")},
		description: "value encoded for a URL query value or path segment, as JavaScript's encodeURIComponent."},
	{name: "xmlEscape", category: CategoryString, returns: "string", call: fnXMLEscape,
		example:     "xmlEscape('Fish & <Chips>')",
		params:      []ParameterDoc{required("value", "any", "Text to escape.", "Fish & <Chips>")},
		description: "value escaped for XML text or an attribute value (&, <, >, quotes, and control characters as character references), for XML bodies written as text with tags."},
	{name: "toNumber", category: CategoryNumber, returns: "number", call: fnToNumber,
		example:     "toNumber('3.5') * 2",
		params:      []ParameterDoc{required("value", "any", "Value to convert.", "3.5")},
		description: "value as a number: numeric text (\"42\", \" 3.5 \", \"1e3\") is parsed, true and false give 1 and 0; anything else (empty or non-numeric text, null, arrays, objects) gives null."},
	{name: "round", category: CategoryNumber, returns: "number", call: fnRound,
		example: "round(2.345, 2)",
		params: []ParameterDoc{
			required("value", "number", "Number to round.", 2.345),
			optional("digits", "number", 0, "Decimals to keep, -15 to 15.", 2),
		},
		description: "value rounded to digits decimals, halves away from zero, on the number as it is written (round(1.005, 2) is 1.01). Negative digits round to tens, hundreds, ..."},
	{name: "formatNumber", category: CategoryNumber, returns: "string", call: fnFormatNumber,
		example: "formatNumber(1234567.891, 2)",
		params: []ParameterDoc{
			required("value", "number", "Number to format.", 1234567.891),
			optional("decimals", "number", 0, "Decimals to write, 0 to 20.", 2),
			optional("thousandsSeparator", "string", ",", "Text between groups of three digits.", ","),
			optional("decimalSeparator", "string", ".", "Text before the decimals.", "."),
		},
		description: "value rounded as round does and written with a thousands separator and a decimal separator. No locale is consulted."},
	{name: "formatDate", category: CategoryDate, returns: "string", call: fnFormatDate,
		example: "formatDate('2024-05-01T01:30:00Z', 'dddd d MMM yyyy, h:mm tt', 'Singapore Standard Time')",
		params: []ParameterDoc{
			required("timestamp", "timestamp", "ISO 8601 timestamp or Unix seconds.", "2024-05-01T01:30:00Z"),
			optional("layout", "string", "iso", "Layout tokens, or iso, unix, unixMillis.", "yyyy-MM-dd HH:mm"),
			optional("timeZone", "string", "UTC", "Windows or IANA time-zone id.", "Singapore Standard Time"),
		},
		description: "timestamp in timeZone written with a layout of .NET-style tokens: yyyy, yy, MMMM (January), MMM (Jan), MM, M, dddd (Monday), ddd (Mon), dd, d, HH, H, hh, h, mm, m, ss, s, f to fffffffff (fractions), tt (AM/PM), zzz (+08:00), zz (+08), K (Z or +08:00); text in single quotes is literal. " +
			"The layout iso (the default) gives RFC 3339 with milliseconds; unix gives seconds since 1970 as a number, unixMillis milliseconds. Names are English."},
	{name: "parseDate", category: CategoryDate, returns: "string", call: fnParseDate,
		example: "parseDate('01/05/2024 17:30', 'dd/MM/yyyy HH:mm', 'Singapore Standard Time')",
		params: []ParameterDoc{
			required("text", "string", "The date and time to read.", "01/05/2024 17:30"),
			optional("layout", "string", nil, "Layout tokens as for formatDate; ISO 8601 when absent.", "dd/MM/yyyy HH:mm"),
			optional("timeZone", "string", "UTC", "Time zone of text without an offset.", "Singapore Standard Time"),
		},
		description: "The time text denotes, as an RFC 3339 string in UTC. Without a layout text is ISO 8601 (with or without an offset, or a date alone) or Unix seconds; with one it is read with formatDate's tokens. Text without an offset is wall-clock time in timeZone."},
	{name: "addDuration", category: CategoryDate, returns: "string", call: fnAddDuration,
		example: "addDuration('2024-05-01T09:00:00Z', '1.00:00:00')",
		params: []ParameterDoc{
			required("timestamp", "timestamp", "ISO 8601 timestamp or Unix seconds.", "2024-05-01T09:00:00Z"),
			required("duration", "duration", "Duration to add.", "1.00:00:00"),
		},
		description: "timestamp plus duration, as an RFC 3339 string in UTC. The duration is d.HH:mm:ss, a number of days as text, a Go duration (90m, -1h) or ISO 8601 (P1DT2H), or a number of seconds; negative goes back."},
	{name: "dateDiff", category: CategoryDate, returns: "number", call: fnDateDiff,
		example: "dateDiff('2024-05-01T09:00:00Z', '2024-05-03T21:00:00Z', 'days')",
		params: []ParameterDoc{
			required("from", "timestamp", "Earlier time.", "2024-05-01T09:00:00Z"),
			required("to", "timestamp", "Later time.", "2024-05-03T21:00:00Z"),
			optional("unit", "string", "seconds", "Unit of the result.", "days"),
		},
		description: "to minus from in the unit: milliseconds, seconds, minutes, hours, days or weeks (singular accepted). Fractional; negative when to is earlier."},
	{name: "toJSON", category: CategoryJSON, returns: "string", call: fnToJSON,
		example:     "toJSON({b: 1, a: [true, null]})",
		params:      []ParameterDoc{required("value", "any", "Value to encode.", map[string]any{"a": 1})},
		description: "value as compact JSON with object keys sorted."},
	{name: "fromJSON", category: CategoryJSON, returns: "any",
		example:     `fromJSON('{"a": [1, 2]}').a[1]`,
		params:      []ParameterDoc{required("text", "string", "JSON text.", `{"a": [1, 2]}`)},
		description: "The value a JSON text encodes (expr builtin)."},
	{name: "keys", category: CategoryJSON, returns: "array", call: fnKeys,
		example:     "keys({b: 1, a: 2})",
		params:      []ParameterDoc{required("object", "object", "Object.", map[string]any{"b": 1, "a": 2})},
		description: "The keys of an object, sorted."},
	{name: "values", category: CategoryJSON, returns: "array", call: fnValues,
		example:     "values({b: 1, a: 2})",
		params:      []ParameterDoc{required("object", "object", "Object.", map[string]any{"b": 1, "a": 2})},
		description: "The values of an object, in the order of its sorted keys."},
	{name: "toPairs", category: CategoryJSON, returns: "array", call: fnToPairs,
		example:     "toPairs({b: 1, a: 2})",
		params:      []ParameterDoc{required("object", "object", "Object.", map[string]any{"b": 1, "a": 2})},
		description: "The [key, value] pairs of an object, sorted by key."},
	{name: "first", category: CategoryArray, returns: "any",
		example:     "first([3, 1, 2])",
		params:      []ParameterDoc{required("array", "array", "Array.", []any{3, 1, 2})},
		description: "The first element of an array, or null when it is empty (expr builtin)."},
	{name: "last", category: CategoryArray, returns: "any",
		example:     "last([3, 1, 2])",
		params:      []ParameterDoc{required("array", "array", "Array.", []any{3, 1, 2})},
		description: "The last element of an array, or null when it is empty (expr builtin)."},
	{name: "len", category: CategoryArray, returns: "number",
		example:     "len([3, 1, 2])",
		params:      []ParameterDoc{required("value", "any", "Array, object or string.", []any{3, 1, 2})},
		description: "The length of an array, object or string (expr builtin; strings count bytes, .length counts characters)."},
	{name: "sum", category: CategoryArray, returns: "number",
		example: "sum([{price: 5, quantity: 2}, {price: 1, quantity: 3}], #.price * #.quantity)",
		params: []ParameterDoc{
			required("array", "array", "Array.", []any{1, 2, 3}),
			optional("predicate", "expression", nil, "Expression over each element #.", "#.price"),
		},
		description: "The sum of the numbers of an array, or of a predicate over its elements: sum(items, #.price * #.quantity) (expr builtin)."},
	{name: "unique", category: CategoryArray, returns: "array", call: fnUniq, aliases: []string{"uniq"},
		example:     "unique(['a', 'b', 'a'])",
		params:      []ParameterDoc{required("array", "array", "Array.", []any{"a", "b", "a"})},
		description: "The array without repeated elements, first occurrences kept (also spelled uniq)."},
	{name: "concat", category: CategoryArray, returns: "array", call: fnConcat, variadic: true,
		example:     "concat([1], [2, 3])",
		params:      []ParameterDoc{required("arrays", "array", "Two or more arrays.", []any{1})},
		description: "The arrays joined into one."},
	{name: "flatten", category: CategoryArray, returns: "array", call: fnFlatten,
		example:     "flatten([1, [2, [3]]])",
		params:      []ParameterDoc{required("array", "array", "Array of arrays.", []any{1, []any{2}})},
		description: "Nested arrays flattened into one."},
	{name: "default", category: CategoryDefaults, returns: "any", call: fnDefault,
		example: "default(data.payload.user.name, 'there')",
		params: []ParameterDoc{
			required("value", "any", "Value to use when present.", "Ada"),
			required("fallback", "any", "Value to use otherwise.", "there"),
		},
		description: "value, or fallback when value is null (missing) or empty text. Unlike ||, 0 and false are kept."},
	{name: "coalesce", category: CategoryDefaults, returns: "any", call: fnCoalesce, variadic: true,
		example:     "coalesce(data.nickname, data.name, 'customer')",
		params:      []ParameterDoc{required("values", "any", "Two or more values.", "Ada")},
		description: "The first argument that is neither null nor empty text, or null."},
}
