package manage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/upgrade"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// UpgradeAppRequest asks to move a definition to another version of one
// app it uses (POST .../definitions/{id}/upgrade-app).
type UpgradeAppRequest struct {
	// App is the app's id, one the definition uses.
	App string `json:"app"`
	// Version is the version to move to.
	Version string `json:"version"`
	// DryRun asks what would change, and moves nothing.
	DryRun bool `json:"dryRun,omitempty"`
}

// UpgradeReport is what moving a definition to another version of an app
// would change: the schema changes that matter to what the definition
// uses, and what its recent runs' calls of the app would have sent and
// returned on the new version, their recorded answers standing in for the
// third party.
type UpgradeReport struct {
	App  string `json:"app"`
	From string `json:"from"`
	To   string `json:"to"`
	// DefinitionVersion is the definition's version compared: its latest.
	DefinitionVersion int              `json:"definitionVersion"`
	SchemaChanges     []upgrade.Change `json:"schemaChanges"`
	Runs              []RunReplay      `json:"runs"`
	// NotReplayed, when set, says why no run was replayed.
	NotReplayed string `json:"notReplayed,omitempty"`
	// Safe is true when nothing differs: no schema change, and every
	// replayed call sends and returns the same on the new version.
	Safe bool `json:"safe"`
}

// RunReplay is one recorded run, replayed.
type RunReplay struct {
	// WorkflowID is the run's id as the runs API names it;
	// TemporalWorkflowID its Temporal workflow id.
	WorkflowID         string       `json:"workflowId"`
	TemporalWorkflowID string       `json:"temporalWorkflowId"`
	RecordedAt         string       `json:"recordedAt"`
	Steps              []StepReplay `json:"steps"`
}

// StepReplay is one recorded call of the app in a run.
type StepReplay struct {
	Step   string `json:"step"`
	Action string `json:"action"`
	// Version is the version of the app the run called.
	Version     string           `json:"version"`
	Differences []upgrade.Change `json:"differences"`
}

// UpgradeReplayRuns is how many of a definition's latest recorded runs a
// dry run replays.
const UpgradeReplayRuns = 10

// upgradeTarget is a checked request: the definition's latest version,
// its document, the version of the app it pins and the one to move to.
type upgradeTarget struct {
	rec      store.Definition
	doc      definition.Document
	from, to connectors.Connector // from is nil when its version is gone
	fromName string
}

// checkUpgrade reads the definition and checks the request against it: the app
// is one the definition uses, the version one the account can use and not
// the one pinned already.
func (d *Definitions) checkUpgrade(ctx context.Context, accountID, id string, req UpgradeAppRequest) (*upgradeTarget, error) {
	var problems []FieldError
	if req.App == "" {
		problems = append(problems, FieldError{Path: "app", Code: definition.CodeRequired, Message: "is required: the id of an app the definition uses"})
	}
	if req.Version == "" {
		problems = append(problems, FieldError{Path: "version", Code: definition.CodeRequired, Message: "is required: the version to move to, such as \"2.0.0\""})
	}
	if len(problems) > 0 {
		return nil, invalid(problems)
	}
	rec, err := requireDefinition(ctx, d.store, accountID, id, 0)
	if err != nil {
		return nil, err
	}
	t := &upgradeTarget{rec: rec}
	if err := json.Unmarshal(rec.Body, &t.doc); err != nil {
		return nil, internal(err, "Could not read the stored definition")
	}
	used := t.doc.UsedApps()
	if !slices.Contains(used, req.App) {
		return nil, invalid([]FieldError{{Path: "app", Code: definition.CodeInvalidValue,
			Message: fmt.Sprintf("definition %s does not use app %s (it uses %s)", id, req.App, orNone(used))}})
	}
	t.to, err = d.connectors.LookupFor(ctx, accountID, req.App, req.Version)
	switch {
	case errors.Is(err, connectors.ErrUnknownConnector):
		return nil, invalid([]FieldError{{Path: "app", Code: definition.CodeInvalidValue, Message: err.Error()}})
	case errors.Is(err, connectors.ErrUnknownVersion):
		return nil, invalid([]FieldError{{Path: "version", Code: definition.CodeInvalidValue, Message: err.Error()}})
	case err != nil:
		return nil, failed(err, "Could not read app %s", req.App)
	}
	t.fromName = t.doc.Apps[req.App]
	t.from, err = d.connectors.LookupFor(ctx, accountID, req.App, t.fromName)
	switch {
	case err == nil:
		t.fromName = t.from.Spec().Version
	case errors.Is(err, connectors.ErrUnknownVersion):
		t.from = nil // deleted since: what the runs recorded stands in for it
	default:
		return nil, failed(err, "Could not read app %s %s", req.App, t.fromName)
	}
	if t.fromName == t.to.Spec().Version {
		return nil, invalid([]FieldError{{Path: "version", Code: definition.CodeInvalidValue,
			Message: fmt.Sprintf("definition %s already uses %s %s", id, req.App, t.fromName)}})
	}
	return t, nil
}

func orNone(apps []string) string {
	if len(apps) == 0 {
		return "none"
	}
	return strings.Join(apps, ", ")
}

// UpgradeApp stores a new version of the definition that pins version of
// app, through the same checks as any save (Update, conditional on the
// version read being the latest); runs already started keep the versions
// they started with.
func (d *Definitions) UpgradeApp(ctx context.Context, accountID, id string, req UpgradeAppRequest) (*definition.Document, error) {
	t, err := d.checkUpgrade(ctx, accountID, id, req)
	if err != nil {
		return nil, err
	}
	body, err := t.moved(req.App)
	if err != nil {
		return nil, internal(err, "Could not encode the definition")
	}
	return d.Update(ctx, accountID, id, body, t.rec.Version)
}

// moved is the definition's document pinning the target version of app.
func (t *upgradeTarget) moved(app string) ([]byte, error) {
	doc := t.doc
	doc.Apps = map[string]string{}
	for k, v := range t.doc.Apps {
		doc.Apps[k] = v
	}
	doc.Apps[app] = t.to.Spec().Version
	return json.Marshal(doc)
}

// PlanAppUpgrade is UpgradeApp's dry run: it moves nothing and reports what
// would change (UpgradeReport). Only apps kept as data are replayed: their
// actions are data whose replays provably send nothing, which built-in Go
// code cannot promise.
func (d *Definitions) PlanAppUpgrade(ctx context.Context, accountID, id string, req UpgradeAppRequest) (*UpgradeReport, error) {
	t, err := d.checkUpgrade(ctx, accountID, id, req)
	if err != nil {
		return nil, err
	}
	to := t.to.Spec()
	report := &UpgradeReport{App: req.App, From: t.fromName, To: to.Version, DefinitionVersion: t.rec.Version, Runs: []RunReplay{}}
	if t.from != nil {
		report.SchemaChanges = upgrade.Diff(t.from.Spec(), to, uses(&t.doc, req.App))
	} else {
		report.SchemaChanges = []upgrade.Change{{Kind: upgrade.VersionGone, From: t.fromName,
			Message: fmt.Sprintf("%s %s is no longer stored: its schemas cannot be compared, and replays compare with what the runs recorded", req.App, t.fromName)}}
	}
	faults, err := d.saveProblems(ctx, accountID, t, req.App)
	if err != nil {
		return nil, err
	}
	report.SchemaChanges = append(report.SchemaChanges, faults...)
	if d.connectors.BuiltIn(req.App) {
		report.NotReplayed = req.App + " is a built-in connector: only apps kept as data are replayed"
	} else if err := d.replay(ctx, accountID, id, req.App, t, report); err != nil {
		return nil, err
	}
	report.Safe = len(report.SchemaChanges) == 0 && !slices.ContainsFunc(report.Runs, func(r RunReplay) bool {
		return slices.ContainsFunc(r.Steps, func(s StepReplay) bool { return len(s.Differences) > 0 })
	})
	return report, nil
}

// uses is what the document uses of app: the actions of its steps, nested
// ones included, and its trigger.
func uses(doc *definition.Document, app string) upgrade.Uses {
	var u upgrade.Uses
	if a, trigger, ok := definition.ConnectorAction(doc.Trigger); ok && a == app {
		u.Trigger = trigger
	}
	var walk func([]definition.Step)
	walk = func(steps []definition.Step) {
		for _, s := range steps {
			if a, action, ok := definition.ConnectorAction(s.StepType); ok && a == app && !slices.Contains(u.Actions, action) {
				u.Actions = append(u.Actions, action)
			}
			for _, block := range s.Do {
				walk(block)
			}
		}
	}
	walk(doc.Definition.Steps)
	return u
}

// saveProblems checks the document pinning the new version as saving it
// would, and reports each problem as a DefinitionFault change.
func (d *Definitions) saveProblems(ctx context.Context, accountID string, t *upgradeTarget, app string) ([]upgrade.Change, error) {
	body, err := t.moved(app)
	if err != nil {
		return nil, internal(err, "Could not encode the definition")
	}
	_, err = d.parse(ctx, accountID, body)
	var verr *definition.ValidationError
	switch {
	case err == nil:
		return nil, nil
	case errors.As(err, &verr):
		out := make([]upgrade.Change, 0, len(verr.Errors))
		for _, fe := range verr.Errors {
			out = append(out, upgrade.Change{Kind: upgrade.DefinitionFault, Field: fe.Path,
				Message: "saving the definition on " + app + " " + t.to.Spec().Version + " would fail: " + fe.Path + " " + fe.Message})
		}
		return out, nil
	}
	return nil, err
}

// replay replays the app's recorded calls of the definition's latest runs
// on the old and the new version and reports what differs, run by run.
func (d *Definitions) replay(ctx context.Context, accountID, id, app string, t *upgradeTarget, report *UpgradeReport) error {
	calls, err := d.store.RecordedCalls(ctx, accountID, id, UpgradeReplayRuns)
	if err != nil {
		return failed(err, "Could not read the definition's recorded runs")
	}
	to := t.to.Spec().Version
	for _, rc := range calls {
		if rc.App != app {
			continue
		}
		if n := len(report.Runs); n == 0 || report.Runs[n-1].TemporalWorkflowID != rc.WorkflowID {
			report.Runs = append(report.Runs, RunReplay{WorkflowID: runs.RunEventID(rc.WorkflowID), TemporalWorkflowID: rc.WorkflowID,
				RecordedAt: rc.RecordedAt.UTC().Format(TimeLayout), Steps: []StepReplay{}})
		}
		run := &report.Runs[len(report.Runs)-1]
		run.Steps = append(run.Steps, StepReplay{Step: rc.StepID, Action: rc.Action, Version: rc.Version,
			Differences: d.replayCall(ctx, accountID, app, to, rc)})
	}
	return nil
}

// replayCall replays one recorded call on the version it ran (or, when
// that is gone, takes the record as it) and on version to, and compares.
func (d *Definitions) replayCall(ctx context.Context, accountID, app, to string, rc store.RecordedCall) []upgrade.Change {
	notReplayed := func(format string, args ...any) []upgrade.Change {
		return []upgrade.Change{{Kind: upgrade.NotReplayed, Action: rc.Action, Message: fmt.Sprintf(format, args...)}}
	}
	var call upgrade.Call
	if err := json.Unmarshal(rc.Record, &call); err != nil {
		return notReplayed("the record of the call cannot be read: %v", err)
	}
	if why := call.Replayable(); why != "" {
		return notReplayed("%s", why)
	}
	next, err := d.connectors.ActionFor(ctx, accountID, app, to, rc.Action)
	if err != nil {
		return notReplayed("%v", err)
	}
	if invalid := upgrade.CheckInput(next.Spec(), call.Input); len(invalid) > 0 {
		return invalid
	}
	old := upgrade.Recorded(call)
	if prev, err := d.connectors.ActionFor(ctx, accountID, app, rc.Version, rc.Action); err == nil {
		old = upgrade.Replay(ctx, prev, call)
		if old.Error != "" && call.Error == "" {
			// Both versions failing alike would compare equal and
			// hide every difference.
			return notReplayed("replaying it on %s, where it succeeded, fails: %s", rc.Version, old.Error)
		}
	}
	return upgrade.Compare(rc.Action, old, upgrade.Replay(ctx, next, call))
}
