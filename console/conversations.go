package console

import "net/http"

// conversationRoutes serve the conversations pages. Not built yet: the page says so.
func (c *Console) conversationRoutes() {
	c.mux.HandleFunc("GET /console/conversations", c.signedIn(func(w http.ResponseWriter, r *http.Request, s *Session) {
		c.render(w, r, http.StatusOK, "notbuilt", s, pageData{Title: "Conversations", Section: "conversations"})
	}))
}
