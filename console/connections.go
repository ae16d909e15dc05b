package console

import "net/http"

// connectionRoutes serve the connections pages. Not built yet: the page says so.
func (c *Console) connectionRoutes() {
	c.mux.HandleFunc("GET /console/connections", c.signedIn(func(w http.ResponseWriter, r *http.Request, s *Session) {
		c.render(w, r, http.StatusOK, "notbuilt", s, pageData{Title: "Connections", Section: "connections"})
	}))
}
