package store

import (
	"context"
	"fmt"
	"strings"
)

// Await is a run waiting for a reply from one sender.
type Await struct {
	AccountID    string
	Key          string // runs.AwaitKey of the sender
	WorkflowID   string // the run's Temporal workflow id
	RunID        string // and run id
	DefinitionID string
	Version      int // the definition version the run runs
}

// maxAwaitText bounds each column of an await: ids and addresses.
const maxAwaitText = 512

// RegisterAwait records that a run waits for a reply from a sender. Registering it again is no
// error: a run's step that is retried, or replayed, registers the same row.
func (s *Store) RegisterAwait(ctx context.Context, a Await) error {
	for what, v := range map[string]string{"account": a.AccountID, "key": a.Key, "workflow id": a.WorkflowID, "run id": a.RunID, "definition id": a.DefinitionID} {
		if v == "" || len(v) > maxAwaitText || !storable(v) {
			return fmt.Errorf("await: %s must be 1-%d bytes of UTF-8 without NUL: %w", what, maxAwaitText, ErrInvalid)
		}
	}
	if a.Version < 1 {
		return fmt.Errorf("await: version %d must be 1 or more: %w", a.Version, ErrInvalid)
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO run_awaits (account_id, await_key, workflow_id, run_id, definition_id, version, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, await_key, workflow_id) DO NOTHING`),
		a.AccountID, a.Key, a.WorkflowID, a.RunID, a.DefinitionID, a.Version, formatTime(s.now()))
	if err != nil {
		return fmt.Errorf("registering the await of %s: %w", a.WorkflowID, err)
	}
	return nil
}

// ReleaseAwait forgets that a run waits for a reply from a sender; forgetting what is not there
// is no error.
func (s *Store) ReleaseAwait(ctx context.Context, accountID, key, workflowID string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM run_awaits WHERE account_id = ? AND await_key = ? AND workflow_id = ?`),
		accountID, key, workflowID); err != nil {
		return fmt.Errorf("releasing the await of %s: %w", workflowID, err)
	}
	return nil
}

// Awaiting returns the runs of the account that wait for a reply from any of keys, ordered by
// workflow id.
func (s *Store) Awaiting(ctx context.Context, accountID string, keys ...string) ([]Await, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := []any{accountID}
	for _, k := range keys {
		args = append(args, k)
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT account_id, await_key, workflow_id, run_id, definition_id, version FROM run_awaits
		WHERE account_id = ? AND await_key IN (?`+strings.Repeat(", ?", len(keys)-1)+`) ORDER BY workflow_id, await_key`), args...)
	if err != nil {
		return nil, fmt.Errorf("finding runs awaiting a reply: %w", err)
	}
	return scanAll(rows, func(r scanner) (Await, error) {
		var a Await
		return a, r.Scan(&a.AccountID, &a.Key, &a.WorkflowID, &a.RunID, &a.DefinitionID, &a.Version)
	})
}
