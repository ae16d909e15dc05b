package connectors

import (
	"strings"
)

// EventIDSeparator separates the values of an event id made of several
// (TriggerSpec.IDQualifiers). A "~" inside a value is written "~0", so
// every "~" of such an id starts either "~0" or the separator: two lists
// of values never make the same id. The id keeps to the characters of a
// readable workflow id when its values do (runs.ValidEventID).
const EventIDSeparator = "~~"

// JoinEventID makes one event id of several values, in order, joined by
// EventIDSeparator with each "~" written "~0". One value is returned as it
// is, so a trigger without qualifiers keeps the ids it always had.
func JoinEventID(values ...string) string {
	if len(values) == 1 {
		return values[0]
	}
	escaped := make([]string, len(values))
	for i, v := range values {
		escaped[i] = strings.ReplaceAll(v, "~", "~0")
	}
	return strings.Join(escaped, EventIDSeparator)
}

// IDPointers are the JSON pointers whose values identify an event of the
// trigger: IDPointer, then IDQualifiers; none when the id is in a header.
func (t TriggerSpec) IDPointers() []string {
	if t.IDPointer == "" {
		return nil
	}
	return append([]string{t.IDPointer}, t.IDQualifiers...)
}

// eventID reads the id of an event (a JSON document) at the trigger's
// IDPointers: each value a non-empty string or an integer, joined by
// JoinEventID. The error names the pointer that holds none.
func (t TriggerSpec) eventID(doc []byte) (string, error) {
	pointers := t.IDPointers()
	values := make([]string, len(pointers))
	for i, p := range pointers {
		v, err := Pointer(doc, p)
		if err != nil {
			return "", PayloadErrorf("%s: event id %s: %v", t.ID, p, err)
		}
		if values[i] = idString(v); values[i] == "" {
			return "", PayloadErrorf("%s: event id %s is empty or not a string or an integer", t.ID, p)
		}
	}
	return JoinEventID(values...), nil
}
