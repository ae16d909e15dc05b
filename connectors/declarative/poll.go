package declarative

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/definition"
)

// Poll is how a polling trigger asks the third party for new items: a
// request, sent page after page (Pagination), whose answers hold the items
// (ItemsPath), each with a unique id (IDPath); a cursor rule (Cursor) that
// says where the next poll starts, which the request reads as {{cursor}};
// and a dedupe strategy (Dedupe) that drops the items a poll has already
// returned. Junction runs one poll per definition at an interval
// (Interval by default, the definition's own pollInterval when it has
// one) and starts one run per new item, never two for one id.
type Poll struct {
	// Request lists the items: the same request as an action's, GET or
	// POST, whose templates read cursor, page, connection and env.
	Request Request `json:"request" description:"The request that lists items, as an action's (GET or POST); its templates read cursor, page, connection and env."`
	// ItemsPath is the JSONPath of the items in an answer, e.g. "$.data"
	// ("$" when the answer is the list itself). An answer without it
	// holds no items.
	ItemsPath string `json:"itemsPath" description:"The JSONPath of the list of items in an answer: $.data, or $ when the answer is the list."`
	// IDPath is the JSON pointer (RFC 6901) of an item's unique id in the
	// item, e.g. "/id": a non-empty string or an integer. Runs are
	// deduplicated on it (it is the trigger's idPointer).
	IDPath string `json:"idPath" description:"The JSON pointer of an item's unique id in the item (/id); runs are deduplicated on it."`
	// IDQualifiers are further JSON pointers whose values, with IDPath's,
	// make an item's id (the trigger's idQualifiers): for listings of
	// objects that change, such as a package's current status, where
	// the id and the status's time together make one event.
	IDQualifiers []string `json:"idQualifiers,omitempty" description:"Further JSON pointers whose values, with idPath's, identify an item (/Status/StatusDateTime), so that each change of an object is an item; joined by ~~."`
	// Cursor says where the next poll starts; without one, every poll
	// lists from the start (the newest items, for most APIs) and Dedupe
	// alone tells new items from old.
	Cursor *PollCursor `json:"cursor,omitempty" description:"Where the next poll starts: since_id, updated_after or page_token. None: every poll lists from the start and dedupe tells new from old."`
	// Pagination says how one poll reads more than one page; none reads
	// one page.
	Pagination *Pagination `json:"pagination,omitempty" description:"How one poll reads further pages: link_header, page_number or cursor. None: one page."`
	// Dedupe says how a poll tells the items it returned before; "id"
	// when not given.
	Dedupe *Dedupe `json:"dedupe,omitempty" description:"How a poll drops items it returned before: id (the default), timestamp or last_item."`
	// Order is the order the request lists items in: oldest_first (the
	// default with a cursor rule) or newest_first (the default without
	// one). Runs start oldest first either way.
	Order string `json:"order,omitempty" enum:"oldest_first,newest_first" description:"The order the request lists items in: oldest_first (the default with a cursor rule) or newest_first (the default without one)."`
	// MaxItems bounds the new items one poll returns (DefaultPollMaxItems
	// when 0); the rest come on the next poll, which starts at once.
	MaxItems int `json:"maxItems,omitempty" description:"At most this many new items per poll, 100 when not given; the rest come on the next poll, at once."`
	// Interval is how often a definition polls when it does not say, a
	// Go duration: DefaultPollInterval when empty, at least
	// definition.MinPollInterval.
	Interval string `json:"interval,omitempty" description:"How often definitions poll unless they say otherwise, a Go duration: 5m when not given, at least 1m."`
}

// Cursor rules.
const (
	// CursorSinceID: the next poll asks for the items after the greatest
	// id seen (Field, an increasing id).
	CursorSinceID = "since_id"
	// CursorUpdatedAfter: the next poll asks for the items changed at or
	// after the latest time seen (Field).
	CursorUpdatedAfter = "updated_after"
	// CursorPageToken: the third party hands out a token (From) that the
	// next poll sends to get what changed since.
	CursorPageToken = "page_token"
)

// PollCursor is a cursor rule: what {{cursor}} is on the next poll. It is
// null on the first poll, so a query parameter that is just {{cursor}} is
// left out.
type PollCursor struct {
	// Kind is since_id, updated_after or page_token.
	Kind string `json:"kind" enum:"since_id,updated_after,page_token" description:"since_id: the greatest id seen; updated_after: the latest time seen; page_token: a token the answer hands out."`
	// Field is the JSON pointer of the item's increasing id (since_id;
	// idPath when not given) or of the time it was created or changed
	// (updated_after, required): RFC 3339 text, or Unix seconds or
	// milliseconds.
	Field string `json:"field,omitempty" description:"since_id: the JSON pointer of an item's increasing id (idPath when not given); updated_after: of its time (RFC 3339, or Unix seconds or milliseconds)."`
	// From is the JSONPath of the token in an answer (page_token); the
	// last page's token is where the next poll starts.
	From string `json:"from,omitempty" description:"page_token: the JSONPath of the token in an answer ($.next_sync_token)."`
}

// Dedupe strategies.
const (
	// DedupeID: an item whose id a poll returned before (within Window)
	// is not new.
	DedupeID = "id"
	// DedupeTimestamp: an item older than the latest one returned (less
	// Window) is not new, nor is one at that time whose id was returned.
	DedupeTimestamp = "timestamp"
	// DedupeLastItem: the listing, newest first, is new down to the
	// newest item returned before (or one of the Window before it).
	DedupeLastItem = "last_item"
)

// Dedupe is how a poll drops items it returned before. Junction never
// starts two runs for one id anyway; dedupe keeps such items out of the
// poll's count of new items, so that a poll moves on.
type Dedupe struct {
	// Strategy is id, timestamp or last_item.
	Strategy string `json:"strategy" enum:"id,timestamp,last_item" description:"id: drop items whose id was returned before; timestamp: drop items older than the latest returned; last_item: read down to the newest item returned before."`
	// Field is the JSON pointer of an item's time (timestamp; the
	// updated_after cursor's field when not given).
	Field string `json:"field,omitempty" description:"timestamp: the JSON pointer of an item's time (the updated_after cursor's field when not given)."`
	// Window is how much is remembered: a number of items, or a Go
	// duration. id: the ids of the last 1000 items returned, or of those
	// returned within the duration; timestamp: items this much older than
	// the latest are still new when their id was not returned (0 when not
	// given: only those at the latest time); last_item: how many of the
	// newest items returned are looked for (10 when not given).
	Window Window `json:"window,omitempty" description:"What is remembered: a count (500) or a Go duration (\"24h\"). id: 1000 ids when not given; timestamp: how much older than the latest an item may be; last_item: a count, 10 when not given."`
}

// Window is a dedupe window as written: a JSON number (a count) or a
// string (a Go duration). Parse checks it.
type Window []byte

// UnmarshalJSON keeps the value as it is; the check reads it.
func (w *Window) UnmarshalJSON(b []byte) error {
	*w = append((*w)[:0], b...)
	return nil
}

// MarshalJSON writes the value as it was read.
func (w Window) MarshalJSON() ([]byte, error) {
	if len(w) == 0 {
		return []byte("null"), nil
	}
	return w, nil
}

// JSONSchema says that a window is a count or a duration.
func (Window) JSONSchema() *connectors.Schema {
	return &connectors.Schema{Type: connectors.Types{connectors.TypeInteger, connectors.TypeString}}
}

// Order values.
const (
	OrderOldestFirst = "oldest_first"
	OrderNewestFirst = "newest_first"
)

// Polling defaults and bounds.
const (
	// DefaultPollInterval is how often definitions poll an app's trigger
	// when neither says; definition.MinPollInterval is the least.
	DefaultPollInterval = 5 * time.Minute
	DefaultPollMaxItems = 100
	MaxPollMaxItems     = 1000
	// DefaultPollMaxPages is how many pages a poll reads when its
	// pagination does not say (MaxPages at most).
	DefaultPollMaxPages = 10
	// DefaultIDWindow is how many ids the id strategy remembers when
	// Window does not say.
	DefaultIDWindow = 1000
	// DefaultLastItemWindow is how many of the newest items returned the
	// last_item strategy looks for when Window does not say.
	DefaultLastItemWindow = 10
	// MaxRemembered bounds the ids a poll's cursor carries, whatever the
	// window: the cursor is part of every poll's history.
	MaxRemembered = 5000
)

// compiledPoll is a checked polling trigger, ready to run.
type compiledPoll struct {
	spec        connectors.TriggerSpec
	request     request
	items       *httpconn.JSONPath
	cursor      string // the cursor rule's kind, "" for none
	cursorField string // since_id, updated_after: a JSON pointer
	cursorFrom  *httpconn.JSONPath
	paging      paging // the zero paging for one page
	dedupe      string
	timeField   string // timestamp: a JSON pointer
	count       int    // the window as a count; 0 with a duration
	duration    time.Duration
	newestFirst bool
	maxItems    int
}

// rule names what a cursor belongs to: a cursor kept under another rule
// (an app version that changed the rule) is not read.
func (p *compiledPoll) rule() string {
	return p.cursor + "+" + p.dedupe
}

// checkPolling reports the problems of a polling trigger and compiles it.
func (a *App) checkPolling(v *validator, at string, tr *Trigger) *compiledPoll {
	start := len(v.problems)
	v.checkNamed(at, tr.ID, tr.Name, tr.Description)
	for i, act := range a.Actions {
		if act.ID == tr.ID && tr.ID != "" {
			v.add(at+".id", definition.CodeDuplicateID, fmt.Sprintf("%q is also the id of actions[%d]: both would run as the activity %s.%s", tr.ID, i, a.Key, tr.ID))
		}
	}
	for _, f := range []struct{ name, value string }{{"eventIdPath", tr.EventIDPath}, {"eventIdHeader", tr.EventIDHeader}, {"eventIdQualifiers", strings.Join(tr.EventIDQualifiers, ",")}} {
		if f.value != "" {
			v.add(at+"."+f.name, definition.CodeNotAllowed, "is for webhooks: a polled item's id is at poll.idPath")
		}
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"signature", tr.Signature != nil}, {"eventTypePath", tr.EventTypePath != ""}, {"eventTypeHeader", tr.EventTypeHeader != ""},
		{"eventTypes", len(tr.EventTypes) > 0}, {"conditions", len(tr.Conditions) > 0},
		{"subscribe", tr.Subscribe != nil}, {"renew", tr.Renew != nil}, {"unsubscribe", tr.Unsubscribe != nil},
	} {
		if f.set {
			v.add(at+"."+f.name, definition.CodeNotAllowed, "is for webhooks: Junction asks for polled items itself")
		}
	}
	pl := tr.Poll
	if pl == nil {
		v.add(at+".poll", definition.CodeRequired, "is required for a polling trigger: the request that lists items, itemsPath and idPath")
		tr.checkPayload(v, at, "a polled item is a JSON object", "", "", nil, "")
		return nil
	}
	pat := at + ".poll"
	c := &compiledPoll{spec: connectors.TriggerSpec{
		ID: tr.ID, Name: tr.Name, Kind: connectors.TriggerPolling, Description: tr.Description,
		SamplePayload: tr.SamplePayload, IDPointer: pl.IDPath, IDQualifiers: pl.IDQualifiers, PollInterval: DefaultPollInterval,
		// Declarative polling triggers start from now unless a
		// definition asks for a backfill (pollFrom: oldest).
		PollFromNow: true,
	}}
	if checkPointer(pl.IDPath) != nil {
		c.spec.Payload = tr.checkPayload(v, at, "a polled item is a JSON object", "", "", nil, "")
	} else {
		c.spec.Payload = tr.checkPayload(v, at, "a polled item is a JSON object", pl.IDPath, "poll.idPath", pl.IDQualifiers, "poll.idQualifiers")
	}

	reads := map[string]bool{}
	template, checkRefs := a.templates(v, pollVars, reads, a.propertyNames())
	c.request = pl.Request.check(v, pat+".request", pollVars, template, checkRefs)
	if m := c.request.method; m != "" && m != http.MethodGet && m != http.MethodPost {
		v.add(pat+".request.method", definition.CodeInvalidValue, fmt.Sprintf("%q is not GET or POST: a poll reads", pl.Request.Method))
	}
	if pl.Request.IdempotencyHeader != "" {
		v.add(pat+".request.idempotencyHeader", definition.CodeNotAllowed, "is for actions: a poll only reads")
	}
	c.items = compilePath(v, pat+".itemsPath", pl.ItemsPath, "the JSONPath of the list of items, such as $.data")
	switch {
	case pl.IDPath == "":
		v.add(pat+".idPath", definition.CodeRequired, "is required: the JSON pointer of an item's unique id, such as /id")
	default:
		if err := checkPointer(pl.IDPath); err != nil {
			v.add(pat+".idPath", definition.CodeInvalidValue, err.Error())
		}
	}
	checkQualifiers(v, pat+".idQualifiers", pl.IDPath, pl.IDQualifiers)

	c.checkCursor(v, pat, pl)
	c.paging = paging{maxPages: 1}
	if pl.Pagination != nil {
		c.paging = checkPagination(v, pat+".pagination", pl.Pagination, DefaultPollMaxPages, false)
	}
	c.checkDedupe(v, pat, pl)
	switch {
	case c.cursor != "" && !reads["cursor"]:
		v.add(pat+".request", definition.CodeRequired, "never sends the cursor: read {{cursor}} in its query, headers, path or body")
	case c.cursor == "" && reads["cursor"]:
		v.add(pat+".request", definition.CodeUnknownVariable, "reads cursor, but the poll has no cursor rule (poll.cursor)")
	}
	c.paging.checkReads(v, pat+".request", reads["page"])

	switch pl.Order {
	case "":
		c.newestFirst = c.cursor == ""
	case OrderOldestFirst:
	case OrderNewestFirst:
		c.newestFirst = true
	default:
		v.add(pat+".order", definition.CodeInvalidValue, fmt.Sprintf("%q is not oldest_first or newest_first", pl.Order))
	}
	if c.dedupe == DedupeLastItem && !c.newestFirst {
		v.add(pat+".order", definition.CodeInvalidValue, "must be newest_first with dedupe last_item: a poll reads down to the newest item it returned before")
	}
	c.maxItems = bounded(v, pat+".maxItems", pl.MaxItems, DefaultPollMaxItems, MaxPollMaxItems)
	if c.dedupe == DedupeID && c.count > 0 && c.count < c.maxItems {
		v.add(pat+".dedupe.window", definition.CodeInvalidValue, fmt.Sprintf("%d is fewer than maxItems (%d): a poll must remember at least the items it returns", c.count, c.maxItems))
	}
	if pl.Interval != "" {
		d, err := time.ParseDuration(pl.Interval)
		switch {
		case err != nil:
			v.add(pat+".interval", definition.CodeInvalidValue, fmt.Sprintf("%q is not a Go duration such as 5m", pl.Interval))
		case d < definition.MinPollInterval:
			v.add(pat+".interval", definition.CodeInvalidValue, fmt.Sprintf("%s is less than the minimum, %s", pl.Interval, strings.TrimSuffix(definition.MinPollInterval.String(), "0s")))
		default:
			c.spec.PollInterval = d
		}
	}
	if len(v.problems) > start {
		return nil
	}
	return c
}

func (c *compiledPoll) checkCursor(v *validator, at string, pl *Poll) {
	cu := pl.Cursor
	if cu == nil {
		return
	}
	at += ".cursor"
	switch cu.Kind {
	case "":
		v.add(at+".kind", definition.CodeRequired, "is required: since_id, updated_after or page_token")
	case CursorSinceID, CursorUpdatedAfter:
		c.cursor = cu.Kind
		if cu.From != "" {
			v.add(at+".from", definition.CodeNotAllowed, "is for page_token: "+cu.Kind+" reads the items' field")
		}
		c.cursorField = cu.Field
		switch {
		case cu.Field == "" && cu.Kind == CursorSinceID:
			c.cursorField = pl.IDPath
		case cu.Field == "":
			v.add(at+".field", definition.CodeRequired, "is required for updated_after: the JSON pointer of an item's time, such as /updated_at")
		default:
			if err := checkPointer(cu.Field); err != nil {
				v.add(at+".field", definition.CodeInvalidValue, err.Error())
			}
		}
	case CursorPageToken:
		c.cursor = cu.Kind
		if cu.Field != "" {
			v.add(at+".field", definition.CodeNotAllowed, "is for since_id and updated_after: page_token reads the answer (from)")
		}
		c.cursorFrom = compilePath(v, at+".from", cu.From, "the JSONPath of the token in an answer, such as $.next_sync_token")
	default:
		v.add(at+".kind", definition.CodeInvalidValue, fmt.Sprintf("%q is not since_id, updated_after or page_token", cu.Kind))
	}
}

func (c *compiledPoll) checkDedupe(v *validator, at string, pl *Poll) {
	d := pl.Dedupe
	if d == nil {
		d = &Dedupe{Strategy: DedupeID}
	}
	at += ".dedupe"
	c.dedupe = d.Strategy
	if d.Field != "" && d.Strategy != DedupeTimestamp {
		v.add(at+".field", definition.CodeNotAllowed, "is for the timestamp strategy only")
	}
	count, duration, ok := d.Window.parse(v, at+".window")
	switch d.Strategy {
	case "":
		v.add(at+".strategy", definition.CodeRequired, "is required: id, timestamp or last_item")
	case DedupeID:
		c.count, c.duration = count, duration
		if count == 0 && duration == 0 && ok {
			c.count = DefaultIDWindow
		}
	case DedupeTimestamp:
		c.count, c.duration = count, duration
		c.timeField = d.Field
		if d.Field == "" && c.cursor == CursorUpdatedAfter {
			c.timeField = c.cursorField
		}
		switch {
		case c.timeField == "":
			v.add(at+".field", definition.CodeRequired, "is required: the JSON pointer of an item's time, such as /updated_at")
		case d.Field != "":
			if err := checkPointer(d.Field); err != nil {
				v.add(at+".field", definition.CodeInvalidValue, err.Error())
			}
		}
	case DedupeLastItem:
		if duration > 0 {
			v.add(at+".window", definition.CodeInvalidValue, "must be a count for last_item: how many of the newest items returned are looked for")
		}
		c.count = count
		if count == 0 {
			c.count = DefaultLastItemWindow
		}
		if pl.Cursor != nil {
			v.add(at+".strategy", definition.CodeNotAllowed, "last_item goes only without a cursor rule: each poll reads the listing, newest first, down to the newest item it returned before")
		}
	default:
		v.add(at+".strategy", definition.CodeInvalidValue, fmt.Sprintf("%q is not id, timestamp or last_item", d.Strategy))
	}
}

// parse reads a window: a count from 1 to MaxRemembered, or a positive Go
// duration; none is 0, 0. ok is false when it is wrong (and reported).
func (w Window) parse(v *validator, at string) (count int, duration time.Duration, ok bool) {
	if len(w) == 0 || string(w) == "null" {
		return 0, 0, true
	}
	var x any
	if err := json.Unmarshal(w, &x); err != nil {
		v.add(at, definition.CodeInvalidType, "is a count (500) or a Go duration (\"24h\")")
		return 0, 0, false
	}
	switch x := x.(type) {
	case float64:
		if x != float64(int(x)) || x < 1 || x > MaxRemembered {
			v.add(at, definition.CodeInvalidValue, fmt.Sprintf("%s is not a count from 1 to %d", string(w), MaxRemembered))
			return 0, 0, false
		}
		return int(x), 0, true
	case string:
		d, err := time.ParseDuration(x)
		if err != nil || d <= 0 {
			v.add(at, definition.CodeInvalidValue, fmt.Sprintf("%q is not a positive Go duration such as 24h", x))
			return 0, 0, false
		}
		return 0, d, true
	}
	v.add(at, definition.CodeInvalidType, "is a count (500) or a Go duration (\"24h\")")
	return 0, 0, false
}

// compilePath compiles a required JSONPath with httpconn's compiler, the
// one that runs it.
func compilePath(v *validator, at, path, what string) *httpconn.JSONPath {
	if strings.TrimSpace(path) == "" {
		v.add(at, definition.CodeRequired, "is required: "+what)
		return nil
	}
	if err := checkJSONPath(path); err != nil {
		v.add(at, definition.CodeInvalidValue, err.Error())
		return nil
	}
	p, err := httpconn.CompileJSONPath(path)
	if err != nil {
		v.add(at, definition.CodeInvalidValue, err.Error())
		return nil
	}
	return p
}

// bounded reads an optional positive limit: def when 0, at most most.
func bounded(v *validator, at string, n, def, most int) int {
	switch {
	case n == 0:
		return def
	case n < 1 || n > most:
		v.add(at, definition.CodeInvalidValue, fmt.Sprintf("%d is not from 1 to %s", n, strconv.Itoa(most)))
		return def
	}
	return n
}
