package manage

import (
	"context"
	"errors"

	"github.com/junction-run/junction/store"
)

// ListAccount lists the account's runs of every definition, filtered by
// definition (definitionID, "" for all), version (0 for all) and filter,
// one page of them in visibility's order. Each run carries its
// definition's name; a run whose definition has since been deleted has
// none. A filter status that is not a Status is a store.ErrInvalid.
func (r *Runs) ListAccount(ctx context.Context, accountID, definitionID string, version int, filter Filter, page store.Page) ([]Run, error) {
	if filter.Status != "" && !filter.Status.Valid() {
		return nil, &Error{What: "status must be one of Runnable, Suspended, Complete, Terminated.", Err: store.ErrInvalid}
	}
	execs, err := listExecutions(ctx, r.temporal, r.namespace, listQuery(accountID, definitionID, version, filter).String(), page)
	if err != nil {
		return nil, failed(err, "Could not list runs")
	}
	out := make([]Run, 0, len(execs))
	names := map[definitionVersion]string{}
	for _, e := range execs {
		run := r.fromInfo(e)
		if run.DefinitionName, err = r.definitionName(ctx, accountID, run, names); err != nil {
			return nil, err
		}
		out = append(out, run)
	}
	return out, nil
}

type definitionVersion struct {
	id      string
	version int
}

// definitionName is the name of the definition version run executes, read
// once a page (names); "" when the definition is gone.
func (r *Runs) definitionName(ctx context.Context, accountID string, run Run, names map[definitionVersion]string) (string, error) {
	key := definitionVersion{run.DefinitionID, run.Version}
	if name, seen := names[key]; seen {
		return name, nil
	}
	def, err := r.definitions.Definition(ctx, accountID, run.DefinitionID, run.Version)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Deleted since: the run is listed without a name.
	case err != nil:
		return "", failed(err, "Could not read the definition of run %s", run.WorkflowID)
	}
	names[key] = def.Name
	return def.Name, nil
}
