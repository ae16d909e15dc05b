package console

import "net/http"

// subscriptionRoutes serve the subscriptions pages. Not built yet: the page says so.
func (c *Console) subscriptionRoutes() {
	c.mux.HandleFunc("GET /console/subscriptions", c.signedIn(func(w http.ResponseWriter, r *http.Request, s *Session) {
		c.render(w, r, http.StatusOK, "notbuilt", s, pageData{Title: "Subscriptions", Section: "subscriptions"})
	}))
}
