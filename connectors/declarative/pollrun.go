package declarative

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/egress"
)

// poller is the code of one polling trigger of an app.
type poller struct {
	rt *runtime
	p  *compiledPoll
}

var _ connectors.Poller = (*poller)(nil)

// Trigger returns the trigger's id.
func (pl *poller) Trigger() string { return pl.p.spec.ID }

// pollState is a poll's cursor: what the next poll needs to know, kept by
// Junction between polls as JSON text. It is part of every poll's
// history, so it holds ids and positions, never items.
type pollState struct {
	// Rule is the cursor rule and dedupe strategy the state was kept
	// under; a state of another rule (an app version that changed them)
	// is not read, and the poll starts over.
	Rule string `json:"rule"`
	// Cursor is the cursor rule's value, {{cursor}}: the greatest id
	// (since_id), the latest time as the third party wrote it
	// (updated_after) or the token (page_token); none before the first
	// item.
	Cursor any `json:"cursor,omitempty"`
	// Page is where an unfinished run of pages resumes (page_token only):
	// a page number, a page token or a next link.
	Page any `json:"page,omitempty"`
	// Mark is the latest item time returned (timestamp).
	Mark string `json:"mark,omitempty"`
	// Seen are the items the dedupe strategy remembers, oldest first.
	Seen []seenItem `json:"seen,omitempty"`
}

// seenItem is one remembered item: its id and, for a window of time, when
// it was returned (id) or its own time (timestamp).
type seenItem struct {
	ID string `json:"id"`
	At string `json:"at,omitempty"`
}

// readState reads a cursor this trigger wrote; "" is the first poll.
func (p *compiledPoll) readState(cursor string) (*pollState, error) {
	st := &pollState{Rule: p.rule()}
	if cursor == "" {
		return st, nil
	}
	var got pollState
	dec := json.NewDecoder(strings.NewReader(cursor))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		return nil, connectors.Errorf(connectors.BadRequest, "%s: the cursor is not one this trigger wrote: %v", p.spec.ID, err)
	}
	if got.Rule != st.Rule {
		return st, nil
	}
	return &got, nil
}

func (st *pollState) encode() string {
	b, err := json.Marshal(st)
	if err != nil {
		// A state holds strings and numbers only.
		panic(fmt.Sprintf("encoding a poll's state: %v", err))
	}
	return string(b)
}

// listed is one item a poll read.
type listed struct {
	item connectors.PollItem
	page int       // the index of the page it was on, in the order the poll read them
	key  any       // since_id: its id; updated_after: its time as written
	keyT time.Time // updated_after: its time
	at   time.Time // timestamp: its time
}

// Poll reads the pages of the trigger's request from where the cursor
// says, keeps the items the dedupe strategy finds new, oldest first, at
// most maxItems of them, and returns them with the cursor after them, and
// after each one (so that Junction may cut the batch). It never retries.
//
// A failure of the first page fails the poll, as an action's would. With
// a cursor rule, a failure of a later page ends the poll with what the
// pages before it found (and More, but after a 429), so that a poll of
// many pages of a flaky API still moves; without one, a poll must read
// down to the items it returned before, and any failure fails it.
func (pl *poller) Poll(ctx context.Context, call connectors.Call, cursor string) (connectors.PollResult, error) {
	p := pl.p
	st, err := p.readState(cursor)
	if err != nil {
		return connectors.PollResult{}, err
	}
	secrets := pl.rt.secrets(call)
	ctx = egress.WithSecrets(ctx, secrets...)
	scrub := egress.NewScrubber(secrets...)
	now := time.Now().UTC()
	p.forget(st, now)
	d, err := p.newDedupe(st)
	if err != nil {
		return connectors.PollResult{}, err
	}

	var (
		news  []listed
		pages []any // where each page read was; nil for the first of a run
		token any   // page_token: the latest answer's token
		// fetchFailed: a page's request failed, rather than its answer.
		fetchFailed bool
	)
	var start any
	if p.cursor == CursorPageToken {
		start = st.Page
	}
	// next is where the first page left unread is; nil when the listing
	// was read to its end.
	next, err := p.paging.walk(start, func(page any) (pageRead, error) {
		doc, header, sent, err := pl.fetch(ctx, call, st, page, scrub)
		if err != nil {
			fetchFailed = true
			return pageRead{}, err
		}
		items, err := p.itemsOf(doc)
		if err != nil {
			return pageRead{}, err
		}
		pages = append(pages, page)
		got := pageRead{items: len(items), link: header["Link"], sent: sent}
		for _, raw := range items {
			li, err := p.read(raw)
			if err != nil {
				return pageRead{}, err
			}
			li.page = len(pages) - 1
			isNew, stop := d.isNew(li)
			if stop {
				got.last = true
				break
			}
			if isNew {
				news = append(news, li)
			}
		}
		if p.cursorFrom != nil {
			if tok, err := p.cursorFrom.Eval(doc); err != nil {
				return pageRead{}, fmt.Errorf("%s: %w: reading the cursor token: %v", p.spec.ID, connectors.ErrPollPayload, err)
			} else if present(tok) {
				token = tok
			}
		}
		if p.paging.nextJSON != nil && doc != nil {
			if got.token, err = p.paging.nextJSON.Eval(doc); err != nil {
				return pageRead{}, fmt.Errorf("%s: %w: reading the next page's token: %v", p.spec.ID, connectors.ErrPollPayload, err)
			}
		}
		// With a cursor rule the listing starts after the items
		// returned before, so enough new ones is enough; without one it
		// starts at the newest, and the oldest new items are further
		// down.
		got.enough = p.cursor != "" && len(news) >= p.maxItems
		return got, nil
	}, func(why string) error { return fmt.Errorf("%s: %w: %s", p.spec.ID, connectors.ErrPollPayload, why) })
	var failed error // a page after the first that failed
	if err != nil {
		if !fetchFailed || len(pages) == 0 || p.cursor == "" {
			// Without a cursor rule a poll must read down to what it
			// returned before.
			return connectors.PollResult{}, err
		}
		// What the pages before it found is kept, and this page is
		// where the next poll goes on: a poll that must read many
		// pages of a flaky API still moves.
		failed = err
	}

	p.order(news)
	kept := min(len(news), p.maxItems)
	// More: new items are left over, or, with a cursor rule, pages (a
	// poll without one reads from the start again anyway).
	more := kept < len(news) || (next != nil && p.cursor != "")
	if failed != nil {
		if kept == 0 && p.cursor != CursorPageToken {
			return connectors.PollResult{}, failed
		}
		if k, _ := connectors.KindOf(failed); k == connectors.RateLimited {
			more = false // not at once: the next tick
		}
	}
	// resume[i] is the earliest page holding one of the new items from
	// the i-th on: where a run of pages (page_token) resumes once the
	// items before the i-th are taken.
	resume := make([]int, len(news)+1)
	resume[len(news)] = len(pages)
	for i := len(news) - 1; i >= 0; i-- {
		resume[i] = min(news[i].page, resume[i+1])
	}
	pageAfter := func(i int) {
		if p.cursor != CursorPageToken {
			return
		}
		switch {
		case i < len(news):
			// Reading that page again is safe: the items taken are
			// remembered.
			st.Page = pages[resume[i]]
		case next != nil:
			st.Page = next
		default:
			// The run of pages is over: the next poll asks what
			// changed since the latest token.
			st.Page = nil
			if token != nil {
				st.Cursor = token
			}
		}
	}
	res := connectors.PollResult{Items: make([]connectors.PollItem, 0, kept), More: more}
	for i, li := range news[:kept] {
		p.take(st, li, now)
		pageAfter(i + 1)
		li.item.Cursor = st.encode()
		res.Items = append(res.Items, li.item)
	}
	pageAfter(kept)
	res.Cursor = st.encode()
	return res, nil
}

// fetch sends the request for a page and decodes the answer's JSON,
// numbers as json.Number so that ids keep every digit. sent is the URL
// the request went to.
func (pl *poller) fetch(ctx context.Context, call connectors.Call, st *pollState, page any, scrub *egress.Scrubber) (doc any, header map[string]string, sent *url.URL, err error) {
	p := pl.p
	vars := map[string]any{"cursor": templateValue(st.Cursor), "page": p.paging.pageVar(page)}
	env := definition.Env{Data: pl.rt.data(call, vars, nil)}
	fail := func(what string, err error) error {
		return connectors.Errorf(connectors.BadRequest, "%s: rendering %s: %s", p.spec.ID, what, unrewrite(scrub.Scrub(err.Error())))
	}
	req, err := pl.rt.render(&p.request, env, call, fail)
	if err != nil {
		return nil, nil, nil, err
	}
	p.paging.follow(&req, page)
	if sent, err = httpconn.TargetURL(req); err != nil {
		return nil, nil, nil, connectors.Errorf(connectors.BadRequest, "%s: the request's URL: %s", p.spec.ID, scrub.Scrub(err.Error()))
	}
	resp, err := httpconn.Do(ctx, call.HTTP, req)
	if err != nil {
		return nil, nil, nil, statuses{}.failure(err, scrub)
	}
	raw := bytes.TrimSpace(resp.Raw)
	if len(raw) == 0 {
		return nil, resp.Headers, sent, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return nil, nil, nil, fmt.Errorf("%s: %w: the answer (%d, %s) is not JSON", p.spec.ID, connectors.ErrPollPayload, resp.Status, resp.Headers["Content-Type"])
	}
	return doc, resp.Headers, sent, nil
}

// itemsOf reads the list of items of an answer; none when the answer has
// no list there.
func (p *compiledPoll) itemsOf(doc any) ([]any, error) {
	if doc == nil {
		return nil, nil
	}
	v, err := p.items.Eval(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: reading the items: %v", p.spec.ID, connectors.ErrPollPayload, err)
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return x, nil
	}
	return nil, fmt.Errorf("%s: %w: the answer's items (itemsPath) are not a list", p.spec.ID, connectors.ErrPollPayload)
}

// read makes an item of one element of the list: its payload, its id and
// what the cursor rule and dedupe strategy read of it.
func (p *compiledPoll) read(raw any) (listed, error) {
	payload, err := json.Marshal(raw)
	if err != nil {
		return listed{}, fmt.Errorf("%s: %w: %v", p.spec.ID, connectors.ErrPollPayload, err)
	}
	item, err := connectors.PollItemOf(p.spec, payload, "")
	if err != nil {
		return listed{}, err
	}
	li := listed{item: item}
	field := func(pointer, what string) (any, error) {
		v, err := connectors.Pointer(payload, pointer)
		if err != nil || !present(v) {
			return nil, fmt.Errorf("%s: %w: item %s has no %s at %s", p.spec.ID, connectors.ErrPollPayload, item.ID, what, pointer)
		}
		return v, nil
	}
	switch p.cursor {
	case CursorSinceID:
		if li.key, err = field(p.cursorField, "id"); err != nil {
			return listed{}, err
		}
		if _, ok := idText(li.key); !ok {
			return listed{}, fmt.Errorf("%s: %w: item %s's id at %s is not a string or an integer", p.spec.ID, connectors.ErrPollPayload, item.ID, p.cursorField)
		}
	case CursorUpdatedAfter:
		if li.key, err = field(p.cursorField, "time"); err != nil {
			return listed{}, err
		}
		var ok bool
		if li.keyT, ok = parseTime(li.key); !ok {
			return listed{}, fmt.Errorf("%s: %w: item %s's time at %s is not RFC 3339 or Unix time", p.spec.ID, connectors.ErrPollPayload, item.ID, p.cursorField)
		}
	}
	if p.dedupe == DedupeTimestamp {
		v, err := field(p.timeField, "time")
		if err != nil {
			return listed{}, err
		}
		var ok bool
		if li.at, ok = parseTime(v); !ok {
			return listed{}, fmt.Errorf("%s: %w: item %s's time at %s is not RFC 3339 or Unix time", p.spec.ID, connectors.ErrPollPayload, item.ID, p.timeField)
		}
	}
	return li, nil
}

// dedupe tells the new items of one poll from those returned before.
type dedupe struct {
	p          *compiledPoll
	cursor     any       // since_id: the greatest id returned
	cursorT    time.Time // updated_after: the latest time returned
	mark       time.Time // timestamp: the latest item time returned
	lower      time.Time // timestamp: items before it are old
	remembered map[string]bool
	polled     map[string]bool // ids this poll has read
}

func (p *compiledPoll) newDedupe(st *pollState) (*dedupe, error) {
	d := &dedupe{p: p, remembered: map[string]bool{}, polled: map[string]bool{}}
	for _, s := range st.Seen {
		d.remembered[s.ID] = true
	}
	switch p.cursor {
	case CursorSinceID:
		d.cursor = st.Cursor
	case CursorUpdatedAfter:
		if st.Cursor != nil {
			t, ok := parseTime(st.Cursor)
			if !ok {
				return nil, connectors.Errorf(connectors.BadRequest, "%s: the cursor's time is not one this trigger wrote", p.spec.ID)
			}
			d.cursorT = t
		}
	}
	if p.dedupe == DedupeTimestamp && st.Mark != "" {
		mark, err := time.Parse(time.RFC3339Nano, st.Mark)
		if err != nil {
			return nil, connectors.Errorf(connectors.BadRequest, "%s: the cursor's mark is not one this trigger wrote", p.spec.ID)
		}
		d.mark, d.lower = mark, mark.Add(-p.duration)
		if p.count > 0 {
			d.lower = mark
			for _, s := range st.Seen {
				if at, err := time.Parse(time.RFC3339Nano, s.At); err == nil && at.Before(d.lower) {
					d.lower = at
				}
			}
		}
	}
	return d, nil
}

// isNew says whether an item the poll read is new; stop, that it and the
// rest of the listing are not (last_item).
func (d *dedupe) isNew(li listed) (isNew, stop bool) {
	id := li.item.ID
	if d.p.dedupe == DedupeLastItem && d.remembered[id] {
		return false, true
	}
	if d.polled[id] {
		return false, false // overlapping pages
	}
	d.polled[id] = true
	switch {
	case d.p.cursor == CursorSinceID && d.cursor != nil && compareIDs(li.key, d.cursor) <= 0:
		return false, false
	case d.p.cursor == CursorUpdatedAfter && !d.cursorT.IsZero() && li.keyT.Before(d.cursorT):
		return false, false
	}
	switch d.p.dedupe {
	case DedupeID:
		return !d.remembered[id], false
	case DedupeTimestamp:
		switch {
		case d.mark.IsZero() || li.at.After(d.mark):
			return true, false
		case li.at.Before(d.lower):
			return false, false
		}
		return !d.remembered[id], false
	}
	return true, false
}

// order puts new items oldest first: by the cursor rule's id or time, by
// the dedupe strategy's time, or against the listing's order when it is
// newest first.
func (p *compiledPoll) order(news []listed) {
	switch {
	case p.cursor == CursorSinceID:
		slices.SortStableFunc(news, func(a, b listed) int { return compareIDs(a.key, b.key) })
	case p.cursor == CursorUpdatedAfter:
		slices.SortStableFunc(news, func(a, b listed) int { return a.keyT.Compare(b.keyT) })
	case p.dedupe == DedupeTimestamp:
		slices.SortStableFunc(news, func(a, b listed) int { return a.at.Compare(b.at) })
	case p.newestFirst:
		slices.Reverse(news)
	}
}

// take records an item returned: the cursor moves past it and the dedupe
// strategy remembers it.
func (p *compiledPoll) take(st *pollState, li listed, now time.Time) {
	switch p.cursor {
	case CursorSinceID:
		if st.Cursor == nil || compareIDs(li.key, st.Cursor) > 0 {
			st.Cursor = li.key
		}
	case CursorUpdatedAfter:
		if t, ok := parseTime(st.Cursor); st.Cursor == nil || !ok || li.keyT.After(t) {
			st.Cursor = li.key
		}
	}
	seen := seenItem{ID: li.item.ID}
	switch p.dedupe {
	case DedupeID:
		if p.duration > 0 {
			seen.At = now.Format(time.RFC3339Nano)
		}
	case DedupeTimestamp:
		seen.At = li.at.UTC().Format(time.RFC3339Nano)
		if mark, err := time.Parse(time.RFC3339Nano, st.Mark); err != nil || li.at.After(mark) {
			st.Mark = seen.At
		}
	}
	st.Seen = append(st.Seen, seen)
	p.forget(st, now)
}

// forget drops what the window no longer holds: the oldest ids beyond a
// count, ids returned (id) or of a time (timestamp) before the window.
func (p *compiledPoll) forget(st *pollState, now time.Time) {
	if p.duration > 0 {
		since := now.Add(-p.duration)
		if p.dedupe == DedupeTimestamp {
			mark, err := time.Parse(time.RFC3339Nano, st.Mark)
			if err != nil {
				mark = now
			}
			since = mark.Add(-p.duration)
		}
		st.Seen = slices.DeleteFunc(st.Seen, func(s seenItem) bool {
			at, err := time.Parse(time.RFC3339Nano, s.At)
			return err != nil || at.Before(since)
		})
	}
	if p.dedupe == DedupeTimestamp && p.duration == 0 && p.count == 0 {
		// Only the items at the mark matter.
		st.Seen = slices.DeleteFunc(st.Seen, func(s seenItem) bool { return s.At != st.Mark })
	}
	keep := MaxRemembered
	if p.count > 0 {
		keep = p.count
	}
	if extra := len(st.Seen) - keep; extra > 0 {
		st.Seen = slices.Clone(st.Seen[extra:])
	}
}

// present: a value that says something (not null, not "").
func present(v any) bool {
	return v != nil && v != ""
}

// templateValue is a cursor or page as templates read it: an integer as a
// number when it is exact as one, any other number as its digits.
func templateValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil && n > -1<<53 && n < 1<<53 {
			return float64(n)
		}
		return x.String()
	case int:
		return float64(x)
	}
	return v
}

// idText is an id as text: a string, or an integer's digits.
func idText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case json.Number:
		s := x.String()
		return s, strings.Trim(s, "0123456789") == "" || (strings.HasPrefix(s, "-") && strings.Trim(s[1:], "0123456789") == "")
	}
	return "", false
}

// compareIDs orders two increasing ids: as integers when both are
// (whatever their size), else as text.
func compareIDs(a, b any) int {
	x, _ := idText(a)
	y, _ := idText(b)
	if digits(x) && digits(y) {
		x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
		if len(x) != len(y) {
			return len(x) - len(y)
		}
	}
	return strings.Compare(x, y)
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// parseTime reads an item's time: RFC 3339 text, or Unix time in seconds
// or (from 10^12 on) milliseconds.
func parseTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		return t.UTC(), err == nil
	case json.Number:
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) || f < 0 {
			return time.Time{}, false
		}
		if f >= 1e12 {
			f /= 1000
		}
		sec := math.Floor(f)
		return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), true
	}
	return time.Time{}, false
}
