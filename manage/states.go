package manage

import (
	"context"
	"errors"
	"strings"

	"github.com/junction-run/junction/store"
)

// stateStore keeps the states, and the users and conversations whose
// states they may be; *store.Store implements it.
type stateStore interface {
	State(ctx context.Context, ref store.StateRef) (map[string]any, error)
	PutState(ctx context.Context, ref store.StateRef, values map[string]any) error
	DeleteState(ctx context.Context, ref store.StateRef) error
	ChatUser(ctx context.Context, accountID, id string) (store.ChatUser, error)
	Conversation(ctx context.Context, accountID, id string) (store.Conversation, error)
}

// Whose state a request names (the scope argument of States' methods).
const (
	// StateAccount is the account's own state; its id is "".
	StateAccount = "account"
	// StateUser is a user's: its id is the user's Junction id ("usr_…"),
	// or its channel address ("sms:6591234567", which has a ':'), the
	// state's key, as definitions written before users had ids name it.
	StateUser = "user"
	// StateConversation is a conversation's: its id is the conversation's
	// ("conv_…").
	StateConversation = "conversation"
)

// States reads and writes an account's states: its own, its users' and
// its conversations'.
type States struct {
	store stateStore
}

// NewStates returns the service.
func NewStates(st stateStore) *States { return &States{store: st} }

// ref names the state of scope and id. A user or conversation that does
// not exist is not found; with forgiving set (a delete) it is found=false
// instead, and there is nothing to do.
func (ss *States) ref(ctx context.Context, accountID, scope, id string, forgiving bool) (ref store.StateRef, found bool, err error) {
	ref = store.StateRef{AccountID: accountID, Scope: scope}
	missing := func(what string) (store.StateRef, bool, error) {
		if forgiving {
			return ref, false, nil
		}
		return ref, false, notFound("%s %s not found.", what, id)
	}
	switch scope {
	case StateAccount:
		return ref, true, nil
	case StateUser:
		if strings.Contains(id, ":") {
			// A channel address: the state's key itself.
			ref.Key = id
			return ref, true, nil
		}
		if !plausibleID(id) {
			return missing("User")
		}
		u, err := ss.store.ChatUser(ctx, accountID, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return missing("User")
		case err != nil:
			return ref, false, failed(err, "Could not read the user")
		}
		ref.Key = u.Key
		return ref, true, nil
	case StateConversation:
		if !plausibleID(id) {
			return missing("Conversation")
		}
		ref.Key = id
		if forgiving {
			// The state's key is the id: forgetting it needs no conversation.
			return ref, true, nil
		}
		_, err := ss.store.Conversation(ctx, accountID, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return missing("Conversation")
		case err != nil:
			return ref, false, failed(err, "Could not read the conversation")
		}
		return ref, true, nil
	}
	return ref, false, internal(errors.New("unknown state scope "+scope), "Could not find the state")
}

// Get reads a state; one never written is empty.
func (ss *States) Get(ctx context.Context, accountID, scope, id string) (map[string]any, error) {
	ref, _, err := ss.ref(ctx, accountID, scope, id, false)
	if err != nil {
		return nil, err
	}
	values, err := ss.store.State(ctx, ref)
	if err != nil {
		return nil, stateFailed(err, "Could not read the state")
	}
	return values, nil
}

// Put replaces a state's values.
func (ss *States) Put(ctx context.Context, accountID, scope, id string, values map[string]any) error {
	ref, _, err := ss.ref(ctx, accountID, scope, id, false)
	if err != nil {
		return err
	}
	if err := ss.store.PutState(ctx, ref, values); err != nil {
		return stateFailed(err, "Could not write the state")
	}
	return nil
}

// Delete forgets a state; forgetting the state of a user or conversation
// that does not exist is no error either.
func (ss *States) Delete(ctx context.Context, accountID, scope, id string) error {
	ref, found, err := ss.ref(ctx, accountID, scope, id, true)
	if err != nil || !found {
		return err
	}
	if err := ss.store.DeleteState(ctx, ref); err != nil {
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
