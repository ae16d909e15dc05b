package manage

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/junction-run/junction/runs"
)

// MaxResponseWait bounds how long a trigger's caller may wait for a run's
// answer: well inside the gateway's write timeout (2 minutes).
const MaxResponseWait = time.Minute

// Response waits up to wait for the answer a run's Respond step makes
// (runs.RespondUpdate). It returns the answer, or nil with ended set when
// the run ended without one (or failed), or nil with ended unset when the
// run is still going as the wait runs out.
func (rs *Runs) Response(ctx context.Context, workflowID, runID string, wait time.Duration) (answer *runs.Response, ended bool, err error) {
	waitCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	handle, err := rs.temporal.UpdateWorkflow(waitCtx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, RunID: runID, UpdateName: runs.RespondUpdate,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		var resp runs.Response
		if err = handle.Get(waitCtx, &resp); err == nil {
			return &resp, false, nil
		}
	}
	if ctx.Err() != nil {
		return nil, false, failed(ctx.Err(), "Could not wait for the run's answer")
	}
	// The update was not answered: the run ended without a Respond step
	// (or before the update reached it), or the wait ran out. Its end, if
	// it comes within the wait, tells which; its output holds the answer a
	// Respond step made before the run ended.
	var out runs.RunOutput
	if err := rs.temporal.GetWorkflow(waitCtx, workflowID, runID).Get(waitCtx, &out); err != nil {
		if waitCtx.Err() != nil && ctx.Err() == nil {
			return nil, false, nil // still going: the caller answers 202
		}
		return nil, true, nil // failed: it made no answer the caller can be given
	}
	return out.Response, true, nil
}
