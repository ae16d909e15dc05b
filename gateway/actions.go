package gateway

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/runs"
)

// How long a request to run an action waits for the run's outcome before
// it answers 202: the default, and the most a caller may ask for (well
// inside the server's write timeout, internal/app.WriteTimeout).
const (
	DefaultActionWait = 10 * time.Second
	MaxActionWait     = 60 * time.Second
)

// actionRunView is an action's run as the API shows it: its ids, where it
// is, and its output once completed or its error once failed. It never
// holds a secret: the connection's are read in the activity, and the
// output and error are what the connector returned, scrubbed as every
// step's are.
type actionRunView struct {
	Action             string           `json:"action"`
	WorkflowID         string           `json:"workflowId"`
	TemporalWorkflowID string           `json:"temporalWorkflowId"`
	RunID              string           `json:"runId"`
	Status             string           `json:"status"`
	TemporalStatus     string           `json:"temporalStatus,omitempty"`
	StartedAt          string           `json:"startedAt,omitempty"`
	CompletedAt        string           `json:"completedAt,omitempty"`
	Output             any              `json:"output,omitempty"`
	Error              *actionErrorView `json:"error,omitempty"`
	// HistoryURL is the run's history in the Temporal UI, when the
	// gateway knows the UI.
	HistoryURL string `json:"historyUrl,omitempty"`
}

type actionErrorView struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

func (g *Gateway) viewActionRun(r manage.ActionRun) actionRunView {
	v := actionRunView{Action: r.Action, WorkflowID: r.WorkflowID, TemporalWorkflowID: r.TemporalWorkflowID, RunID: r.RunID,
		Status: string(r.Status), TemporalStatus: r.TemporalStatus, StartedAt: formatTime(r.StartedAt), CompletedAt: formatTime(r.CompletedAt),
		Output: r.Output, HistoryURL: g.historyURL(r.TemporalWorkflowID, r.RunID)}
	if r.Error != nil {
		v.Error = &actionErrorView{Type: r.Error.Type, Message: r.Error.Message}
	}
	return v
}

// actionRunPath is where an action's run is read.
func actionRunPath(accountID, action, workflowID string) string {
	return "/api/v1/accounts/" + accountID + "/actions/" + action + "/runs/" + workflowID
}

// runAction runs one connector action durably, as the one step of a run
// that intake starts (retries, secrets and the Idempotency-Key as for any
// run), and answers 200 with its outcome when the run ends within wait,
// else 202 with the run, whose outcome the Location says where to read. A
// run that failed is an outcome too: 200 with status "failed" and the
// error, the answer reading it later gets.
func (g *Gateway) runAction(c *gin.Context) error {
	ctx := c.Request.Context()
	accountID, action := c.Param("accountId"), c.Param("action")
	id, err := eventID(c)
	if err != nil {
		return err
	}
	var req struct {
		manage.ActionRequest
		// Wait is a Go duration, 0 to MaxActionWait; absent is
		// DefaultActionWait.
		Wait *string `json:"wait"`
	}
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	wait := DefaultActionWait
	if req.Wait != nil {
		if wait, err = parseWait(*req.Wait, "wait"); err != nil {
			return err
		}
	}
	checked, err := g.actions.Check(ctx, accountID, action, req.ActionRequest)
	if err != nil {
		return err
	}
	started, err := g.intake.RunAction(ctx, intake.Action{AccountID: accountID, Step: checked.Step, AppVersion: checked.AppVersion,
		Inputs: req.Inputs, EventID: id})
	if err != nil {
		return err
	}
	c.Header("Location", actionRunPath(accountID, action, started.WorkflowID))
	run, err := g.actions.Result(ctx, accountID, action, started.WorkflowID, wait)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		// The run is started and stays so: answering an error here would
		// make a caller without an Idempotency-Key start it again.
		g.log.Warn("could not read an action's run it started", zap.String("workflowId", started.TemporalWorkflowID), zap.Error(err))
		run = manage.ActionRun{Action: action, WorkflowID: started.WorkflowID, TemporalWorkflowID: started.TemporalWorkflowID,
			RunID: started.RunID, Status: manage.ActionRunning}
	}
	status := http.StatusOK
	if run.Status == manage.ActionRunning {
		status = http.StatusAccepted
	}
	c.JSON(status, g.viewActionRun(run))
	return nil
}

// getActionRun reads the run of an action a request started (its
// workflowId is the request's event id), waiting up to ?wait= (default 0)
// for it to end.
func (g *Gateway) getActionRun(c *gin.Context) error {
	action := c.Param("action")
	if _, _, ok := definition.ConnectorAction(action); !ok {
		return badRequest("Invalid action.", fieldError{Path: "action", Code: definition.CodeInvalidValue,
			Message: "must be <app>.<action> in lower case, e.g. shopify.update_order"})
	}
	workflowID := c.Param("workflowId")
	if !runs.ValidEventID(workflowID) {
		return badRequest("Invalid workflow id.", fieldError{Path: "workflowId", Message: runs.EventIDRule})
	}
	var wait time.Duration
	if v, present := c.GetQuery("wait"); present {
		var err error
		if wait, err = parseWait(v, "wait"); err != nil {
			return err
		}
	}
	run, err := g.actions.Result(c.Request.Context(), c.Param("accountId"), action, workflowID, wait)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, g.viewActionRun(run))
	return nil
}

// parseWait reads how long to wait for a run: a Go duration from 0 to
// MaxActionWait.
func parseWait(v, path string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > MaxActionWait {
		return 0, outOfRange(path+" must be a duration from 0s to "+MaxActionWait.String()+", such as 10s.",
			fieldError{Path: path, Code: definition.CodeInvalidValue, Message: "must be a duration from 0s to " + MaxActionWait.String() + ", such as 10s"})
	}
	return d, nil
}
