package connectortest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
)

// PollSource is what the kit needs of the fake of a third party whose
// triggers poll: a way to make a new item appear, as one would between two
// polls. A connector with polling triggers fails the kit when its fake
// does not implement it. The fake must hold at least one item of each
// polling trigger when it starts.
type PollSource interface {
	// AddPollItem makes a new item of the polling trigger appear and
	// returns its id, as the trigger's IDPointer (and IDQualifiers) find it.
	AddPollItem(trigger string) (string, error)
}

// CheckPollers runs, for every polling trigger of c, the checks of the
// kit's polls/<trigger> subtests; see RunWith. call is the connection and
// client the polls run with.
func CheckPollers(t *testing.T, c connectors.Connector, fake Fake, call connectors.Call, timeout time.Duration) {
	t.Helper()
	var pollers []connectors.Poller
	if pc, ok := c.(connectors.PollConnector); ok {
		pollers = pc.Pollers()
	}
	forEachTrigger(t, c, connectors.TriggerPolling, "polls", pollers, func(t *testing.T, tr connectors.TriggerSpec, pl connectors.Poller) {
		source, ok := fake.(PollSource)
		if !ok {
			t.Fatalf("the fake %T cannot add items to poll (connectortest.PollSource)", fake)
		}
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		errorLines(t, CheckPoller(ctx, tr, pl, call, source))
		for _, ec := range ErrorCases {
			t.Run(fmt.Sprint(ec.Status), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), timeout)
				defer cancel()
				if err := CheckPollError(ctx, pl, call, fake, ec); err != nil {
					t.Error(err)
				}
			})
		}
	})
}

// CheckPoller checks one polling trigger's code against its declaration
// and the fake: the first poll returns the fake's items, each with the id
// its payload holds at IDPointer and a payload that matches the schema;
// polling again from the returned cursor finds nothing new; an item the
// fake adds then is found, alone, by the next poll; and an item's own
// cursor resumes after it. It reports every problem, one a line.
func CheckPoller(ctx context.Context, tr connectors.TriggerSpec, pl connectors.Poller, call connectors.Call, source PollSource) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	seen := map[string]bool{}
	checkItems := func(what string, items []connectors.PollItem) {
		ids := map[string]bool{}
		for i, it := range items {
			if it.ID == "" {
				fail("%s: item %d has no id", what, i)
				continue
			}
			if ids[it.ID] {
				fail("%s: item %s is returned twice", what, it.ID)
			}
			ids[it.ID] = true
			if want, err := expectedID(tr, it.Payload); err != nil || want != it.ID {
				fail("%s: item %s has %s at %s (%v)", what, it.ID, want, strings.Join(tr.IDPointers(), ", "), err)
			}
			if err := tr.Payload.Validate(it.Payload); err != nil {
				fail("%s: item %s does not match the payload schema: %v", what, it.ID, err)
			}
		}
	}

	first, err := pl.Poll(ctx, call, "")
	if err != nil {
		return fmt.Errorf("the first poll: %w", err)
	}
	checkItems("the first poll", first.Items)
	if len(first.Items) == 0 {
		fail("the first poll found nothing, though the fake holds items")
	}
	if first.Cursor == "" {
		fail("the first poll returned no cursor")
	}
	for _, it := range first.Items {
		seen[it.ID] = true
	}

	cursor := first.Cursor
	for first.More && cursor != "" { // read what one poll could not
		next, err := pl.Poll(ctx, call, cursor)
		if err != nil {
			return fmt.Errorf("polling on from %q: %w", cursor, err)
		}
		for _, it := range next.Items {
			seen[it.ID] = true
		}
		first, cursor = next, next.Cursor
	}

	again, err := pl.Poll(ctx, call, cursor)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("polling again from %q: %w", cursor, err))...)
	}
	checkItems("polling again", again.Items)
	for _, it := range again.Items {
		if !seen[it.ID] {
			fail("polling again from %q found item %s, which is not new", cursor, it.ID)
		}
	}
	if again.Cursor == "" {
		fail("polling again returned no cursor")
	}

	added, err := source.AddPollItem(tr.ID)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("the fake could not add an item: %w", err))...)
	}
	fresh, err := pl.Poll(ctx, call, again.Cursor)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("polling after an item was added: %w", err))...)
	}
	checkItems("after an item was added", fresh.Items)
	var news []string
	for _, it := range fresh.Items {
		if !seen[it.ID] {
			news = append(news, it.ID)
		}
	}
	if len(news) != 1 || news[0] != added {
		fail("after item %s was added, the poll found the new items %q, want exactly %s", added, news, added)
	}
	if fresh.Cursor == "" || fresh.Cursor == again.Cursor {
		fail("after an item was added, the cursor is %q (it was %q)", fresh.Cursor, again.Cursor)
	}

	// An item's own cursor resumes after it.
	for i, it := range first.Items {
		if it.Cursor == "" {
			continue
		}
		after, err := pl.Poll(ctx, call, it.Cursor)
		if err != nil {
			fail("polling from item %s's cursor %q: %v", it.ID, it.Cursor, err)
			break
		}
		for _, a := range after.Items {
			for _, earlier := range first.Items[:i+1] {
				if a.ID == earlier.ID {
					fail("polling from item %s's cursor %q found item %s again", it.ID, it.Cursor, a.ID)
				}
			}
		}
		break
	}
	return errors.Join(errs...)
}

// CheckPollError makes the fake fail once as ec says, polls, and reports
// anything but the expected *connectors.Error, as CheckErrorCase does for
// actions.
func CheckPollError(ctx context.Context, pl connectors.Poller, call connectors.Call, fake Fake, ec ErrorCase) error {
	fake.FailNext(ec.Status, ec.RetryAfter)
	_, err := pl.Poll(ctx, call, "")
	if err == nil {
		return fmt.Errorf("poll %s succeeded though the fake answered %d: did it call the fake, or retry by itself?", pl.Trigger(), ec.Status)
	}
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		return fmt.Errorf("poll %s: the fake answered %d and the poll returned %q, which is no *connectors.Error", pl.Trigger(), ec.Status, err)
	}
	if ce.Kind != ec.Kind || ce.StatusCode != ec.Status || ce.RetryAfter != ec.RetryAfter || strings.TrimSpace(ce.Message) == "" {
		return fmt.Errorf("poll %s: the fake answered %d (retry after %s) and the error is kind %s, status %d, retry after %s, message %q; want kind %s",
			pl.Trigger(), ec.Status, ec.RetryAfter, ce.Kind, ce.StatusCode, ce.RetryAfter, ce.Message, ec.Kind)
	}
	if s, ok := call.Connection.Secrets.(connectors.SecretValues); ok {
		for name, v := range s {
			if len(v) >= 4 && strings.Contains(err.Error(), v) {
				return fmt.Errorf("poll %s: the error quotes the secret %s", pl.Trigger(), name)
			}
		}
	}
	return nil
}
