package manage

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"go.temporal.io/sdk/client"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// TimeLayout is how the management API writes times: ISO 8601 in UTC with 2
// fractional digits, as 8x8 does.
const TimeLayout = "2006-01-02T15:04:05.00Z"

// definitionStore is what Definitions needs of the metadata store;
// *store.Store implements it.
type definitionStore interface {
	// The app subscriptions of definitions (appsubscriptions.go).
	AddAppSubscription(ctx context.Context, a store.AppSubscription) error
	AppSubscriptions(ctx context.Context, accountID string, definitionIDs ...string) (map[string]store.AppSubscription, error)
	DeleteAppSubscription(ctx context.Context, accountID, definitionID string) error

	CreateDefinition(ctx context.Context, d store.Definition) (store.Definition, error)
	UpdateDefinition(ctx context.Context, d store.Definition) (store.Definition, error)
	UpdateDefinitionIfLatest(ctx context.Context, d store.Definition, expected int) (store.Definition, error)
	Definition(ctx context.Context, accountID, id string, version int) (store.Definition, error)
	DefinitionVersions(ctx context.Context, accountID, id string, page store.Page) ([]store.Definition, error)
	ListDefinitions(ctx context.Context, accountID string, page store.Page) ([]store.Definition, error)
	DefinitionsOnAppVersion(ctx context.Context, accountID, app, version string, page store.Page) ([]store.Definition, error)
	DeleteDefinition(ctx context.Context, accountID, id string, version int) error
	// Connection is read to check the connections a definition names.
	Connection(ctx context.Context, accountID, id string) (store.Connection, error)
	// RecordedCalls are the calls of its latest runs, which dry runs of
	// app upgrades replay (PlanAppUpgrade).
	RecordedCalls(ctx context.Context, accountID, definitionID string, runs int) ([]store.RecordedCall, error)
	DeleteRecordedCalls(ctx context.Context, accountID, definitionID string) error
}

// definitionsTemporal is what Definitions needs of Temporal: the poll
// schedules, the app subscription workflows, and the runs a deleted
// definition leaves; client.Client implements it.
type definitionsTemporal interface {
	visibility
	TerminateWorkflow(ctx context.Context, workflowID, runID, reason string, details ...any) error
	ScheduleClient() client.ScheduleClient
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
		options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error)
}

// Definitions manages an account's definitions: every save is validated
// (the language, and the connectors and connections it uses) and stored as
// a new immutable version, and the definition's poll schedule follows its
// latest version.
type Definitions struct {
	store          definitionStore
	temporal       definitionsTemporal
	namespace      string
	connectors     *connectors.Registry
	localHTTPSteps bool
}

// NewDefinitions returns the definitions service over the metadata store
// and a Temporal client of namespace. registry has the connectors
// definitions may use; localHTTPSteps is what poll schedules pass on to the
// runs they start (intake.Options.LocalHTTPSteps).
func NewDefinitions(st definitionStore, temporal definitionsTemporal, namespace string, registry *connectors.Registry, localHTTPSteps bool) *Definitions {
	return &Definitions{store: st, temporal: temporal, namespace: namespace, connectors: registry, localHTTPSteps: localHTTPSteps}
}

// Create validates body as a new definition and stores it as version 1. A
// body that is not a definition is a *definition.ValidationError (or wraps
// definition.ErrMalformed). When the definition was saved but its poll
// schedule could not be set up, Create returns it with the error: it exists,
// and saving it again retries the schedule.
func (d *Definitions) Create(ctx context.Context, accountID string, body []byte) (*definition.Document, error) {
	doc, err := d.parse(ctx, accountID, body)
	if err != nil {
		return nil, err
	}
	saved, err := d.save(ctx, accountID, "", doc, d.store.CreateDefinition)
	if err != nil {
		return nil, err
	}
	out, err := view(saved)
	if err != nil {
		return nil, err
	}
	// Only an app trigger can poll or be subscribed: other new definitions
	// need neither.
	if _, _, app := definition.AppTrigger(doc.Trigger); app {
		if err := d.syncPollScheduleAfterSave(ctx, saved); err != nil {
			return out, err
		}
		if err := d.syncAppSubscriptionAfterSave(ctx, saved); err != nil {
			return out, err
		}
	}
	return out, d.withAppSubscriptions(ctx, accountID, out)
}

// Update validates body and stores it as the next version of definition id;
// runs already started keep the version they started on. With ifVersion > 0
// it stores only while ifVersion is the latest version, and is otherwise a
// store.ErrConflict.
func (d *Definitions) Update(ctx context.Context, accountID, id string, body []byte, ifVersion int) (*definition.Document, error) {
	doc, err := d.parse(ctx, accountID, body)
	if err != nil {
		return nil, err
	}
	write := d.store.UpdateDefinition
	if ifVersion > 0 {
		write = func(ctx context.Context, rec store.Definition) (store.Definition, error) {
			return d.store.UpdateDefinitionIfLatest(ctx, rec, ifVersion)
		}
	}
	saved, err := d.save(ctx, accountID, id, doc, write)
	if err != nil {
		return nil, err
	}
	// Also when this version does not poll or subscribe: an earlier one
	// may have.
	if err := d.syncPollScheduleAfterSave(ctx, saved); err != nil {
		return nil, err
	}
	if err := d.syncAppSubscriptionAfterSave(ctx, saved); err != nil {
		return nil, err
	}
	out, err := view(saved)
	if err != nil {
		return nil, err
	}
	return out, d.withAppSubscriptions(ctx, accountID, out)
}

// parse reads and validates a definition: the language, then what it uses
// from outside it (connectors, connections), pinning its apps' versions.
func (d *Definitions) parse(ctx context.Context, accountID string, body []byte) (*definition.Document, error) {
	doc, err := definition.Parse(body)
	if err != nil {
		return nil, err
	}
	problems, err := d.pinApps(ctx, accountID, doc)
	if err != nil {
		return nil, failed(err, "Could not check the definition's connections")
	}
	problems = append(problems, stateSchemaProblems(doc)...)
	if len(problems) > 0 {
		return nil, &definition.ValidationError{Errors: problems}
	}
	return doc, nil
}

// save writes a validated document through write (create or update).
func (d *Definitions) save(ctx context.Context, accountID, id string, doc *definition.Document,
	write func(context.Context, store.Definition) (store.Definition, error)) (store.Definition, error) {
	rec, err := toRecord(accountID, id, doc)
	if err != nil {
		return store.Definition{}, internal(err, "Could not encode the definition")
	}
	saved, err := write(ctx, rec)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Definition{}, notFound("Definition %s not found.", id)
	case errors.Is(err, store.ErrConflict):
		return store.Definition{}, &Error{What: "The definition changed since it was read; read it again and retry.", Err: err}
	case err != nil:
		return store.Definition{}, failed(err, "Could not store the definition")
	}
	return saved, nil
}

// List returns the latest version of each of the account's definitions.
func (d *Definitions) List(ctx context.Context, accountID string, page store.Page) ([]*definition.Document, error) {
	recs, err := d.store.ListDefinitions(ctx, accountID, page)
	if err != nil {
		return nil, failed(err, "Could not list definitions")
	}
	return d.viewsWithAppSubscriptions(ctx, accountID, recs)
}

// viewsWithAppSubscriptions is views, with each definition's app
// subscription.
func (d *Definitions) viewsWithAppSubscriptions(ctx context.Context, accountID string, recs []store.Definition) ([]*definition.Document, error) {
	docs, err := views(recs)
	if err != nil {
		return nil, err
	}
	return docs, d.withAppSubscriptions(ctx, accountID, docs...)
}

// Versions returns a definition's versions, newest first, or with version
// > 0 only that one; an unknown definition or version has none, as 8x8
// documents.
func (d *Definitions) Versions(ctx context.Context, accountID, id string, version int, page store.Page) ([]*definition.Document, error) {
	if version > 0 {
		rec, err := d.store.Definition(ctx, accountID, id, version)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return []*definition.Document{}, nil
		case err != nil:
			return nil, failed(err, "Could not read the definition")
		}
		return d.viewsWithAppSubscriptions(ctx, accountID, []store.Definition{rec})
	}
	recs, err := d.store.DefinitionVersions(ctx, accountID, id, page)
	if err != nil {
		return nil, failed(err, "Could not read the definition")
	}
	return d.viewsWithAppSubscriptions(ctx, accountID, recs)
}

// Get returns one stored version (0: the latest) of a definition.
func (d *Definitions) Get(ctx context.Context, accountID, id string, version int) (store.Definition, error) {
	return requireDefinition(ctx, d.store, accountID, id, version)
}

// OnAppVersion lists the account's definitions whose latest version pins
// version of app: what to move before a deprecated version goes.
func (d *Definitions) OnAppVersion(ctx context.Context, accountID, app, version string, page store.Page) ([]*definition.Document, error) {
	recs, err := d.store.DefinitionsOnAppVersion(ctx, accountID, app, version, page)
	if err != nil {
		return nil, failed(err, "Could not list the definitions on %s %s", app, version)
	}
	return views(recs)
}

// Delete deletes one version (version > 0) or all of a definition, after
// terminating their active runs, as 8x8 specifies. If a step fails nothing
// more is done, and calling Delete again finishes the job.
func (d *Definitions) Delete(ctx context.Context, accountID, id string, version int) error {
	if _, err := requireDefinition(ctx, d.store, accountID, id, version); err != nil {
		return err
	}
	query := runs.Runs(accountID).Is(runs.DefinitionIDKey, id).Status("Running")
	if version > 0 {
		query.IsInt(runs.DefinitionVersionKey, int64(version))
	}
	// The poll schedule goes first, so no poll starts runs while they are
	// terminated.
	if version == 0 {
		if err := d.deletePollSchedule(ctx, accountID, id); err != nil {
			return failed(err, "Could not delete the definition's poll schedule")
		}
		if err := d.endAppSubscription(ctx, accountID, id); err != nil {
			return failed(err, "Could not end the definition's app subscription")
		}
	}
	// Terminate first: if that fails, nothing is deleted and the caller
	// retries; a deleted definition never leaves runs behind.
	for {
		execs, err := listExecutions(ctx, d.temporal, d.namespace, query.String(), store.Page{Limit: 500})
		if err != nil {
			return failed(err, "Could not list the definition's runs")
		}
		for _, e := range execs {
			wid, rid := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
			if err := d.temporal.TerminateWorkflow(ctx, wid, rid, "definition deleted"); err != nil && !isNotFound(err) {
				return failed(err, "Could not terminate a run of the definition")
			}
		}
		if len(execs) < 500 {
			break
		}
	}
	// Its recorded runs (PlanAppUpgrade's) go before it, so that a retry
	// finds it to finish the job.
	if version == 0 {
		if err := d.store.DeleteRecordedCalls(ctx, accountID, id); err != nil {
			return failed(err, "Could not forget the definition's recorded runs")
		}
	}
	if err := d.store.DeleteDefinition(ctx, accountID, id, version); errors.Is(err, store.ErrNotFound) {
		return notFound("Definition %s not found.", id)
	} else if err != nil {
		return failed(err, "Could not delete the definition")
	}
	if version > 0 {
		// The latest remaining version now says whether and what to poll.
		if err := d.syncPollSchedule(ctx, accountID, id); err != nil {
			return failed(err, "Deleted the version, but could not update the definition's poll schedule")
		}
		if err := d.syncAppSubscription(ctx, accountID, id, version); err != nil {
			return failed(err, "Deleted the version, but could not update the definition's app subscription")
		}
	}
	return nil
}

// definitionReader reads one version of a definition; *store.Store
// implements it.
type definitionReader interface {
	Definition(ctx context.Context, accountID, id string, version int) (store.Definition, error)
}

// requireDefinition reads one version (0: the latest) of a definition of
// the account.
func requireDefinition(ctx context.Context, st definitionReader, accountID, id string, version int) (store.Definition, error) {
	rec, err := st.Definition(ctx, accountID, id, version)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Definition{}, notFound("Definition %s not found.", id)
	case err != nil:
		return store.Definition{}, failed(err, "Could not read the definition")
	}
	return rec, nil
}

// toRecord turns a validated document into the store's row. The stored body
// is the document without server-assigned fields, so every version holds
// exactly what its client sent (normalised).
func toRecord(accountID, id string, doc *definition.Document) (store.Definition, error) {
	clean := *doc
	clean.AccountID, clean.ID, clean.Version, clean.CreatedAt = "", "", 0, ""
	clean.Definition.ID, clean.Definition.Version = "", 0
	clean.AppSubscription = nil
	if clean.Status == "" {
		clean.Status = definition.StatusDisabled
	}
	body, err := json.Marshal(clean)
	if err != nil {
		return store.Definition{}, err
	}
	return store.Definition{
		Apps:         clean.Apps,
		AccountID:    accountID,
		ID:           id,
		SubAccountID: clean.SubAccountID,
		Trigger:      clean.Trigger,
		Status:       clean.Status,
		Name:         clean.Definition.Name,
		Body:         body,
	}, nil
}

// Document is the API's view of a stored version: 8x8's observed shape
// (id and version inside "definition") with the schema's top-level mirrors.
func Document(r store.Definition) (*definition.Document, error) {
	var doc definition.Document
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		return nil, err
	}
	doc.AccountID = r.AccountID
	doc.ID, doc.Definition.ID = r.ID, r.ID
	doc.Version, doc.Definition.Version = r.Version, r.Version
	doc.CreatedAt = r.CreatedAt.UTC().Format(TimeLayout)
	return &doc, nil
}

func view(r store.Definition) (*definition.Document, error) {
	doc, err := Document(r)
	if err != nil {
		return nil, internal(err, "Could not read the stored definition")
	}
	return doc, nil
}

func views(recs []store.Definition) ([]*definition.Document, error) {
	out := make([]*definition.Document, 0, len(recs))
	for _, r := range recs {
		doc, err := Document(r)
		if err != nil {
			return nil, internal(err, "Could not read a stored definition")
		}
		out = append(out, doc)
	}
	return out, nil
}

// stateSchemaProblems checks that the schemas the definition declares for
// its states are schemas Junction can check values against (connectors'
// subset of JSON Schema), so a SetState step never fails on the schema
// itself.
func stateSchemaProblems(doc *definition.Document) []definition.FieldError {
	var problems []definition.FieldError
	for _, scope := range slices.Sorted(maps.Keys(doc.States)) {
		raw := doc.States[scope].Schema
		if len(raw) == 0 {
			continue
		}
		schema, err := connectors.ParseSchema(raw)
		if err == nil {
			err = schema.Check()
		}
		if err != nil {
			problems = append(problems, definition.FieldError{Path: definition.PathKey("states", scope) + ".schema",
				Code: definition.CodeInvalidValue, Message: "is not a JSON schema Junction can check values against: " + err.Error()})
		}
	}
	return problems
}
