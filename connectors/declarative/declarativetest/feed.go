// Package declarativetest fakes the third party of the polling apps in
// connectors/declarative/testdata: Acme Feed, a made-up API that lists
// items the way the APIs polling triggers read do, with each of the
// cursors and pages a declarative app's poll can follow, and the faults
// real ones have: pages that overlap, items sent again or out of order,
// and calls that fail (500, 429 with Retry-After).
//
// Acme Feed's one route is GET /v1/items, authenticated with
// "Authorization: Bearer <Token>". Its query parameters:
//
//   - since_id: only items whose id is greater;
//   - updated_after: only items updated at or after this RFC 3339 time
//     (inclusive, as many APIs are, so the latest item comes again);
//   - sync_token: only items added after the token's point; the last page
//     of an answer carries next_sync_token;
//   - sort: asc (oldest first, the default) or desc;
//   - limit: the page size, 10 when not given;
//   - page: the page number, from 1; or page_token: next_page_token of
//     the previous page.
//
// It answers {"data": [items], "next_page_token": "...",
// "next_sync_token": "..."} and, when there is a next page, a Link header
// with its URL (rel="next"). Errors are {"error": {"code", "message"}}.
package declarativetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
)

// Token is the bearer token the fake accepts.
const Token = "feed-test-token"

// Host is Acme Feed's host in the testdata apps' baseUrl.
const Host = "feed.acme.example"

// Item is an item as the fake answers it.
type Item struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	UpdatedAt time.Time `json:"updated_at"`
	// Seq is the item's place in the order items were added, what a
	// sync_token counts.
	Seq int `json:"seq"`
}

// Faults are the ways the fake misbehaves, as real APIs do.
type Faults struct {
	// Overlap repeats the last item of each page at the start of the
	// next one, as offset pages do when items are added meanwhile.
	Overlap bool
	// Repeat sends, with every page, an item an earlier page already
	// sent (the oldest item of the listing).
	Repeat bool
	// Reorder reverses the items of every page.
	Reorder bool
	// FailEvery makes every FailEvery-th request fail, alternately with
	// a 500 and with a 429 whose Retry-After is one second.
	FailEvery int
}

// Feed is the fake.
type Feed struct {
	*connectortest.Server

	mu       sync.Mutex
	items    []Item
	nextID   int64
	now      time.Time
	perSec   int
	faults   Faults
	requests int
	failures int
}

// New starts a fake that t closes when it ends, holding n items, added
// perSecond to a second of updated_at (1 or more: items that share a
// second are what an updated_after cursor sees again).
func New(t testing.TB, n, perSecond int) *Feed {
	f := &Feed{nextID: 1000, now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), perSec: max(perSecond, 1)}
	f.Server = connectortest.NewServer(t, f.serve, writeFailure)
	for range n {
		f.Add("")
	}
	return f
}

// SetFaults makes the fake misbehave from its next request on.
func (f *Feed) SetFaults(faults Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = faults
}

// Add adds an item, later than every item before it, and returns it.
// Ids grow, by a varying step, from 1001.
func (f *Feed) Add(title string) Item {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq := len(f.items) + 1
	f.nextID += int64(1 + seq%3)
	if title == "" {
		title = fmt.Sprintf("Item %d", seq)
	}
	it := Item{ID: f.nextID, Title: title, Seq: seq,
		UpdatedAt: f.now.Add(time.Duration((seq-1)/f.perSec) * time.Second)}
	f.items = append(f.items, it)
	return it
}

// AddPollItem adds an item for the conformance kit
// (connectortest.PollSource) and returns its id.
func (f *Feed) AddPollItem(string) (string, error) {
	return strconv.FormatInt(f.Add("").ID, 10), nil
}

// Items returns every item, oldest first.
func (f *Feed) Items() []Item {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.items)
}

// Failed is how many requests the fake failed on purpose (FailEvery).
func (f *Feed) Failed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failures
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	connectortest.ContentJSON.Write(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func writeFailure(w http.ResponseWriter, f connectortest.Failure) {
	f.SetRetryAfter(w.Header())
	writeError(w, f.Status, strings.ToLower(strings.ReplaceAll(http.StatusText(f.Status), " ", "_")), "injected failure: "+http.StatusText(f.Status))
}

// scheduled reports whether this request is one FailEvery fails, and
// with what.
func (f *Feed) scheduled() *connectortest.Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.faults.FailEvery <= 0 || f.requests%f.faults.FailEvery != 0 {
		return nil
	}
	f.failures++
	if f.failures%2 == 1 {
		return &connectortest.Failure{Status: http.StatusInternalServerError}
	}
	return &connectortest.Failure{Status: http.StatusTooManyRequests, RetryAfter: time.Second}
}

func (f *Feed) serve(w http.ResponseWriter, r *http.Request, _ []byte) {
	if fail := f.Next(); fail != nil {
		f.WriteFailure(w, *fail)
		return
	}
	if fail := f.scheduled(); fail != nil {
		f.WriteFailure(w, *fail)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+Token {
		writeError(w, http.StatusUnauthorized, "unauthenticated", "missing or invalid token")
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/v1/items" {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
		return
	}
	q := r.URL.Query()
	bad := func(msg string) { writeError(w, http.StatusBadRequest, "bad_request", msg) }

	f.mu.Lock()
	all, faults := slices.Clone(f.items), f.faults
	f.mu.Unlock()

	list := all[:0:0]
	var since int64
	var after time.Time
	syncFrom := 0
	if s := q.Get("since_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			bad("since_id is not an integer")
			return
		}
		since = n
	}
	if s := q.Get("updated_after"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			bad("updated_after is not an RFC 3339 time")
			return
		}
		after = t
	}
	if s := q.Get("sync_token"); s != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(s, "sync_"))
		if err != nil || !strings.HasPrefix(s, "sync_") {
			bad("sync_token is not one Acme Feed handed out")
			return
		}
		syncFrom = n
	}
	for _, it := range all {
		if it.ID > since && !it.UpdatedAt.Before(after) && it.Seq > syncFrom {
			list = append(list, it)
		}
	}
	switch q.Get("sort") {
	case "", "asc":
	case "desc":
		slices.Reverse(list)
	default:
		bad("sort is asc or desc")
		return
	}
	limit := 10
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			bad("limit is from 1 to 100")
			return
		}
		limit = n
	}
	offset := 0
	switch {
	case q.Get("page") != "":
		n, err := strconv.Atoi(q.Get("page"))
		if err != nil || n < 1 {
			bad("page is a number from 1")
			return
		}
		offset = (n - 1) * limit
	case q.Get("page_token") != "":
		n, err := strconv.Atoi(strings.TrimPrefix(q.Get("page_token"), "off_"))
		if err != nil || n < 0 {
			bad("page_token is not one Acme Feed handed out")
			return
		}
		offset = n
	}
	start, end := min(offset, len(list)), min(offset+limit, len(list))
	if faults.Overlap && start > 0 && start < end {
		start--
	}
	page := slices.Clone(list[start:end])
	if faults.Repeat && len(list) > 0 && len(page) > 0 {
		page = append(page, list[0])
	}
	if faults.Reorder {
		slices.Reverse(page)
	}
	answer := map[string]any{"data": page}
	if end < len(list) {
		answer["next_page_token"] = "off_" + strconv.Itoa(end)
		next := *r.URL
		nq := next.Query()
		nq.Del("page_token")
		if q.Get("page") != "" {
			nq.Set("page", strconv.Itoa(offset/limit+2))
		} else {
			nq.Set("page_token", "off_"+strconv.Itoa(end))
		}
		next.RawQuery = nq.Encode()
		// Relative, as many APIs write it; the client resolves it
		// against the URL it asked.
		w.Header().Set("Link", "<"+(&url.URL{Path: next.Path, RawQuery: next.RawQuery}).String()+`>; rel="next"`)
	} else {
		answer["next_sync_token"] = "sync_" + strconv.Itoa(len(all))
	}
	connectortest.ContentJSON.Write(w, http.StatusOK, answer)
}

// IDs returns the items' ids, as a poll reports them.
func IDs(items []Item) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = strconv.FormatInt(it.ID, 10)
	}
	return ids
}

// WithPoll returns an app document (testdata/valid/acme_feed.json) with its
// first trigger's poll block replaced by poll, so that one app serves the
// tests of every cursor rule, pagination and dedupe strategy.
func WithPoll(app []byte, poll string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(app, &doc); err != nil {
		return nil, fmt.Errorf("the app: %w", err)
	}
	var block any
	if err := json.Unmarshal([]byte(poll), &block); err != nil {
		return nil, fmt.Errorf("the poll block: %w", err)
	}
	triggers, _ := doc["triggers"].([]any)
	if len(triggers) == 0 {
		return nil, fmt.Errorf("the app has no trigger")
	}
	trigger, ok := triggers[0].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the app's first trigger is not an object")
	}
	trigger["poll"] = block
	return json.Marshal(doc)
}
