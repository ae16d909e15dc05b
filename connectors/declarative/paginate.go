package declarative

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/egress"
)

// Pagination kinds: how the next page of a listing is found. A search
// action's pagination and a polling trigger's are the one notion, read by
// one check (checkPagination) and walked by one loop (paging.walk).
const (
	// PagesLinkHeader: the answer's Link header names the next page
	// (rel="next", RFC 8288), on the same origin, as GitHub and Shopify
	// paginate; a page with no items is the last.
	PagesLinkHeader = "link_header"
	// PagesNumber: {{page}} is the page number, from First up; a page
	// with no items, or fewer than Size, is the last.
	PagesNumber = "page_number"
	// PagesCursor: {{page}} is the token at Next in the previous answer
	// (null for the first page); an answer without one, or with the one
	// just sent, is the last page.
	PagesCursor = "cursor"
)

// Pagination is how the request of a listing reads more than one page:
// where the next page is, and how many pages to read at most. The page
// reaches the request as the template variable {{page}} (page_number,
// cursor), which a request may put anywhere (query, path, headers, body),
// or as the whole URL the Link header names (link_header).
type Pagination struct {
	// Kind is link_header, page_number or cursor.
	Kind string `json:"kind" enum:"link_header,page_number,cursor" description:"link_header: the Link header's rel=next; page_number: {{page}} counts up; cursor: {{page}} is the previous answer's next token."`
	// Next is where an answer gives the next page's token: a JSONPath, or
	// an XPath in an action's XML answer. cursor only.
	Next string `json:"next,omitempty" description:"cursor: where an answer gives the next page's token: a JSONPath ($.next_page), or an XPath in an action's XML answer."`
	// First is the first page's number, 1 when not given. page_number
	// only.
	First *int `json:"first,omitempty" description:"page_number: the first page's number, 1 when not given."`
	// Size is the number of items of a full page: a shorter one is the
	// last. page_number only; without it, an empty page is the last.
	Size int `json:"size,omitempty" description:"page_number: the items of a full page; a shorter page is the last."`
	// MaxPages bounds the pages read: a search's (MaxPages when 0), a
	// poll's (DefaultPollMaxPages when 0; the next poll, at once, reads
	// on).
	MaxPages int `json:"maxPages,omitempty" description:"At most this many pages: 100 when not given for a search, 10 for a poll (the next poll reads on); at most 100."`
}

// MaxPages bounds the pages of one search or one poll.
const MaxPages = 100

// paging is a checked Pagination; the zero paging reads one page.
type paging struct {
	kind     string // "" for one page
	next     string // cursor: where the next page's token is
	nextJSON *httpconn.JSONPath
	first    int
	size     int
	maxPages int
}

// checkPagination reports the problems of the pagination at at and
// compiles it. defaultMaxPages is the place's; xpath says whether its
// answers may be XML (an action's), so that next may be an XPath.
func checkPagination(v *validator, at string, p *Pagination, defaultMaxPages int, xpath bool) paging {
	pg := paging{kind: p.Kind, next: p.Next, first: 1}
	only := func(kind, field string, set bool) {
		if set && p.Kind != kind {
			v.add(at+"."+field, definition.CodeNotAllowed, "is for "+kind+" pagination only")
		}
	}
	only(PagesCursor, "next", p.Next != "")
	only(PagesNumber, "first", p.First != nil)
	only(PagesNumber, "size", p.Size != 0)
	switch p.Kind {
	case "":
		v.add(at+".kind", definition.CodeRequired, "is required: link_header, page_number or cursor")
	case PagesLinkHeader:
	case PagesNumber:
		if p.First != nil {
			pg.first = *p.First
			if pg.first < 0 {
				v.add(at+".first", definition.CodeInvalidValue, fmt.Sprintf("%d is negative", pg.first))
			}
		}
		pg.size = p.Size
		if p.Size < 0 {
			v.add(at+".size", definition.CodeInvalidValue, fmt.Sprintf("%d is not 1 or more", p.Size))
		}
	case PagesCursor:
		const what = "where an answer gives the next page's token, such as $.next_page"
		switch {
		case !xpath:
			pg.nextJSON = compilePath(v, at+".next", p.Next, "the JSONPath of the next page's token in an answer, such as $.next_page")
		case strings.TrimSpace(p.Next) == "":
			v.add(at+".next", definition.CodeRequired, "is required: "+what)
		default:
			if err := httpconn.CheckPath(p.Next); err != nil {
				v.add(at+".next", definition.CodeInvalidValue, err.Error())
			}
		}
	default:
		v.add(at+".kind", definition.CodeInvalidValue, fmt.Sprintf("%q is not link_header, page_number or cursor", p.Kind))
		pg.kind = ""
	}
	pg.maxPages = bounded(v, at+".maxPages", p.MaxPages, defaultMaxPages, MaxPages)
	return pg
}

// sendsPage: the request reads {{page}}.
func (pg paging) sendsPage() bool {
	return pg.kind == PagesNumber || pg.kind == PagesCursor
}

// checkReads reports a request (at) that never sends the page its
// pagination needs, or that reads {{page}}, which its pagination never
// sets.
func (pg paging) checkReads(v *validator, at string, readsPage bool) {
	switch {
	case pg.sendsPage() && !readsPage:
		v.add(at, definition.CodeRequired, "never sends the page: read {{page}} in its query, headers, path or body")
	case !pg.sendsPage() && readsPage:
		v.add(at, definition.CodeUnknownVariable, "reads page, which only page_number and cursor pagination set")
	}
}

// pageVar is {{page}} for the page at page: the number or the token, nil
// for the first page of a cursor and for a pagination that sends no page.
func (pg paging) pageVar(page any) any {
	if !pg.sendsPage() {
		return nil
	}
	return templateValue(page)
}

// follow points a rendered request at the page at page: the URL a Link
// header named (link_header). The other kinds' pages are in {{page}}.
func (pg paging) follow(req *httpconn.Request, page any) {
	if link, ok := page.(string); ok && link != "" && pg.kind == PagesLinkHeader {
		req.URL, req.Query = link, nil
	}
}

// pageRead is what one page told of the next.
type pageRead struct {
	items int      // the items it held
	token any      // cursor: the token at next; nil for none
	link  string   // link_header: the answer's Link header
	sent  *url.URL // where its request went
	// last: the reader reads no further, whatever the answer says (a poll
	// reached the item it returned before).
	last bool
	// enough: the reader needs no more pages now; there may be more.
	enough bool
}

// walk reads page after page from start (the first page when nil): read
// reads the page at page, and walk finds where the next one is, until a
// page is the last, the reader has enough, or maxPages were read. next is
// where the first page left unread is, nil when the listing was read to
// its end. When read fails, walk returns its error with the page that
// failed as next. An answer whose next page cannot be followed is bad(why).
func (pg paging) walk(start any, read func(page any) (pageRead, error), bad func(why string) error) (next any, err error) {
	page := start
	if page == nil && pg.kind == PagesNumber {
		page = pg.first
	}
	var origin *url.URL
	for n := 1; ; n++ {
		got, err := read(page)
		if err != nil {
			return page, err
		}
		if origin == nil {
			origin = got.sent
		}
		if got.last {
			return nil, nil
		}
		if next, err = pg.after(page, got, origin, bad); err != nil {
			return nil, err
		}
		if next == nil || got.enough || n >= max(pg.maxPages, 1) {
			return next, nil
		}
		page = next
	}
}

// after is where the page after the one at page is; nil when that one is
// the last.
func (pg paging) after(page any, got pageRead, origin *url.URL, bad func(string) error) (any, error) {
	switch pg.kind {
	case PagesNumber:
		num, _ := pageNumber(page)
		if got.items == 0 || (pg.size > 0 && got.items < pg.size) {
			return nil, nil
		}
		return num + 1, nil
	case PagesCursor:
		if !present(got.token) || (page != nil && text(got.token) == text(page)) {
			return nil, nil
		}
		return got.token, nil
	case PagesLinkHeader:
		link := nextLink(got.link)
		if link == "" || got.items == 0 {
			return nil, nil
		}
		u, err := got.sent.Parse(link)
		if err != nil {
			return nil, bad("the Link header's next page is not a URL")
		}
		// The connection's credentials go with every request: a next
		// page elsewhere would take them there.
		if u.Scheme != origin.Scheme || u.Host != origin.Host {
			return nil, bad(fmt.Sprintf("the Link header's next page is on another origin (%s://%s)", u.Scheme, u.Host))
		}
		return u.String(), nil
	}
	return nil, nil
}

// SearchPagination is a search action's pagination: how the next page is
// found (Pagination), where a page's items are and how many the search
// returns. The action's result is {"items": [...], "truncated": bool},
// truncated when maxItems (or maxPages) stopped it before the last page.
// A failure on any page fails the action; its retry starts again from the
// first page.
type SearchPagination struct {
	Pagination
	// ItemsPath is the JSONPath ($.data) or XPath (/list/item) of a
	// page's items in its answer.
	ItemsPath string `json:"itemsPath" description:"Where a page's items are: a JSONPath ($.data) or an XPath (/list/item)."`
	// MaxItems is the most items returned; 100 when not given, at most
	// 10000.
	MaxItems int `json:"maxItems,omitempty" description:"The most items returned: 100 when not given, at most 10000."`
}

// Limits of a paginated search.
const (
	defaultMaxItems = 100
	maxMaxItems     = 10000
)

// searchPaging is a checked SearchPagination.
type searchPaging struct {
	paging
	items    string
	maxItems int
}

// pagedOutput is a paginated search's result schema unless the action
// declares its own.
const pagedOutput = `{"type": "object", "properties": {"items": {"type": "array"}, "truncated": {"type": "boolean"}}, "required": ["items", "truncated"]}`

// checkPagination checks the action's pagination and compiles it;
// readsPage says whether its request reads {{page}}.
func (act *Action) checkPagination(v *validator, at string, c *action, readsPage bool) {
	p := act.Pagination
	if p == nil {
		return
	}
	at += ".pagination"
	if act.Kind != connectors.ActionSearch {
		v.add(at, definition.CodeNotAllowed, "is for search actions only")
	}
	if len(act.Response.Outputs) > 0 {
		v.add(at, definition.CodeNotAllowed, "a paginated search returns its items: it has no response.outputs")
	}
	sp := &searchPaging{paging: checkPagination(v, at, &p.Pagination, MaxPages, true), items: p.ItemsPath, maxItems: p.MaxItems}
	sp.checkReads(v, strings.TrimSuffix(at, ".pagination")+".request", readsPage)
	switch {
	case p.ItemsPath == "":
		v.add(at+".itemsPath", definition.CodeRequired, "is required: where a page's items are")
	default:
		if err := httpconn.CheckPath(p.ItemsPath); err != nil {
			v.add(at+".itemsPath", definition.CodeInvalidValue, err.Error())
		}
	}
	if sp.maxItems == 0 {
		sp.maxItems = defaultMaxItems
	}
	if p.MaxItems < 0 || p.MaxItems > maxMaxItems {
		v.add(at+".maxItems", definition.CodeInvalidValue, fmt.Sprintf("%d is not between 1 and %d", p.MaxItems, maxMaxItems))
	}
	c.pagination = sp
	if len(act.Output) == 0 {
		c.spec.Output, _ = connectors.ParseSchema([]byte(pagedOutput))
	}
}

// run sends the search's request once per page, rendered by render with
// {{page}}, and gathers the items.
func (p *searchPaging) run(ctx context.Context, call connectors.Call, render func(page any) (httpconn.Request, error), st statuses, scrub *egress.Scrubber) (any, error) {
	items := []any{}
	next, err := p.walk(nil, func(page any) (pageRead, error) {
		req, err := render(p.pageVar(page))
		if err != nil {
			return pageRead{}, err
		}
		p.follow(&req, page)
		sent, err := httpconn.TargetURL(req)
		if err != nil {
			return pageRead{}, connectors.Errorf(connectors.BadRequest, "the search's URL: %s", scrub.Scrub(err.Error()))
		}
		req.Extract = map[string]string{"items": p.items}
		if p.kind == PagesCursor {
			req.Extract["next"] = p.next
		}
		resp, err := httpconn.Do(ctx, call.HTTP, req)
		if err != nil {
			return pageRead{}, st.failure(err, scrub)
		}
		got := list(resp.Extracted["items"])
		items = append(items, got...)
		return pageRead{items: len(got), token: resp.Extracted["next"], link: resp.Headers["Link"], sent: sent, enough: len(items) >= p.maxItems}, nil
	}, func(why string) error { return connectors.Errorf(connectors.BadRequest, "%s", why) })
	if err != nil {
		return nil, err
	}
	return map[string]any{"items": items[:min(len(items), p.maxItems)], "truncated": next != nil || len(items) > p.maxItems}, nil
}

// list is a page's items: the array a path found, the values a path
// with wildcards found, or the one value it found.
func list(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// pageNumber reads a page number, kept in a poll's cursor as a JSON
// number.
func pageNumber(page any) (int, bool) {
	switch x := page.(type) {
	case int:
		return x, true
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	}
	return 0, false
}

// nextLink is the rel="next" target of a Link header (RFC 8288), "" when
// there is none.
func nextLink(header string) string {
	for _, link := range splitLinks(header) {
		target, params, ok := strings.Cut(link, ";")
		target = strings.TrimSpace(target)
		if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "rel") {
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target[1 : len(target)-1]
					}
				}
			}
		}
	}
	return ""
}

// splitLinks splits a Link header at the commas between links, not those
// inside a <URL>.
func splitLinks(h string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(h); i++ {
		switch h[i] {
		case '<':
			depth++
		case '>':
			depth = max(depth-1, 0)
		case ',':
			if depth == 0 {
				out = append(out, h[start:i])
				start = i + 1
			}
		}
	}
	return append(out, h[start:])
}
