package manage

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
)

// A deprecated connector version (connectors.Spec's Deprecation, for a
// built-in connector and a stored app alike) is supported until the end of
// its date, in UTC. Until then a definition that pins it is saved with a
// warning; from the day after, saving one, or running one of its actions
// on its own, is refused with a problem at apps.<app> (or version), so
// that nothing new starts on it. Runs already started, and the versions of
// definitions already saved, are not affected: they finish on what they
// pinned.

// deprecationPast reports whether d's last supported day is over.
func deprecationPast(d *connectors.Deprecation, now time.Time) bool {
	return d != nil && d.Date < now.UTC().Format(time.DateOnly)
}

// deprecationMessage says what a deprecated version's users should do,
// before its date or after it (past).
func deprecationMessage(spec connectors.Spec, past bool) string {
	d := spec.Deprecation
	is := "is deprecated, supported until"
	if past {
		is = "was supported until"
	}
	msg := fmt.Sprintf("%s %s %s %s: move to %s", spec.ID, spec.Version, is, d.Date, d.Replacement)
	if d.Note != "" {
		msg += " (" + d.Note + ")"
	}
	return msg
}

// pastDeprecation reports, as a problem at apps.<app>, a version past its
// deprecation date.
func (ch *connectorCheck) pastDeprecation(app string, spec connectors.Spec) bool {
	if spec.Status != connectors.StatusDeprecated || !deprecationPast(spec.Deprecation, time.Now()) {
		return false
	}
	ch.fail("apps."+app, definition.CodeDeprecated, "%s", deprecationMessage(spec, true))
	return true
}

// Warnings are what a client should know of a definition it saved without
// it being wrong: each deprecated connector version it pins, at
// apps.<app>, with the date and the version to move to. doc is the saved
// definition, whose Apps are pinned.
func (d *Definitions) Warnings(ctx context.Context, accountID string, doc *definition.Document) []FieldError {
	var out []FieldError
	for _, app := range slices.Sorted(maps.Keys(doc.Apps)) {
		c, err := d.connectors.LookupFor(ctx, accountID, app, doc.Apps[app])
		if err != nil {
			continue // saved just now, so found; gone since is not a warning of this save
		}
		if spec := c.Spec(); spec.Status == connectors.StatusDeprecated && spec.Deprecation != nil {
			out = append(out, FieldError{Path: "apps." + app, Code: definition.CodeDeprecated, Message: deprecationMessage(spec, false)})
		}
	}
	return out
}
