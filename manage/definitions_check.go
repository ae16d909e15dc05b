package manage

import (
	"context"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/store"
)

// Check is a save's dry run: it checks body as Create (id "") or Update
// (id, and ifVersion as Update takes it) would, the language, the apps and
// connections it uses, its states, and that the definition exists and is
// still at ifVersion, and answers the document the save would store, or
// the same errors. It stores, schedules and subscribes nothing, so an
// editor can ask it on every keystroke.
//
// The document has no createdAt (nothing was created); its version is the
// one the save would make, and id is the definition's (none for a new one).
func (d *Definitions) Check(ctx context.Context, accountID, id string, body []byte, ifVersion int) (*definition.Document, error) {
	doc, err := d.parse(ctx, accountID, body)
	if err != nil {
		return nil, err
	}
	version := 1
	if id != "" {
		latest, err := requireDefinition(ctx, d.store, accountID, id, 0)
		if err != nil {
			return nil, err
		}
		if ifVersion > 0 && latest.Version != ifVersion {
			return nil, &Error{What: "The definition changed since it was read; read it again and retry.", Err: store.ErrConflict}
		}
		version = latest.Version + 1
	}
	rec, err := toRecord(accountID, id, doc)
	if err != nil {
		return nil, internal(err, "Could not encode the definition")
	}
	rec.Version = version
	out, err := view(rec)
	if err != nil {
		return nil, err
	}
	out.CreatedAt = ""
	return out, nil
}
