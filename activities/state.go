package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// stateStore keeps the states; *store.Store implements it.
type stateStore interface {
	State(ctx context.Context, ref store.StateRef) (map[string]any, error)
	UpdateState(ctx context.Context, ref store.StateRef, expiresIn time.Duration, update func(map[string]any) (map[string]any, error)) (map[string]any, error)
}

// States reads and writes the states runs share.
type States struct {
	Store stateStore
}

// Read returns the states a run reads, by scope: "account", and "user"
// and "conversation" when the run has them.
func (s *States) Read(ctx context.Context, in runs.StateRead) (map[string]any, error) {
	if s.Store == nil {
		return nil, temporal.NewNonRetryableApplicationError("this worker has no metadata store to read states from", runs.ErrTypeNotConfigured, nil)
	}
	out := map[string]any{}
	account, err := s.Store.State(ctx, store.StateRef{AccountID: in.AccountID, Scope: "account"})
	if err != nil {
		return nil, err
	}
	out["account"] = account
	if in.UserKey != "" {
		user, err := s.Store.State(ctx, store.StateRef{AccountID: in.AccountID, Scope: "user", Key: in.UserKey})
		if err != nil {
			return nil, err
		}
		out["user"] = user
	}
	if in.ConversationID != "" {
		conversation, err := s.Store.State(ctx, store.StateRef{AccountID: in.AccountID, Scope: "conversation", Key: in.ConversationID})
		if err != nil {
			return nil, err
		}
		out["conversation"] = conversation
	}
	return out, nil
}

// errNoUser and errNoConversation: a SetState step of scope user, or
// conversation, in a run that has none.
var (
	errNoUser         = errors.New("the run has no user: its trigger is not a message from someone (scope user needs one)")
	errNoConversation = errors.New("the run has no conversation: its trigger is not a message of a channel (scope conversation needs one)")
)

// Write is a SetState step: its values are evaluated here, inside the
// write's transaction, against the state as it is then (state.<scope>), so
// that "{{state.user.count + 1}}" from twenty runs at once counts twenty.
// A null value removes the name. It returns the scope's state after the
// write.
func (s *States) Write(ctx context.Context, in runs.StateWrite) (map[string]any, error) {
	if s.Store == nil {
		return nil, temporal.NewNonRetryableApplicationError("this worker has no metadata store to write states to", runs.ErrTypeNotConfigured, nil)
	}
	ref := store.StateRef{AccountID: in.AccountID, Scope: in.Scope}
	if in.Scope == "user" {
		if in.UserKey == "" {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: %v", in.StepID, errNoUser), runs.ErrTypeInvalidStep, nil)
		}
		ref.Key = in.UserKey
	}
	if in.Scope == "conversation" {
		if in.ConversationID == "" {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: %v", in.StepID, errNoConversation), runs.ErrTypeInvalidStep, nil)
		}
		ref.Key = in.ConversationID
	}
	var expiresIn time.Duration
	if in.ExpiresIn != "" {
		d, err := definition.ParseDuration(in.ExpiresIn)
		if err != nil || d <= 0 {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: expiresIn %q is not a positive duration", in.StepID, in.ExpiresIn), runs.ErrTypeInvalidStep, nil)
		}
		expiresIn = d
	}
	var schema *connectors.Schema
	if len(in.Schema) > 0 {
		var err error
		if schema, err = connectors.ParseSchema(in.Schema); err != nil {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: the definition's %s state schema: %v", in.StepID, in.Scope, err), runs.ErrTypeInvalidStep, nil)
		}
	}
	var renderErr, schemaErr error
	state, err := s.Store.UpdateState(ctx, ref, expiresIn, func(current map[string]any) (map[string]any, error) {
		env := definition.Env{Data: in.Data, Steps: in.Steps, Item: in.Item, Index: in.Index,
			State: map[string]any{in.Scope: current}, Now: func() time.Time { return in.Now }}
		rendered, err := definition.Render(in.Values, env)
		if err != nil {
			renderErr = err
			return nil, err
		}
		values, _ := rendered.(map[string]any)
		for k, v := range values {
			if v == nil {
				delete(current, k)
			} else {
				current[k] = v
			}
		}
		if schema != nil {
			// Checked inside the write: a state that would break the
			// schema is never stored, whatever other runs wrote before.
			b, err := json.Marshal(current)
			if err == nil {
				err = schema.Validate(b)
			}
			if err != nil {
				schemaErr = err
				return nil, err
			}
		}
		return current, nil
	})
	if schemaErr != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: the %s state would not match the definition's schema, so it was not written: %v", in.StepID, in.Scope, schemaErr), runs.ErrTypeInvalidStep, nil)
	}
	if renderErr != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: values: %v", in.StepID, renderErr), runs.ErrTypeExpression, nil)
	}
	if errors.Is(err, store.ErrInvalid) {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: %v", in.StepID, err), runs.ErrTypeInvalidStep, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("step %s: %w", in.StepID, err)
	}
	return state, nil
}
