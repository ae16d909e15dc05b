package declarative_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/connectors/declarative/declarativetest"
)

// feedApp is testdata/valid/acme_feed.json with its trigger's poll block
// replaced by poll (kept when poll is "").
func feedApp(t *testing.T, poll string) connectors.Connector {
	t.Helper()
	data, err := os.ReadFile("testdata/valid/acme_feed.json")
	if err != nil {
		t.Fatal(err)
	}
	if poll != "" {
		if data, err = declarativetest.WithPoll(data, poll); err != nil {
			t.Fatal(err)
		}
	}
	app, err := declarative.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Connector()
	if err != nil {
		t.Fatal(err)
	}
	if err := connectors.NewRegistry().Register(c); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return c
}

func feedOptions() connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind: connectors.AuthBearer,
			Secrets:  connectors.SecretValues{connectors.FieldToken: declarativetest.Token},
		},
		Authenticate: auth.Bearer(declarativetest.Token).Transport,
	}
}

func newItemPoller(t *testing.T, c connectors.Connector) connectors.Poller {
	t.Helper()
	pollers := c.(connectors.PollConnector).Pollers()
	if len(pollers) != 1 || pollers[0].Trigger() != "new_item" {
		t.Fatalf("pollers %v", pollers)
	}
	return pollers[0]
}

// TestPollConformance runs the conformance kit's polling checks on the
// app's new_item trigger against the Acme Feed fake: items, ids, payloads,
// cursors, an added item, an item's own cursor, and each error the kit
// injects.
func TestPollConformance(t *testing.T) {
	c := feedApp(t, "")
	fake := declarativetest.New(t, 4, 1)
	connectortest.CheckPollers(t, c, fake, feedOptions().Call(t, fake.BaseURL(), ""), 10*time.Second)
	if err := connectortest.CheckManifest(c); err != nil {
		t.Error(err)
	}
}

// pollRun polls one trigger again and again, as the Poll workflow does,
// keeping the cursor between polls.
type pollRun struct {
	t      *testing.T
	pl     connectors.Poller
	call   connectors.Call
	cursor string
	// resume: check that an item's own cursor resumes after it.
	resume bool
	// ordered: check that each poll's items are oldest first.
	ordered bool
}

// poll polls once from cursor; a failure the fake injected (a 500, or a
// 429 with its Retry-After) is retried, as Temporal retries the activity.
func (r *pollRun) poll(cursor string) connectors.PollResult {
	r.t.Helper()
	for range 10 {
		res, err := r.pl.Poll(r.t.Context(), r.call, cursor)
		if err == nil {
			return res
		}
		var ce *connectors.Error
		switch {
		case !errors.As(err, &ce):
			r.t.Fatalf("poll: %v is no *connectors.Error", err)
		case ce.StatusCode == http.StatusInternalServerError && ce.Kind == connectors.Unavailable:
		case ce.StatusCode == http.StatusTooManyRequests && ce.Kind == connectors.RateLimited && ce.RetryAfter == time.Second:
		default:
			r.t.Fatalf("poll: %v (kind %s, status %d, retry after %s)", err, ce.Kind, ce.StatusCode, ce.RetryAfter)
		}
	}
	r.t.Fatal("poll: failed ten times in a row")
	return connectors.PollResult{}
}

// drain polls until a poll finds nothing and says there is nothing more
// (a poll may leave items for the next tick: after a 429), and returns the
// items found, in order.
func (r *pollRun) drain() []string {
	r.t.Helper()
	var ids []string
	for range 100 {
		res := r.poll(r.cursor)
		times := make([]time.Time, len(res.Items))
		for i, it := range res.Items {
			var item declarativetest.Item
			if err := json.Unmarshal(it.Payload, &item); err != nil || strconv.FormatInt(item.ID, 10) != it.ID {
				r.t.Fatalf("item %s: payload %s (%v)", it.ID, it.Payload, err)
			}
			times[i] = item.UpdatedAt
			ids = append(ids, it.ID)
		}
		if r.ordered && !slices.IsSortedFunc(times, time.Time.Compare) {
			r.t.Errorf("a poll returned items out of order: %v at %v", itemIDs(res.Items), times)
		}
		if r.resume && len(res.Items) >= 2 {
			after := r.poll(res.Items[0].Cursor)
			if len(after.Items) == 0 || after.Items[0].ID != res.Items[1].ID {
				r.t.Errorf("polling from item %s's cursor: %v, want item %s first", res.Items[0].ID, itemIDs(after.Items), res.Items[1].ID)
			}
		}
		r.cursor = res.Cursor
		if !res.More && len(res.Items) == 0 {
			return ids
		}
	}
	r.t.Fatal("polls never ran out of items")
	return nil
}

func itemIDs(items []connectors.PollItem) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

// TestPollRules polls the Acme Feed fake with each cursor rule,
// pagination and dedupe strategy, over pages that overlap, repeat items
// and list them out of order, with calls that fail: every item is
// returned exactly once, oldest first, and the ones added later on the
// next polls.
func TestPollRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		poll string
		// backfill: the first polls return every item; else only the
		// newest (a poll without a cursor reads the latest pages).
		backfill bool
		// resume: an item's cursor resumes right after it.
		resume bool
		// stable: the rule needs the listing's order as it is.
		stable bool
		// sorted: the rule orders items by their id or time, whatever
		// the listing's order.
		sorted bool
		// failEvery, when set, replaces the faulty fake's every third
		// call failing: a poll without a cursor reads down from the
		// newest item each time, so it needs more calls in a row.
		failEvery int
	}{
		{name: "since_id, link header", backfill: true, resume: true, sorted: true, poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"since_id": "{{cursor}}", "limit": "3"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "since_id"},
			"pagination": {"kind": "link_header", "maxPages": 3}, "maxItems": 5}`},
		{name: "since_id, page number", backfill: true, resume: true, sorted: true, poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"since_id": "{{cursor}}", "limit": "3", "page": "{{page}}"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "since_id", "field": "/id"},
			"pagination": {"kind": "page_number", "size": 3, "maxPages": 3}, "maxItems": 5}`},
		{name: "updated_after, cursor pages, id dedupe", backfill: true, resume: true, sorted: true, poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"updated_after": "{{cursor}}", "limit": "3", "page_token": "{{page}}"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "updated_after", "field": "/updated_at"},
			"pagination": {"kind": "cursor", "next": "$.next_page_token", "maxPages": 3}, "maxItems": 5}`},
		{name: "updated_after, timestamp dedupe", backfill: true, resume: true, sorted: true, poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"updated_after": "{{cursor}}", "limit": "3"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "updated_after", "field": "/updated_at"},
			"pagination": {"kind": "link_header", "maxPages": 3}, "maxItems": 5, "dedupe": {"strategy": "timestamp"}}`},
		{name: "updated_after, timestamp dedupe with a window", backfill: true, resume: true, sorted: true, poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"updated_after": "{{cursor}}", "limit": "4"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "updated_after", "field": "/updated_at"},
			"pagination": {"kind": "link_header", "maxPages": 2}, "maxItems": 5, "dedupe": {"strategy": "timestamp", "window": "10s"}}`},
		{name: "page_token, cursor pages", backfill: true, resume: true, poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"sync_token": "{{cursor}}", "limit": "3", "page_token": "{{page}}"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "page_token", "from": "$.next_sync_token"},
			"pagination": {"kind": "cursor", "next": "$.next_page_token", "maxPages": 3}, "maxItems": 5}`},
		{name: "page_token, page numbers, id window in time", backfill: true, resume: true, poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"sync_token": "{{cursor}}", "limit": "3", "page": "{{page}}"}},
			"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "page_token", "from": "$.next_sync_token"},
			"pagination": {"kind": "page_number", "maxPages": 2}, "maxItems": 4, "dedupe": {"strategy": "id", "window": "24h"}}`},
		{name: "no cursor, newest first, last item", stable: true, failEvery: 5, poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"sort": "desc", "limit": "3", "page": "{{page}}"}},
			"itemsPath": "$.data", "idPath": "/id",
			"pagination": {"kind": "page_number", "maxPages": 3}, "maxItems": 5, "dedupe": {"strategy": "last_item", "window": 3}}`},
		{name: "no cursor, newest first, id dedupe", backfill: true, failEvery: 11, poll: `{
			"request": {"method": "GET", "path": "/v1/items", "query": {"sort": "desc", "limit": "3", "page": "{{page}}"}},
			"itemsPath": "$.data", "idPath": "/id",
			"pagination": {"kind": "page_number", "maxPages": 10}, "maxItems": 5, "dedupe": {"strategy": "id", "window": 100}}`},
	} {
		for _, faults := range []declarativetest.Faults{{}, {Overlap: true, Repeat: true, Reorder: true, FailEvery: 3}} {
			name := tc.name
			if faults != (declarativetest.Faults{}) {
				name += ", faulty"
				if tc.failEvery > 0 {
					faults.FailEvery = tc.failEvery
				}
				if tc.stable {
					// last_item reads down to the item it returned
					// last: items listed out of order around it
					// would be lost.
					faults.Reorder = false
				}
			}
			t.Run(name, func(t *testing.T) {
				fake := declarativetest.New(t, 23, 2)
				fake.SetFaults(faults)
				r := &pollRun{t: t, pl: newItemPoller(t, feedApp(t, tc.poll)), call: feedOptions().Call(t, fake.BaseURL(), ""),
					resume: tc.resume, ordered: tc.sorted || !faults.Reorder}

				first := r.drain()
				all := declarativetest.IDs(fake.Items())
				switch {
				case tc.backfill:
					slices.Sort(first)
					if want := slices.Sorted(slices.Values(all)); !slices.Equal(first, want) {
						t.Fatalf("the first polls found %v, want every item once: %v", first, want)
					}
				case len(first) == 0 || !slices.Equal(first, all[len(all)-len(first):]):
					t.Fatalf("the first polls found %v, want the newest items, oldest first, of %v", first, all)
				}

				var added []declarativetest.Item
				for i := range 7 {
					added = append(added, fake.Add(fmt.Sprintf("Added %d", i)))
				}
				if got, want := r.drain(), declarativetest.IDs(added); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
					t.Errorf("after 7 items were added, the polls found %v, want %v", got, want)
				}
				if got := r.drain(); len(got) != 0 {
					t.Errorf("with nothing new, the polls found %v", got)
				}
				if faults.FailEvery > 0 && fake.Failed() == 0 {
					t.Error("the fake failed no call")
				}
			})
		}
	}
}

// TestPollRequests: the request carries the cursor as its template says,
// the first poll without it, and reads the pages the Link header names.
func TestPollRequests(t *testing.T) {
	fake := declarativetest.New(t, 5, 1)
	r := &pollRun{t: t, pl: newItemPoller(t, feedApp(t, `{
		"request": {"method": "GET", "path": "/v1/items", "query": {"since_id": "{{cursor}}", "limit": "2"}, "headers": {"X-Feed-Cursor": "{{cursor == null ? 'none' : cursor}}"}},
		"itemsPath": "$.data", "idPath": "/id", "cursor": {"kind": "since_id"},
		"pagination": {"kind": "link_header", "maxPages": 10}}`)), call: feedOptions().Call(t, fake.BaseURL(), "")}
	first := r.poll("")
	items := declarativetest.IDs(fake.Items())
	last := items[len(items)-1]
	if !slices.Equal(itemIDs(first.Items), items) || first.More {
		t.Errorf("the first poll: %v, more %v; want every item %v", itemIDs(first.Items), first.More, items)
	}
	added := fake.Add("")
	if next := r.poll(first.Cursor); len(next.Items) != 1 || next.Items[0].ID != strconv.FormatInt(added.ID, 10) {
		t.Errorf("the next poll: %v, want the item added, %d", itemIDs(next.Items), added.ID)
	}
	reqs := fake.Requests()
	var got []string
	for _, q := range reqs {
		got = append(got, q.Query.Encode()+" "+q.Header.Get("X-Feed-Cursor"))
	}
	want := []string{
		"limit=2 none",
		"limit=2&page_token=off_2 none",
		"limit=2&page_token=off_4 none",
		"limit=2&since_id=" + last + " " + last,
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, q := range reqs {
		if q.Host != declarativetest.Host || q.Path != "/v1/items" {
			t.Errorf("request to %s%s", q.Host, q.Path)
		}
	}
}

// TestPollAnswersNotUnderstood: an answer the trigger does not describe
// fails the poll with connectors.ErrPollPayload, which nothing retried
// fixes; a Link to another origin is not followed, since the connection's
// credentials would go with it.
func TestPollAnswersNotUnderstood(t *testing.T) {
	for _, tc := range []struct {
		name, poll, answer, link string
		want                     string
	}{
		{name: "not JSON", answer: `<html>`, want: "is not JSON"},
		{name: "items not a list", answer: `{"data": {"id": 1}}`, want: "are not a list"},
		{name: "an item without an id", answer: `{"data": [{"title": "x"}]}`, want: "/id"},
		{name: "an item that is not an object", answer: `{"data": [7]}`, want: "not a JSON object"},
		{name: "a since_id that is not an id", answer: `{"data": [{"id": 1.5}]}`, want: "/id"},
		{name: "a time that is not a time", answer: `{"data": [{"id": 1, "updated_at": "yesterday"}]}`, want: "not RFC 3339",
			poll: `{"request": {"method": "GET", "path": "/v1/items", "query": {"after": "{{cursor}}"}}, "itemsPath": "$.data", "idPath": "/id",
				"cursor": {"kind": "updated_after", "field": "/updated_at"}}`},
		{name: "a link to another origin", answer: `{"data": [{"id": 1}]}`, link: `<https://elsewhere.example/v1/items?page=2>; rel="next"`, want: "another origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			poll := tc.poll
			if poll == "" {
				poll = `{"request": {"method": "GET", "path": "/v1/items", "query": {"since_id": "{{cursor}}"}}, "itemsPath": "$.data", "idPath": "/id",
					"cursor": {"kind": "since_id"}, "pagination": {"kind": "link_header"}}`
			}
			srv := connectortest.NewServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				if tc.link != "" {
					w.Header().Set("Link", tc.link)
				}
				connectortest.ContentJSON.WriteString(w, http.StatusOK, tc.answer)
			}, nil)
			pl := newItemPoller(t, feedApp(t, poll))
			_, err := pl.Poll(t.Context(), feedOptions().Call(t, srv.BaseURL(), ""), "")
			if !errors.Is(err, connectors.ErrPollPayload) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("poll: %v, want ErrPollPayload saying %q", err, tc.want)
			}
			if tc.link != "" && srv.RequestCount() != 1 {
				t.Errorf("%d requests: the link was followed", srv.RequestCount())
			}
		})
	}
}

// TestPollKeepsLargeIDs: a 64-bit id keeps every digit, in the item's id,
// its payload and the cursor the next poll sends.
func TestPollKeepsLargeIDs(t *testing.T) {
	var sinceIDs []string
	srv := connectortest.NewServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		sinceIDs = append(sinceIDs, r.URL.Query().Get("since_id"))
		connectortest.ContentJSON.WriteString(w, http.StatusOK, `{"data": [{"id": 9007199254740993, "title": "a", "updated_at": "2026-03-02T10:00:00Z"}]}`)
	}, nil)
	pl := newItemPoller(t, feedApp(t, ""))
	call := feedOptions().Call(t, srv.BaseURL(), "")
	res, err := pl.Poll(t.Context(), call, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 || res.Items[0].ID != "9007199254740993" || !strings.Contains(string(res.Items[0].Payload), `"id":9007199254740993`) {
		t.Fatalf("items %+v", res.Items)
	}
	again, err := pl.Poll(t.Context(), call, res.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Items) != 0 || !slices.Equal(sinceIDs, []string{"", "9007199254740993"}) {
		t.Errorf("polling again: %v, since_id sent %q", itemIDs(again.Items), sinceIDs)
	}
}

// TestPollCursors: a cursor of another rule (an app version that changed
// its cursor rule) starts over; one this trigger never wrote is refused.
func TestPollCursors(t *testing.T) {
	fake := declarativetest.New(t, 3, 1)
	call := feedOptions().Call(t, fake.BaseURL(), "")
	pl := newItemPoller(t, feedApp(t, ""))
	if res, err := pl.Poll(t.Context(), call, `{"rule":"page_token+id","cursor":"sync_9"}`); err != nil || len(res.Items) != 3 {
		t.Errorf("a cursor of another rule: %v %v, want the poll to start over", itemIDs(res.Items), err)
	}
	_, err := pl.Poll(t.Context(), call, "4711")
	if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
		t.Errorf("a cursor this trigger never wrote: %v, want BadRequest", err)
	}
}
