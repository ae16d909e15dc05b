package declarative

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"strconv"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/egress"
)

// Pagination kinds.
const (
	// PageLink follows the answer's Link header's rel="next" URL (RFC
	// 8288), as GitHub and Shopify paginate.
	PageLink = "link"
	// PageNumber sends a page number in a query parameter, counting up
	// until a page comes back short or empty.
	PageNumber = "page"
	// PageCursor sends the cursor the previous answer gave in a query
	// parameter, until an answer gives none.
	PageCursor = "cursor"
)

// Pagination fetches page after page of a search and returns their items
// as one list: the action's result is {"items": [...], "truncated": bool},
// truncated when maxItems (or the page limit) stopped it before the last
// page. A failure on any page fails the action; its retry starts again
// from the first page.
type Pagination struct {
	// Kind is link, page or cursor.
	Kind string `json:"kind" enum:"link,page,cursor" description:"How the next page is found."`
	// Items is the JSONPath ($.data) or XPath (/list/item) of a page's
	// items in its answer.
	Items string `json:"items" description:"Where a page's items are: a JSONPath ($.data) or an XPath (/list/item)."`
	// MaxItems is the most items returned; 100 when not given, at most
	// 10000.
	MaxItems int `json:"maxItems,omitempty" description:"The most items returned: 100 when not given, at most 10000."`
	// PageParam is the query parameter of the page number. page only.
	PageParam string `json:"pageParam,omitempty" description:"page: the query parameter of the page number."`
	// FirstPage is the first page's number, 1 when not given. page only.
	FirstPage *int `json:"firstPage,omitempty" description:"page: the first page's number; 1 when not given."`
	// SizeParam is the query parameter that asks for PageSize items per
	// page. page and cursor only.
	SizeParam string `json:"sizeParam,omitempty" description:"The query parameter of the page size."`
	// PageSize is how many items a full page has; a shorter page is the
	// last. page and cursor only.
	PageSize int `json:"pageSize,omitempty" description:"Items in a full page; a shorter one is the last."`
	// CursorParam is the query parameter the cursor is sent in, and
	// CursorPath where the answer gives the next one (JSONPath or XPath);
	// an answer without one is the last. cursor only.
	CursorParam string `json:"cursorParam,omitempty" description:"cursor: the query parameter the cursor is sent in."`
	CursorPath  string `json:"cursorPath,omitempty" description:"cursor: where the answer gives the next cursor ($.next_cursor)."`
}

// Limits of a paginated search.
const (
	defaultMaxItems = 100
	maxMaxItems     = 10000
	// maxPages bounds the requests of one search, whatever its pages hold.
	maxPages = 100
)

// paging is a compiled Pagination.
type paging struct {
	Pagination
	first int
}

// pagedOutput is a paginated search's result schema unless the action
// declares its own.
const pagedOutput = `{"type": "object", "properties": {"items": {"type": "array"}, "truncated": {"type": "boolean"}}, "required": ["items", "truncated"]}`

// checkPaginate checks the action's pagination and compiles it.
func (act *Action) checkPaginate(v *validator, at string, c *action) {
	p := act.Paginate
	if p == nil {
		return
	}
	at += ".paginate"
	if act.Kind != connectors.ActionSearch {
		v.add(at, definition.CodeNotAllowed, "is for search actions only")
	}
	if len(act.Response.Outputs) > 0 {
		v.add(at, definition.CodeNotAllowed, "a paginated search returns its items: it has no response.outputs")
	}
	pg := &paging{Pagination: *p, first: 1}
	if p.FirstPage != nil {
		pg.first = *p.FirstPage
	}
	if pg.MaxItems == 0 {
		pg.MaxItems = defaultMaxItems
	}
	only := func(kinds string, name string, set bool) {
		if set && !strings.Contains(kinds, p.Kind) {
			v.add(at+"."+name, definition.CodeNotAllowed, "is for "+strings.ReplaceAll(kinds, ",", " and ")+" pagination only")
		}
	}
	required := func(name, value string) {
		if strings.TrimSpace(value) == "" {
			v.add(at+"."+name, definition.CodeRequired, "is required for "+p.Kind+" pagination")
		}
	}
	switch p.Kind {
	case "":
		v.add(at+".kind", definition.CodeRequired, "is required: link, page or cursor")
	case PageLink:
	case PageNumber:
		required("pageParam", p.PageParam)
	case PageCursor:
		required("cursorParam", p.CursorParam)
		required("cursorPath", p.CursorPath)
	default:
		v.add(at+".kind", definition.CodeInvalidValue, fmt.Sprintf("%q is not link, page or cursor", p.Kind))
	}
	only("page", "pageParam", p.PageParam != "")
	only("page", "firstPage", p.FirstPage != nil)
	only("page,cursor", "sizeParam", p.SizeParam != "")
	only("page,cursor", "pageSize", p.PageSize != 0)
	only("cursor", "cursorParam", p.CursorParam != "")
	only("cursor", "cursorPath", p.CursorPath != "")
	switch {
	case p.Items == "":
		v.add(at+".items", definition.CodeRequired, "is required: where a page's items are")
	default:
		if err := httpconn.CheckPath(p.Items); err != nil {
			v.add(at+".items", definition.CodeInvalidValue, err.Error())
		}
	}
	if p.CursorPath != "" {
		if err := httpconn.CheckPath(p.CursorPath); err != nil {
			v.add(at+".cursorPath", definition.CodeInvalidValue, err.Error())
		}
	}
	if p.MaxItems < 0 || p.MaxItems > maxMaxItems {
		v.add(at+".maxItems", definition.CodeInvalidValue, fmt.Sprintf("%d is not between 1 and %d", p.MaxItems, maxMaxItems))
	}
	if p.PageSize < 0 {
		v.add(at+".pageSize", definition.CodeInvalidValue, fmt.Sprintf("%d is negative", p.PageSize))
	}
	if p.SizeParam != "" && p.PageSize == 0 {
		v.add(at+".pageSize", definition.CodeRequired, "is required with sizeParam: the size asked for")
	}
	if pg.first < 0 {
		v.add(at+".firstPage", definition.CodeInvalidValue, fmt.Sprintf("%d is negative", pg.first))
	}
	c.paginate = pg
	if len(act.Output) == 0 {
		c.spec.Output, _ = connectors.ParseSchema([]byte(pagedOutput))
	}
}

// paginate sends req once per page and gathers the items.
func (p *paging) run(ctx context.Context, call connectors.Call, req httpconn.Request, st statuses, scrub *egress.Scrubber) (any, error) {
	req.Extract = map[string]string{"items": p.Items}
	if p.Kind == PageCursor {
		req.Extract["cursor"] = p.CursorPath
	}
	query := func() map[string]string {
		q := make(map[string]string, len(req.Query)+2)
		maps.Copy(q, req.Query)
		return q
	}
	req.Query = query()
	if p.SizeParam != "" {
		req.Query[p.SizeParam] = strconv.Itoa(p.PageSize)
	}
	first, err := url.Parse(req.URL)
	if err != nil {
		return nil, connectors.Errorf(connectors.BadRequest, "the search's URL: %v", err)
	}
	page, cursor := p.first, ""
	items := []any{}
	for n := 0; ; n++ {
		if p.Kind == PageNumber {
			req.Query = query()
			req.Query[p.PageParam] = strconv.Itoa(page)
		}
		resp, err := httpconn.Do(ctx, call.HTTP, req)
		if err != nil {
			return nil, st.failure(err, scrub)
		}
		got := list(resp.Extracted["items"])
		items = append(items, got...)
		// Is there a next page, and where?
		more := len(got) > 0 && (p.PageSize == 0 || len(got) >= p.PageSize)
		switch p.Kind {
		case PageNumber:
			page++
		case PageCursor:
			next := text(resp.Extracted["cursor"])
			more = next != "" && next != cursor
			cursor = next
			req.Query = query()
			req.Query[p.CursorParam] = cursor
		case PageLink:
			next := nextLink(resp.Headers["Link"])
			more = next != ""
			if more {
				u, err := url.Parse(req.URL)
				if err == nil {
					u, err = u.Parse(next)
				}
				if err != nil || u.Scheme != first.Scheme || u.Host != first.Host {
					// Credentials go with every request: a next page
					// elsewhere would take them there.
					return nil, &connectors.Error{Kind: connectors.BadRequest, StatusCode: resp.Status,
						Message: "the answer's next page is not on " + first.Host}
				}
				req.URL, req.Query = u.String(), nil
			}
		}
		if len(items) >= p.MaxItems || (more && n+1 == maxPages) {
			return map[string]any{"items": items[:min(len(items), p.MaxItems)], "truncated": more || len(items) > p.MaxItems}, nil
		}
		if !more {
			return map[string]any{"items": items, "truncated": false}, nil
		}
	}
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
