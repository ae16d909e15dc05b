package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// awaitStore keeps which runs wait for which sender; *store.Store
// implements it.
type awaitStore interface {
	RegisterAwait(ctx context.Context, a store.Await) error
	ReleaseAwait(ctx context.Context, accountID, key, workflowID string) error
}

// Awaits records the replies runs wait for, so that intake finds a waiting
// run the instant it says it waits.
type Awaits struct {
	Store awaitStore
}

// Register records that a run waits for a reply.
func (a *Awaits) Register(ctx context.Context, in runs.Await) error {
	if a.Store == nil {
		return temporal.NewNonRetryableApplicationError("this worker has no metadata store to register replies in", runs.ErrTypeNotConfigured, nil)
	}
	if err := a.Store.RegisterAwait(ctx, store.Await(in)); err != nil {
		return fmt.Errorf("registering the reply %s waits for: %w", in.WorkflowID, err)
	}
	return nil
}

// Release forgets it, once the wait is over.
func (a *Awaits) Release(ctx context.Context, in runs.Await) error {
	if a.Store == nil {
		return nil
	}
	if err := a.Store.ReleaseAwait(ctx, in.AccountID, in.Key, in.WorkflowID); err != nil {
		return fmt.Errorf("releasing the reply %s waited for: %w", in.WorkflowID, err)
	}
	return nil
}
