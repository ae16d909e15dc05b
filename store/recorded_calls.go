package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// RecordedCall is what one connector step of a run sent and got, as the worker recorded it for
// dry runs of app upgrades (package connectors/upgrade replays it). The worker scrubs it of
// secrets before it comes here; the store keeps it as it is.
type RecordedCall struct {
	AccountID    string
	DefinitionID string
	// WorkflowID is the run's Temporal workflow id; ActivityID the call's within it, which a
	// retry keeps (recording it again replaces the record).
	WorkflowID string
	ActivityID string
	StepID     string
	// App, Version and Action name what the run called: the version it pinned.
	App     string
	Version string
	Action  string
	// Record is the call as recorded: JSON, package connectors/upgrade's Call.
	Record json.RawMessage
	// RecordedAt is when the call was first recorded (set by the store, UTC).
	RecordedAt time.Time
}

// RecordedRunsKept is how many runs of each definition keep their recorded calls: recording a
// call of a new run forgets the calls of the runs older than the latest RecordedRunsKept.
const RecordedRunsKept = 20

// Limits on a recorded call.
const (
	maxRecordedText  = 512     // ids and names
	maxRecordedBytes = 1 << 20 // the record; the worker caps what it records well below
)

func (c RecordedCall) validate() error {
	if err := validateID("account", c.AccountID); err != nil {
		return err
	}
	for what, v := range map[string]string{"definition id": c.DefinitionID, "workflow id": c.WorkflowID, "activity id": c.ActivityID,
		"step id": c.StepID, "app": c.App, "action": c.Action} {
		if v == "" || len(v) > maxRecordedText || !storable(v) {
			return fmt.Errorf("recorded call: %s must be 1-%d bytes of UTF-8 without NUL: %w", what, maxRecordedText, ErrInvalid)
		}
	}
	if len(c.Version) > maxRecordedText || !storable(c.Version) {
		return fmt.Errorf("recorded call: version must be at most %d bytes of UTF-8 without NUL: %w", maxRecordedText, ErrInvalid)
	}
	if len(c.Record) == 0 || len(c.Record) > maxRecordedBytes || !storable(string(c.Record)) || !json.Valid(c.Record) {
		return fmt.Errorf("recorded call: the record must be valid JSON of 1 to %d bytes, UTF-8 without NUL: %w", maxRecordedBytes, ErrInvalid)
	}
	return nil
}

const recordedCallColumns = `account_id, definition_id, workflow_id, activity_id, step_id, app, app_version, action, record, recorded_at`

// RecordCall stores a call of a run of an existing account (ErrNotFound otherwise). A call
// recorded again (a retried attempt) replaces its record and keeps its time. The first call of a
// run forgets the calls of the definition's runs older than the latest RecordedRunsKept, so each
// definition keeps a bounded history.
func (s *Store) RecordCall(ctx context.Context, c RecordedCall) error {
	if err := c.validate(); err != nil {
		return err
	}
	c.RecordedAt = s.now().UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.accountExists(ctx, tx, c.AccountID); err != nil {
			return err
		}
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM recorded_calls WHERE account_id = ? AND workflow_id = ? LIMIT 1`),
			c.AccountID, c.WorkflowID).Scan(&one)
		newRun := errors.Is(err, sql.ErrNoRows)
		if err != nil && !newRun {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO recorded_calls (`+recordedCallColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, workflow_id, activity_id) DO UPDATE SET
				step_id = excluded.step_id, app = excluded.app, app_version = excluded.app_version,
				action = excluded.action, record = excluded.record`),
			c.AccountID, c.DefinitionID, c.WorkflowID, c.ActivityID, c.StepID, c.App, c.Version, c.Action, string(c.Record),
			formatTime(c.RecordedAt)); err != nil {
			return err
		}
		if !newRun {
			return nil
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM recorded_calls WHERE account_id = ? AND definition_id = ? AND workflow_id NOT IN (
			SELECT workflow_id FROM recorded_calls WHERE account_id = ? AND definition_id = ?
			GROUP BY workflow_id ORDER BY MIN(recorded_at) DESC, workflow_id DESC LIMIT ?)`),
			c.AccountID, c.DefinitionID, c.AccountID, c.DefinitionID, RecordedRunsKept)
		return err
	})
	if err != nil {
		return fmt.Errorf("recording call %s of run %s: %w", c.ActivityID, c.WorkflowID, err)
	}
	return nil
}

// RecordedCalls returns the recorded calls of the latest runs (at most runs of them, 1 or more)
// of a definition of the account: the newest run first, each run's calls in the order they were
// first recorded. None is an empty slice.
func (s *Store) RecordedCalls(ctx context.Context, accountID, definitionID string, runs int) ([]RecordedCall, error) {
	if runs < 1 {
		return nil, fmt.Errorf("recorded calls: runs %d must be 1 or more: %w", runs, ErrInvalid)
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT c.account_id, c.definition_id, c.workflow_id, c.activity_id, c.step_id,
			c.app, c.app_version, c.action, c.record, c.recorded_at
		FROM recorded_calls c JOIN (
			SELECT workflow_id, MIN(recorded_at) AS first_at FROM recorded_calls
			WHERE account_id = ? AND definition_id = ?
			GROUP BY workflow_id ORDER BY first_at DESC, workflow_id DESC LIMIT ?) r ON r.workflow_id = c.workflow_id
		WHERE c.account_id = ? AND c.definition_id = ?
		ORDER BY r.first_at DESC, c.workflow_id DESC, c.recorded_at, c.activity_id`),
		accountID, definitionID, runs, accountID, definitionID)
	if err != nil {
		return nil, fmt.Errorf("reading the recorded calls of definition %s: %w", definitionID, err)
	}
	calls, err := scanAll(rows, scanRecordedCall)
	if err != nil {
		return nil, fmt.Errorf("reading the recorded calls of definition %s: %w", definitionID, err)
	}
	return calls, nil
}

// DeleteRecordedCalls forgets the recorded calls of a definition: it is deleted. Forgetting what
// is not there is no error.
func (s *Store) DeleteRecordedCalls(ctx context.Context, accountID, definitionID string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM recorded_calls WHERE account_id = ? AND definition_id = ?`),
		accountID, definitionID); err != nil {
		return fmt.Errorf("deleting the recorded calls of definition %s: %w", definitionID, err)
	}
	return nil
}

func scanRecordedCall(row scanner) (RecordedCall, error) {
	var (
		c          RecordedCall
		record, at string
	)
	if err := row.Scan(&c.AccountID, &c.DefinitionID, &c.WorkflowID, &c.ActivityID, &c.StepID, &c.App, &c.Version, &c.Action,
		&record, &at); err != nil {
		return RecordedCall{}, err
	}
	c.Record = json.RawMessage(record)
	var err error
	if c.RecordedAt, err = parseTime(at); err != nil {
		return RecordedCall{}, err
	}
	return c, nil
}
