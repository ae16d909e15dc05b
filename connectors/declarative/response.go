package declarative

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/egress"
)

// statuses is how an action reads an answer's status: which are a
// success, which mean not found, which are worth sending again. Every
// other status maps as every connector's does (connectors.StatusKind).
type statuses struct {
	success  []string // httpconn's SuccessStatuses patterns
	notFound []int
	retry    []int
}

// defaultSuccess is a success when neither the action nor the app says:
// an unfollowed 3xx is a failure too.
var defaultSuccess = []string{"2xx"}

// checkStatuses checks a response's (or the app's default) status lists.
func checkStatuses(v *validator, at string, success []string, notFound, retry []int) {
	for i, s := range success {
		if err := httpconn.CheckStatuses([]string{s}); err != nil {
			v.add(at+".success["+strconv.Itoa(i)+"]", definition.CodeInvalidValue, err.Error())
		}
	}
	for i, s := range notFound {
		if s < 400 || s > 499 {
			v.add(at+".notFound["+strconv.Itoa(i)+"]", definition.CodeInvalidValue, fmt.Sprintf("%d is not a 4xx status", s))
		}
	}
	for i, s := range retry {
		switch {
		case s < 400 || s > 599:
			v.add(at+".retry["+strconv.Itoa(i)+"]", definition.CodeInvalidValue, fmt.Sprintf("%d is not a 4xx or 5xx status", s))
		case slices.Contains(notFound, s):
			v.add(at+".retry["+strconv.Itoa(i)+"]", definition.CodeInvalidValue, fmt.Sprintf("%d also means not found", s))
		}
	}
}

// compileStatuses checks the action's own status lists and compiles them
// over the app's defaults (each list the action gives replaces the app's).
func (act *Action) compileStatuses(v *validator, at string, c *action, d *Defaults) {
	r := act.Response
	// notFound is checked where outputs are.
	checkStatuses(v, at+".response", r.Success, nil, r.Retry)
	c.statuses = statuses{success: r.Success, notFound: r.NotFound, retry: r.Retry}
	if d != nil && d.Response != nil {
		if len(c.statuses.success) == 0 {
			c.statuses.success = d.Response.Success
		}
		if len(c.statuses.notFound) == 0 {
			c.statuses.notFound = d.Response.NotFound
		}
		if len(c.statuses.retry) == 0 {
			c.statuses.retry = d.Response.Retry
		}
	}
	if len(c.statuses.success) == 0 {
		c.statuses.success = defaultSuccess
	}
	for i, s := range r.Retry {
		if slices.Contains(c.statuses.notFound, s) || s == http.StatusNotFound || s == http.StatusGone {
			v.add(at+".response.retry["+strconv.Itoa(i)+"]", definition.CodeInvalidValue, fmt.Sprintf("%d also means not found", s))
		}
	}
}

// failure is the connectors.Error of a failed httpconn.Do, the action's
// statuses applied, its message scrubbed of the call's secrets.
func (s statuses) failure(err error, scrub *egress.Scrubber) *connectors.Error {
	ce := httpconn.ConnectorError(err)
	var se *httpconn.StatusError
	if errors.As(err, &se) {
		switch {
		case slices.Contains(s.notFound, se.Status):
			ce.Kind = connectors.NotFound
		case slices.Contains(s.retry, se.Status) && !ce.Kind.Retryable():
			ce.Kind = connectors.Unavailable
		}
		if strings.TrimSpace(ce.Message) == "" {
			ce.Message = http.StatusText(se.Status)
		}
	}
	ce.Message = scrub.Scrub(ce.Message)
	return ce
}
