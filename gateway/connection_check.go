package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/junction-run/junction/runs"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"
)

// connectionTaskTimeout bounds how long a request waits for the short
// workflow that does its work (a connection test, a code exchange).
const connectionTaskTimeout = 60 * time.Second

// testConnection runs the app's check of the connection in a short
// workflow (the gateway never reads a connection's secrets; the activity
// does) and answers {"ok": true} or {"ok": false, "error": "..."} with
// what the third party said.
func (g *Gateway) testConnection(c *gin.Context) error {
	ctx := c.Request.Context()
	accountID, id := c.Param("accountId"), c.Param("connectionId")
	row, err := g.connections.Get(ctx, accountID, id)
	if err != nil {
		return err
	}
	var res runs.CheckConnectionResult
	err = g.runConnectionTask(ctx, "connection-test/"+accountID+"/"+id+"/"+uuid.NewString(), runs.CheckConnectionWorkflow,
		runs.CheckConnectionRequest{AccountID: accountID, ConnectionID: id, App: row.App, AppVersion: row.AppVersion}, &res)
	if err != nil {
		if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok {
			// The activity gave up (Vault down, say): still an answer in words.
			c.JSON(http.StatusOK, runs.CheckConnectionResult{Error: appErr.Error()})
			return nil
		}
		return failed("Could not run the connection test", err)
	}
	c.JSON(http.StatusOK, res)
	return nil
}

// runConnectionTask runs a short workflow and waits for its result.
func (g *Gateway) runConnectionTask(ctx context.Context, id, workflow string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, connectionTaskTimeout)
	defer cancel()
	run, err := g.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                runs.TaskQueue,
		WorkflowExecutionTimeout: connectionTaskTimeout,
	}, workflow, in)
	if err != nil {
		return err
	}
	err = run.Get(ctx, out)
	if err != nil {
		g.log.Info("connection task failed", zap.String("workflowId", id), zap.Error(err))
	}
	return err
}
