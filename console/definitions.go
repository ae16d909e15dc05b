package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/junction-run/junction/definition"
)

// pageSize is how many rows a list page shows; the API pages the rest.
const pageSize = 50

func (c *Console) definitionRoutes() {
	c.mux.HandleFunc("GET /console/definitions", c.signedIn(c.definitionsPage))
	c.definitionPageRoutes()
}

// definitionsPage lists the account's definitions, newest version of each,
// a page at a time.
func (c *Console) definitionsPage(w http.ResponseWriter, r *http.Request, s *Session) {
	page := pageOf(r)
	var docs []definition.Document
	err := c.call(r, http.MethodGet, s.AccountPath("/definitions")+"?"+page.query().Encode(), nil, &docs)
	c.render(w, r, statusOf(err), "definitions", s, pageData{Title: "Definitions", Section: "definitions", Error: err,
		Notice: notices[r.URL.Query().Get("notice")],
		Data: struct {
			Definitions []definition.Document
			Page        listPage
		}{docs, page.withCount(len(docs))}})
}

// listPage is a list's place: which page, and whether there are more.
type listPage struct {
	Number int
	More   bool
}

// pageOf reads ?page= (from 1).
func pageOf(r *http.Request) listPage {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	return listPage{Number: n}
}

// query is the API's paging: offset and limit.
func (p listPage) query() url.Values {
	return url.Values{"offset": {strconv.Itoa((p.Number - 1) * pageSize)}, "limit": {strconv.Itoa(pageSize)}}
}

// withCount says whether a page that got n rows may have a next one.
func (p listPage) withCount(n int) listPage {
	p.More = n >= pageSize
	return p
}

// statusOf is the page's status for the API's answer: the API's own for
// its errors, 200 otherwise.
func statusOf(err error) int {
	if ae, ok := err.(*APIError); ok {
		return ae.Status
	}
	if err != nil {
		return http.StatusBadGateway
	}
	return http.StatusOK
}
