package runs

// Answers in the same request (issue 15): a caller of a trigger that asks
// to wait (`?wait=10s`, `Prefer: wait=10`) gets the answer a run's Respond
// step makes, in the same HTTP response.

// RespondUpdate waits, in a run, for its Respond step and returns the
// Response it made. A run that ends without one leaves the update
// unanswered; its RunOutput then has no Response either.
const RespondUpdate = "respond"

// Response is a Respond step's answer to the request that started the
// run.
type Response struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	// Body is sent as JSON, or as it is when it is a string.
	Body any `json:"body,omitempty"`
}
