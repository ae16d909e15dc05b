package manage

import (
	"context"
	"errors"

	"github.com/junction-run/junction/store"
)

// stateStore keeps the states; *store.Store implements it.
type stateStore interface {
	State(ctx context.Context, ref store.StateRef) (map[string]any, error)
	PutState(ctx context.Context, ref store.StateRef, values map[string]any) error
	DeleteState(ctx context.Context, ref store.StateRef) error
}

// States reads and writes an account's states: its own (userKey "") and
// its users'.
type States struct {
	store stateStore
}

// NewStates returns the service.
func NewStates(st stateStore) *States { return &States{store: st} }

func stateRef(accountID, userKey string) store.StateRef {
	if userKey == "" {
		return store.StateRef{AccountID: accountID, Scope: "account"}
	}
	return store.StateRef{AccountID: accountID, Scope: "user", Key: userKey}
}

// Get reads a state; one never written is empty.
func (ss *States) Get(ctx context.Context, accountID, userKey string) (map[string]any, error) {
	values, err := ss.store.State(ctx, stateRef(accountID, userKey))
	if err != nil {
		return nil, stateFailed(err, "Could not read the state")
	}
	return values, nil
}

// Put replaces a state's values.
func (ss *States) Put(ctx context.Context, accountID, userKey string, values map[string]any) error {
	if err := ss.store.PutState(ctx, stateRef(accountID, userKey), values); err != nil {
		return stateFailed(err, "Could not write the state")
	}
	return nil
}

// Delete forgets a state.
func (ss *States) Delete(ctx context.Context, accountID, userKey string) error {
	if err := ss.store.DeleteState(ctx, stateRef(accountID, userKey)); err != nil {
		return stateFailed(err, "Could not delete the state")
	}
	return nil
}

func stateFailed(err error, what string) error {
	if errors.Is(err, store.ErrInvalid) {
		return &Error{What: what + ": " + err.Error(), Err: err,
			Fields: []FieldError{{Path: "state", Code: "invalid_value", Message: err.Error()}}}
	}
	return failed(err, "%s", what)
}
