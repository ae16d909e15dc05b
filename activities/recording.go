package activities

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/upgrade"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// CallRecorder keeps what the connector steps of a definition's latest runs
// sent and got, which dry runs of app upgrades replay; *store.Store
// implements it.
type CallRecorder interface {
	RecordCall(ctx context.Context, c store.RecordedCall) error
}

// recordTimeout bounds writing one record: the record serves dry runs, and
// must not hold up the step.
const recordTimeout = 5 * time.Second

// callClient is the HTTP client a connector's call sends through and, when
// the call is recorded, the Recorder that keeps what goes through it. The
// Recorder sits around the connection's credentials, so it never sees
// them. A call is recorded when the worker has a CallRecorder and the call
// is a step of a run of a definition, of an app an account keeps as data:
// a replay runs such an app's actions with the recorded answers and can be
// sure they send nothing, which built-in Go code cannot promise.
func (c *Connectors) callClient(ctx context.Context, in runs.ConnectorCall, creds auth.Credentials) (*http.Client, *upgrade.Recorder) {
	if c.Recorder == nil || in.DefinitionID == "" || !activity.IsActivity(ctx) || c.Registry.BuiltIn(in.Connector) {
		return c.httpClient(creds), nil
	}
	rec := upgrade.NewRecorder(creds.Transport(c.baseTransport()))
	return c.egressClient().WithTransport(rec.Transport()), rec
}

// record writes what rec kept of a call, with the call's input, connection
// settings, environment and result, every string scrubbed of the secrets
// in scope. Failing to record is logged, never the step's failure.
func (c *Connectors) record(ctx context.Context, in runs.ConnectorCall, rec *upgrade.Recorder, scope secretScope,
	input json.RawMessage, conn connectors.Connection, env connectors.EnvVars, out any, runErr error) {
	if rec == nil {
		return
	}
	log := activity.GetLogger(ctx)
	version := in.Version
	if version == "" { // the latest stable, as the call ran it
		if latest, err := c.Registry.LookupFor(ctx, in.AccountID, in.Connector, ""); err == nil {
			version = latest.Spec().Version
		}
	}
	var fields map[string]any
	if err := json.Unmarshal(input, &fields); err != nil {
		log.Warn("Could not record a call: its input is not an object", "step", in.StepID)
		return
	}
	exchanges, omitted := rec.Exchanges()
	call := upgrade.Call{Input: fields, AuthKind: conn.AuthKind, Fields: conn.Fields, Properties: conn.Properties,
		Env: env, Exchanges: exchanges, ExchangesOmitted: omitted, Output: out}
	if runErr != nil {
		call.Error = runErr.Error()
	}
	if raw, err := json.Marshal(call.Output); err != nil || len(raw) > upgrade.MaxOutputBytes {
		call.Output, call.OutputOmitted = nil, true
	}
	call.Scrub(scope.clean)
	raw, err := json.Marshal(call)
	if err != nil {
		log.Warn("Could not encode the record of a call", "step", in.StepID, "error", err)
		return
	}
	info := activity.GetInfo(ctx)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := c.Recorder.RecordCall(ctx, store.RecordedCall{AccountID: in.AccountID, DefinitionID: in.DefinitionID,
		WorkflowID: info.WorkflowExecution.ID, ActivityID: info.ActivityID, StepID: in.StepID,
		App: in.Connector, Version: version, Action: in.Action, Record: raw}); err != nil {
		log.Warn("Could not record a call", "step", in.StepID, "error", err)
	}
}
