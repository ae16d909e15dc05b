package console

import "net/http"

// appRoutes serve the apps pages. Not built yet: the page says so.
func (c *Console) appRoutes() {
	c.mux.HandleFunc("GET /console/apps", c.signedIn(func(w http.ResponseWriter, r *http.Request, s *Session) {
		c.render(w, r, http.StatusOK, "notbuilt", s, pageData{Title: "Apps", Section: "apps"})
	}))
}
