package manage

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/junction-run/junction/store"
)

// visibility lists workflow executions; client.Client implements it.
type visibility interface {
	ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
}

// listExecutions pages through visibility until offset+limit executions
// matching query are seen, and returns that page of them.
func listExecutions(ctx context.Context, v visibility, namespace, query string, page store.Page) ([]*workflowpb.WorkflowExecutionInfo, error) {
	want := page.Offset + page.Limit
	var all []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for len(all) < want {
		resp, err := v.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace:     namespace,
			PageSize:      int32(min(want, 1000)),
			NextPageToken: token,
			Query:         query,
		})
		if err != nil {
			return nil, err
		}
		all = append(all, resp.GetExecutions()...)
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			break
		}
	}
	if page.Offset >= len(all) {
		return nil, nil
	}
	return all[page.Offset:min(len(all), want)], nil
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
