package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/junction-run/junction/runs"
)

// Poller is the code behind one declared polling trigger: it asks the third
// party for the items that appeared after a cursor. Junction runs it inside
// the Temporal activity runs.PollActivity(connector, trigger), once per poll,
// with the connection resolved as for actions; the cursor lives in Temporal
// (the poll schedule's last completion result), never in the connector.
//
// Like an action, Poll makes its calls through call.HTTP, reports what the
// third party refused as an *Error, and never retries.
type Poller interface {
	// Trigger is the id of the TriggerSpec it implements.
	Trigger() string
	// Poll returns the items after cursor, oldest first. cursor is "" on
	// the first poll of a subscription. call.Input is empty.
	Poll(ctx context.Context, call Call, cursor string) (PollResult, error)
}

// PollConnector is a Connector whose polling triggers have code. Register
// insists that a connector with polling triggers implements it, with
// exactly one Poller per declared polling trigger.
type PollConnector interface {
	Connector
	Pollers() []Poller
}

// PollResult is what one poll found.
type PollResult struct {
	// Items are the new items, oldest first. An API whose cursor is not
	// unique (a timestamp shared by several items) may return items again;
	// Junction drops those it has seen recently by id, and never starts an
	// item's run twice.
	Items []PollItem
	// Cursor is where the next poll starts once every item is taken: the
	// cursor passed in when there is nothing new.
	Cursor string
	// More says the third party has more items after Cursor already (the
	// poll stopped at a page bound), so Junction polls again at once.
	More bool
}

// PollItem is one item a poll found.
type PollItem struct {
	// ID is the item's unique id (at the trigger's IDPointer, with its
	// IDQualifiers): runs are deduplicated on it, across polls and against
	// webhooks.
	ID string
	// Payload is the item as a run receives it; it matches the trigger's
	// payload schema.
	Payload json.RawMessage
	// Cursor, when set, is where a poll starts to get only the items after
	// this one. Junction cuts a large batch after an item with a cursor
	// (a batch must fit in a Temporal payload) and polls the rest next.
	Cursor string
}

// PollItemOf makes the item of a JSON payload: its id is at
// spec.IDPointer, with the values at spec.IDQualifiers (EventOf). cursor
// is the item's own cursor ("" for none).
func PollItemOf(spec TriggerSpec, payload []byte, cursor string) (PollItem, error) {
	ev, err := EventOf(spec, nil, payload)
	if err != nil {
		return PollItem{}, fmt.Errorf("%w: %w", ErrPollPayload, err)
	}
	return PollItem{ID: ev.ID, Payload: ev.Payload, Cursor: cursor}, nil
}

// ErrPollPayload: the third party answered with an item the trigger does
// not document (no id, not a JSON object). Nothing retried fixes it.
var ErrPollPayload = errors.New("polled item is not understood")

// PollFunc is a Poller made of a trigger id and a function.
type PollFunc struct {
	ID string
	Fn func(ctx context.Context, call Call, cursor string) (PollResult, error)
}

var _ Poller = PollFunc{}

// Trigger returns the trigger's id.
func (p PollFunc) Trigger() string { return p.ID }

// Poll calls Fn.
func (p PollFunc) Poll(ctx context.Context, call Call, cursor string) (PollResult, error) {
	return p.Fn(ctx, call, cursor)
}

// WithPollers returns the connector with the code of its polling triggers;
// Register checks that they match the declared ones.
func (s *Static) WithPollers(pollers ...Poller) *Static {
	s.pollers = append(s.pollers, pollers...)
	return s
}

// Pollers returns the polling implementations.
func (s *Static) Pollers() []Poller { return s.pollers }

var _ PollConnector = (*Static)(nil)

// checkPollers adds to p every disagreement between the declared polling
// triggers and the implementations, both ways, and a polling trigger whose
// activity name would be an action's.
func checkPollers(p *problems, c Connector) {
	spec := c.Spec()
	var pollers []Poller
	if pc, ok := c.(PollConnector); ok {
		pollers = pc.Pollers()
	}
	implemented := checkImplementations(p, spec, TriggerPolling, "Pollers", pollers)
	actions := map[string]bool{}
	for _, a := range spec.Actions {
		actions[a.ID] = true
	}
	for _, t := range spec.Triggers {
		if t.Kind != TriggerPolling {
			continue
		}
		if !implemented[t.ID] {
			p.add("triggers["+t.ID+"]", "is a declared polling trigger without an implementation (Pollers())")
		}
		if actions[t.ID] {
			p.add("triggers["+t.ID+"]", "has the id of an action; both would run as the activity %s", runs.PollActivity(spec.ID, t.ID))
		}
		if t.IDPointer == "" {
			p.add("triggers["+t.ID+"].idPointer", "is required for a polling trigger: items are deduplicated on it")
		}
	}
}

// Poller finds the code of a polling trigger of a connector version (""
// for the latest stable), with its declaration.
func (r *Registry) Poller(id, version, trigger string) (Poller, TriggerSpec, error) {
	return triggerCode(r, id, version, trigger, TriggerPolling, func(e *entry) map[string]Poller { return e.pollers })
}

// PollActivities lists the activities of every polling trigger a worker
// must register, sorted by name; Action is the trigger's id. One activity
// serves every version; the version is in its input.
func (r *Registry) PollActivities() []ActivityInfo {
	return r.activityInfos(func(s Spec) []string {
		var ids []string
		for _, t := range s.Triggers {
			if t.Kind == TriggerPolling {
				ids = append(ids, t.ID)
			}
		}
		return ids
	}, runs.PollActivity)
}
