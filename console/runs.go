package console

import "net/http"

// runRoutes serve the runs pages. Not built yet: the page says so.
func (c *Console) runRoutes() {
	c.mux.HandleFunc("GET /console/runs", c.signedIn(func(w http.ResponseWriter, r *http.Request, s *Session) {
		c.render(w, r, http.StatusOK, "notbuilt", s, pageData{Title: "Runs", Section: "runs"})
	}))
}
