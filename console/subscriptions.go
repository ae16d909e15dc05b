package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/runs"
)

// The subscriptions pages: an account's subscriptions, one subscription with
// its deliveries, and one delivery with its attempts. Changes go through the
// API's own routes (admin scope); the signing secret, which the API shows
// once in the answer that makes it, is never drawn on a page.

func (c *Console) subscriptionRoutes() {
	c.mux.HandleFunc("GET /console/subscriptions", c.signedIn(c.subscriptionsPage))
	c.mux.HandleFunc("GET /console/subscriptions/new", c.signedIn(c.newSubscriptionPage))
	c.mux.HandleFunc("POST /console/subscriptions", c.signedIn(c.createSubscription))
	c.mux.HandleFunc("GET /console/subscriptions/{id}", c.signedIn(c.subscriptionPage))
	c.mux.HandleFunc("GET /console/subscriptions/{id}/edit", c.signedIn(c.editSubscriptionPage))
	c.mux.HandleFunc("POST /console/subscriptions/{id}", c.signedIn(c.updateSubscription))
	c.mux.HandleFunc("POST /console/subscriptions/{id}/status", c.signedIn(c.setSubscriptionStatus))
	c.mux.HandleFunc("POST /console/subscriptions/{id}/rotate-secret", c.signedIn(c.rotateSubscriptionSecret))
	c.mux.HandleFunc("POST /console/subscriptions/{id}/recover", c.signedIn(c.recoverDeliveries))
	c.mux.HandleFunc("POST /console/subscriptions/{id}/delete", c.signedIn(c.deleteSubscription))
	c.mux.HandleFunc("GET /console/subscriptions/{id}/deliveries/{deliveryId}", c.signedIn(c.deliveryPage))
	c.mux.HandleFunc("POST /console/subscriptions/{id}/deliveries/{deliveryId}/redeliver", c.signedIn(c.redeliver))
}

// subscription is a subscription as the API answers it, without its
// signing secret: the console does not even read it.
type subscription struct {
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Events            []string          `json:"events"`
	TriggerConnection string            `json:"triggerConnection"`
	URL               string            `json:"url"`
	Method            string            `json:"method"`
	Format            string            `json:"format"`
	Headers           map[string]string `json:"headers"`
	Body              json.RawMessage   `json:"body"`
	Auth              struct {
		Type       string          `json:"type"`
		Username   string          `json:"username"`
		Connection string          `json:"connection"`
		Password   json.RawMessage `json:"password"`
		Token      json.RawMessage `json:"token"`
	} `json:"auth"`
	Retry struct {
		Default  bool     `json:"default"`
		Schedule []string `json:"schedule"`
		Jitter   float64  `json:"jitter"`
	} `json:"retry"`
	TimeoutSeconds      int    `json:"timeoutSeconds"`
	DisableAfter        string `json:"disableAfter"`
	Status              string `json:"status"`
	DisabledReason      string `json:"disabledReason"`
	FailingSince        string `json:"failingSince"`
	PreviousSecretUntil string `json:"previousSecretUntil"`
	CreatedAt           string `json:"createdAt"`
	UpdatedAt           string `json:"updatedAt"`
	Version             int    `json:"version"`
}

// delivery is a delivery as the API answers it.
type delivery struct {
	ID             string    `json:"id"`
	SubscriptionID string    `json:"subscriptionId"`
	MessageID      string    `json:"messageId"`
	EventType      string    `json:"eventType"`
	EventID        string    `json:"eventId"`
	Status         string    `json:"status"`
	Generation     int       `json:"generation"`
	Attempts       []attempt `json:"attempts"`
	NextAttemptAt  string    `json:"nextAttemptAt"`
	CreatedAt      string    `json:"createdAt"`
	UpdatedAt      string    `json:"updatedAt"`
}

// attempt is one request a delivery sent and what came back, as the API
// keeps it (headers and the start of the body, scrubbed of secrets).
type attempt struct {
	N          int               `json:"n"`
	Generation int               `json:"generation"`
	At         string            `json:"at"`
	StatusCode int               `json:"statusCode"`
	DurationMs int64             `json:"durationMs"`
	Error      string            `json:"error"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// deliveryStatuses are the API's ?status= values of deliveries.
var deliveryStatuses = []string{"pending", "delivered", "failed"}

// builtinEvents are the events any account can subscribe to, offered as
// check boxes; app triggers (<app>.<trigger>) are written out.
var builtinEvents = append([]string{definition.TriggerHTTPRequest, definition.TriggerInboundSMS, definition.TriggerInboundChatApps},
	runs.SystemEvents...)

// subscriptionNotices are the confirmations a redirect after a change asks
// for (?notice=), so that no text of the URL is echoed on the page.
var subscriptionNotices = map[string]string{
	"created":     "Subscription created. Its signing secret was made and is not shown here: rotate it through the API (POST …/rotate-secret) to receive one.",
	"saved":       "Subscription saved.",
	"enabled":     "Subscription enabled.",
	"disabled":    "Subscription disabled.",
	"rotated":     "Signing secret rotated. The new secret is not shown here: the API shows a secret only in the answer of POST …/rotate-secret, so rotate through the API to receive one. The previous secret keeps signing until the time shown below.",
	"deleted":     "Subscription deleted.",
	"redelivered": "Delivery sent again, as its next generation.",
	"recovered":   "Failed deliveries sent again.",
}

// notice is the confirmation ?notice= names, among known ones.
func notice(r *http.Request, known map[string]string) string {
	return known[r.URL.Query().Get("notice")]
}

func subscriptionPath(id string) string { return "/subscriptions/" + url.PathEscape(id) }

// subscriptionsPage lists the account's subscriptions.
func (c *Console) subscriptionsPage(w http.ResponseWriter, r *http.Request, s *Session) {
	page := pageOf(r)
	var subs []subscription
	err := c.call(r, http.MethodGet, s.AccountPath("/subscriptions")+"?"+page.query().Encode(), nil, &subs)
	c.render(w, r, statusOf(err), "subscriptions", s, pageData{Title: "Subscriptions", Section: "subscriptions", Error: err,
		Notice: notice(r, subscriptionNotices),
		Data: struct {
			Subscriptions []subscription
			Page          listPage
		}{subs, page.withCount(len(subs))}})
}

// subscriptionData is the subscription page's.
type subscriptionData struct {
	Subscription subscription
	Deliveries   []delivery
	// Status is the deliveries' filter; "" all.
	Status   string
	Statuses []string
	Page     listPage
	PrevURL  string
	NextURL  string
	// Base is the account's API path of the subscription, for the notes
	// that say what to call for the signing secret.
	Base string
}

// subscriptionPage shows a subscription, its buttons by scope, and its
// deliveries, newest first.
func (c *Console) subscriptionPage(w http.ResponseWriter, r *http.Request, s *Session) {
	note := notice(r, subscriptionNotices)
	if n, err := strconv.Atoi(r.URL.Query().Get("count")); err == nil && r.URL.Query().Get("notice") == "recovered" {
		note = fmt.Sprintf("%d failed deliveries sent again.", n)
	}
	c.showSubscription(w, r, s, http.StatusOK, nil, note)
}

// showSubscription draws the subscription page with status and err (the
// answer to a button that failed).
func (c *Console) showSubscription(w http.ResponseWriter, r *http.Request, s *Session, status int, actionErr error, note string) {
	id := r.PathValue("id")
	data := subscriptionData{Statuses: deliveryStatuses, Base: s.AccountPath(subscriptionPath(id))}
	if err := c.call(r, http.MethodGet, s.AccountPath(subscriptionPath(id)), nil, &data.Subscription); err != nil {
		c.render(w, r, statusOf(err), "subscription", s, pageData{Title: "Subscription", Section: "subscriptions", Error: err})
		return
	}
	title := data.Subscription.Name
	if title == "" {
		title = "Subscription " + id
	}
	data.Page = pageOf(r)
	q := data.Page.query()
	if st := r.URL.Query().Get("status"); slices.Contains(deliveryStatuses, st) {
		data.Status = st
		q.Set("status", st)
	}
	err := c.call(r, http.MethodGet, s.AccountPath(subscriptionPath(id)+"/deliveries")+"?"+q.Encode(), nil, &data.Deliveries)
	data.Page = data.Page.withCount(len(data.Deliveries))
	data.PrevURL, data.NextURL = pageURLs(data.Page, url.Values{"status": {data.Status}})
	if actionErr != nil {
		err = actionErr
	} else if err != nil {
		status = statusOf(err)
	}
	c.render(w, r, status, "subscription", s, pageData{Title: title, Section: "subscriptions", Error: err, Notice: note, Data: data})
}

// pageURLs are the links to the pages before and after p, keeping the
// list's filters (empty ones left out); "" where there is none.
func pageURLs(p listPage, filters url.Values) (prev, next string) {
	link := func(n int) string {
		q := url.Values{}
		for k, vs := range filters {
			for _, v := range vs {
				if v != "" {
					q.Add(k, v)
				}
			}
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return "?"
		}
		return "?" + q.Encode()
	}
	if p.Number > 1 {
		prev = link(p.Number - 1)
	}
	if p.More {
		next = link(p.Number + 1)
	}
	return prev, next
}

// subscriptionForm is the new and edit form's values, as written. Secrets
// are never put back into it: a password or token left empty keeps the
// stored one.
type subscriptionForm struct {
	ID, Name, URL, Method, Format, TriggerConnection string
	Events                                           []string
	AppEvents, Headers, Body                         string
	AuthType, Username, Connection                   string
	PasswordSet, TokenSet                            bool
	RetryMode, RetrySchedule                         string
	TimeoutSeconds, DisableAfter, Status             string
	Version                                          int
	// passwordInput and tokenInput are what was typed, sent to the API
	// and never drawn again.
	passwordInput, tokenInput string
}

// formData is the form page's.
type formData struct {
	Form subscriptionForm
	// Builtin are the events every account has, each checked when the
	// form names it.
	Builtin []eventChoice
	// AppTriggers are the webhook triggers of the account's apps, which a
	// subscription may name (<app>.<trigger>).
	AppTriggers []string
	Methods     []string
	Formats     []string
	AuthTypes   []string
}

// eventChoice is one check box of an event.
type eventChoice struct {
	Name    string
	Checked bool
}

func (c *Console) newSubscriptionPage(w http.ResponseWriter, r *http.Request, s *Session) {
	c.showForm(w, r, s, http.StatusOK, subscriptionForm{Method: "POST", Format: "json", AuthType: manage.AuthNone,
		RetryMode: "default", Status: "enabled"}, nil)
}

func (c *Console) editSubscriptionPage(w http.ResponseWriter, r *http.Request, s *Session) {
	var sub subscription
	if err := c.call(r, http.MethodGet, s.AccountPath(subscriptionPath(r.PathValue("id"))), nil, &sub); err != nil {
		c.render(w, r, statusOf(err), "subscription_form", s, pageData{Title: "Edit subscription", Section: "subscriptions", Error: err,
			Data: formData{Form: subscriptionForm{ID: r.PathValue("id")}}})
		return
	}
	c.showForm(w, r, s, http.StatusOK, formOf(sub), nil)
}

// showForm draws the new or edit form with err (the API's problems).
func (c *Console) showForm(w http.ResponseWriter, r *http.Request, s *Session, status int, f subscriptionForm, err error) {
	title := "New subscription"
	if f.ID != "" {
		title = "Edit subscription"
	}
	data := formData{Form: f, Methods: []string{"POST", "PUT", "PATCH", "GET", "DELETE"},
		Formats: []string{"json", "xml", "form"}, AuthTypes: []string{manage.AuthNone, manage.AuthBasic, manage.AuthBearer, manage.AuthConnection}}
	for _, ev := range builtinEvents {
		data.Builtin = append(data.Builtin, eventChoice{Name: ev, Checked: slices.Contains(f.Events, ev)})
	}
	// The list of app triggers is a help, not the page: without it the
	// form still takes any event the API does.
	var doc connectors.ManifestDoc
	if c.call(r, http.MethodGet, s.AccountPath("/manifest"), nil, &doc) == nil {
		data.AppTriggers = webhookTriggers(doc)
	}
	c.render(w, r, status, "subscription_form", s, pageData{Title: title, Section: "subscriptions", Error: err, Data: data})
}

// webhookTriggers are the <app>.<trigger> events of the manifest's webhook
// triggers (a polling trigger cannot be subscribed to), in order.
func webhookTriggers(doc connectors.ManifestDoc) []string {
	var out []string
	for _, conn := range doc.Connectors {
		spec := conn.Documented()
		for _, t := range spec.Triggers {
			if t.Kind == connectors.TriggerWebhook {
				out = append(out, conn.ID+"."+t.ID)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (c *Console) createSubscription(w http.ResponseWriter, r *http.Request, s *Session) {
	f := readForm(r)
	req, err := f.request()
	if err == nil {
		var created subscription
		if err = c.call(r, http.MethodPost, s.AccountPath("/subscriptions"), req, &created); err == nil {
			http.Redirect(w, r, "/console/subscriptions/"+url.PathEscape(created.ID)+"?notice=created", http.StatusSeeOther)
			return
		}
	}
	c.showForm(w, r, s, statusOf(err), f, err)
}

func (c *Console) updateSubscription(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	f := readForm(r)
	f.ID = id
	req, err := f.request()
	if err == nil {
		if err = c.call(r, http.MethodPut, s.AccountPath(subscriptionPath(id)), req, nil); err == nil {
			http.Redirect(w, r, "/console/subscriptions/"+url.PathEscape(id)+"?notice=saved", http.StatusSeeOther)
			return
		}
	}
	// The secrets' state is the stored subscription's, not the form's.
	var sub subscription
	if c.call(r, http.MethodGet, s.AccountPath(subscriptionPath(id)), nil, &sub) == nil {
		stored := formOf(sub)
		f.PasswordSet, f.TokenSet = stored.PasswordSet, stored.TokenSet
	}
	c.showForm(w, r, s, statusOf(err), f, err)
}

// setSubscriptionStatus enables or disables a subscription: a PUT of the
// subscription as it is, with the status changed (enabling also clears its
// failure record).
func (c *Console) setSubscriptionStatus(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	status := r.PostFormValue("status")
	var sub subscription
	err := c.call(r, http.MethodGet, s.AccountPath(subscriptionPath(id)), nil, &sub)
	if err == nil {
		f := formOf(sub)
		f.Status = status
		var req manage.SubscriptionRequest
		if req, err = f.request(); err == nil {
			err = c.call(r, http.MethodPut, s.AccountPath(subscriptionPath(id)), req, nil)
		}
	}
	c.afterAction(w, r, s, err, status)
}

// rotateSubscriptionSecret makes a new signing secret. The API's answer
// holds it; the console drops it.
func (c *Console) rotateSubscriptionSecret(w http.ResponseWriter, r *http.Request, s *Session) {
	body := map[string]string{}
	if overlap := strings.TrimSpace(r.PostFormValue("overlap")); overlap != "" {
		body["overlap"] = overlap
	}
	err := c.call(r, http.MethodPost, s.AccountPath(subscriptionPath(r.PathValue("id"))+"/rotate-secret"), body, nil)
	c.afterAction(w, r, s, err, "rotated")
}

// recoverDeliveries sends again the failed deliveries created since a time
// (and before another, or now). The form's times are UTC.
func (c *Console) recoverDeliveries(w http.ResponseWriter, r *http.Request, s *Session) {
	var problems []FieldError
	body := map[string]time.Time{}
	for _, name := range []string{"since", "until"} {
		text := strings.TrimSpace(r.PostFormValue(name))
		if text == "" {
			continue
		}
		t, err := parseLocalTime(text)
		if err != nil {
			problems = append(problems, FieldError{Path: name, Message: "must be a date and time (2026-11-24T08:00)"})
			continue
		}
		body[name] = t
	}
	var err error
	if len(problems) > 0 {
		err = &APIError{Status: http.StatusBadRequest, Message: "The form has problems.", Errors: problems}
	} else {
		var out struct {
			Redelivered int `json:"redelivered"`
		}
		if err = c.call(r, http.MethodPost, s.AccountPath(subscriptionPath(r.PathValue("id"))+"/recover"), body, &out); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/console/subscriptions/%s?notice=recovered&count=%d", url.PathEscape(r.PathValue("id")), out.Redelivered), http.StatusSeeOther)
			return
		}
	}
	c.afterAction(w, r, s, err, "")
}

// parseLocalTime reads a datetime-local input's value as UTC.
func parseLocalTime(text string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, text, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date and time: %q", text)
}

func (c *Console) deleteSubscription(w http.ResponseWriter, r *http.Request, s *Session) {
	if err := c.call(r, http.MethodDelete, s.AccountPath(subscriptionPath(r.PathValue("id"))), nil, nil); err != nil {
		c.showSubscription(w, r, s, statusOf(err), err, "")
		return
	}
	http.Redirect(w, r, "/console/subscriptions?notice=deleted", http.StatusSeeOther)
}

// afterAction sends the browser back to the subscription with notice, or
// draws it with the API's error.
func (c *Console) afterAction(w http.ResponseWriter, r *http.Request, s *Session, err error, note string) {
	if err != nil {
		c.showSubscription(w, r, s, statusOf(err), err, "")
		return
	}
	http.Redirect(w, r, "/console/subscriptions/"+url.PathEscape(r.PathValue("id"))+"?notice="+url.QueryEscape(note), http.StatusSeeOther)
}

// deliveryData is the delivery page's.
type deliveryData struct {
	Subscription subscription
	Delivery     delivery
	// Live is set while the delivery is still being tried: its attempts
	// refresh themselves.
	Live bool
}

var deliveryNotices = map[string]string{"redelivered": subscriptionNotices["redelivered"]}

func (c *Console) deliveryPage(w http.ResponseWriter, r *http.Request, s *Session) {
	c.showDelivery(w, r, s, http.StatusOK, nil, notice(r, deliveryNotices))
}

func (c *Console) showDelivery(w http.ResponseWriter, r *http.Request, s *Session, status int, actionErr error, note string) {
	id, deliveryID := r.PathValue("id"), r.PathValue("deliveryId")
	var data deliveryData
	err := c.call(r, http.MethodGet, s.AccountPath(subscriptionPath(id)), nil, &data.Subscription)
	if err == nil {
		err = c.call(r, http.MethodGet, s.AccountPath(subscriptionPath(id)+"/deliveries/"+url.PathEscape(deliveryID)), nil, &data.Delivery)
	}
	if err != nil {
		c.render(w, r, statusOf(err), "delivery", s, pageData{Title: "Delivery " + deliveryID, Section: "subscriptions", Error: err})
		return
	}
	data.Live = data.Delivery.Status == "pending"
	c.render(w, r, status, "delivery", s, pageData{Title: "Delivery " + deliveryID, Section: "subscriptions",
		Error: actionErr, Notice: note, Data: data})
}

func (c *Console) redeliver(w http.ResponseWriter, r *http.Request, s *Session) {
	id, deliveryID := r.PathValue("id"), r.PathValue("deliveryId")
	err := c.call(r, http.MethodPost, s.AccountPath(subscriptionPath(id)+"/deliveries/"+url.PathEscape(deliveryID)+"/redeliver"), nil, nil)
	if err != nil {
		c.showDelivery(w, r, s, statusOf(err), err, "")
		return
	}
	http.Redirect(w, r, "/console/subscriptions/"+url.PathEscape(id)+"/deliveries/"+url.PathEscape(deliveryID)+"?notice=redelivered", http.StatusSeeOther)
}

// readForm reads the posted form.
func readForm(r *http.Request) subscriptionForm {
	_ = r.ParseForm()
	v := r.PostForm
	version, _ := strconv.Atoi(v.Get("version"))
	return subscriptionForm{Name: v.Get("name"), URL: v.Get("url"), Method: v.Get("method"), Format: v.Get("format"),
		TriggerConnection: v.Get("triggerConnection"), Events: v["event"], AppEvents: v.Get("appEvents"),
		Headers: v.Get("headers"), Body: v.Get("body"), AuthType: v.Get("authType"), Username: v.Get("username"),
		Connection: v.Get("connection"), RetryMode: v.Get("retryMode"), RetrySchedule: v.Get("retrySchedule"),
		TimeoutSeconds: v.Get("timeoutSeconds"), DisableAfter: v.Get("disableAfter"), Status: v.Get("status"),
		Version: version, passwordInput: v.Get("password"), tokenInput: v.Get("token")}
}

// formOf is the form of a stored subscription.
func formOf(sub subscription) subscriptionForm {
	f := subscriptionForm{ID: sub.ID, Name: sub.Name, URL: sub.URL, Method: sub.Method, Format: sub.Format,
		TriggerConnection: sub.TriggerConnection, AuthType: sub.Auth.Type, Username: sub.Auth.Username,
		Connection: sub.Auth.Connection, PasswordSet: isSet(sub.Auth.Password), TokenSet: isSet(sub.Auth.Token),
		DisableAfter: sub.DisableAfter, Status: sub.Status, Version: sub.Version, RetryMode: "default"}
	var apps []string
	for _, ev := range sub.Events {
		if slices.Contains(builtinEvents, ev) {
			f.Events = append(f.Events, ev)
		} else {
			apps = append(apps, ev)
		}
	}
	f.AppEvents = strings.Join(apps, "\n")
	names := make([]string, 0, len(sub.Headers))
	for name := range sub.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	lines := make([]string, 0, len(names))
	for _, name := range names {
		lines = append(lines, name+": "+sub.Headers[name])
	}
	f.Headers = strings.Join(lines, "\n")
	if len(sub.Body) > 0 && string(sub.Body) != "null" {
		var body any
		if json.Unmarshal(sub.Body, &body) == nil {
			f.Body = funcs["pretty"].(func(any) string)(body)
		}
	}
	if !sub.Retry.Default {
		f.RetryMode, f.RetrySchedule = "custom", strings.Join(sub.Retry.Schedule, ", ")
	}
	if sub.TimeoutSeconds != 0 {
		f.TimeoutSeconds = strconv.Itoa(sub.TimeoutSeconds)
	}
	return f
}

// isSet reports whether a secret shows as {"set": true}.
func isSet(raw json.RawMessage) bool {
	var m struct {
		Set bool `json:"set"`
	}
	return json.Unmarshal(raw, &m) == nil && m.Set
}

// request is the API request the form describes, or a 400 listing what
// the form itself cannot say in JSON (a body that is not JSON, a timeout
// that is not a number); the API checks everything else.
func (f subscriptionForm) request() (manage.SubscriptionRequest, error) {
	var problems []FieldError
	req := manage.SubscriptionRequest{Name: strings.TrimSpace(f.Name), URL: strings.TrimSpace(f.URL), Method: f.Method,
		Format: f.Format, TriggerConnection: strings.TrimSpace(f.TriggerConnection), DisableAfter: strings.TrimSpace(f.DisableAfter),
		Status: f.Status, Version: f.Version, Events: []string{}}
	req.Events = append(req.Events, f.Events...)
	for _, line := range strings.FieldsFunc(f.AppEvents, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		if ev := strings.TrimSpace(line); ev != "" && !slices.Contains(req.Events, ev) {
			req.Events = append(req.Events, ev)
		}
	}
	for i, line := range strings.Split(strings.ReplaceAll(f.Headers, "\r", ""), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			problems = append(problems, FieldError{Path: "headers", Message: fmt.Sprintf("line %d must be Name: value", i+1)})
			continue
		}
		if req.Headers == nil {
			req.Headers = map[string]string{}
		}
		req.Headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	if body := strings.TrimSpace(f.Body); body != "" {
		if !json.Valid([]byte(body)) {
			problems = append(problems, FieldError{Path: "body", Message: "must be JSON"})
		} else {
			req.Body = json.RawMessage(body)
		}
	}
	if text := strings.TrimSpace(f.TimeoutSeconds); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil {
			problems = append(problems, FieldError{Path: "timeoutSeconds", Message: "must be a whole number of seconds"})
		}
		req.TimeoutSeconds = n
	}
	if f.RetryMode == "custom" {
		// Durations separated by commas or white space; none is an empty
		// schedule (no retries), not an absent one.
		schedule := strings.FieldsFunc(f.RetrySchedule, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
		req.Retry = &manage.RetryRequest{Schedule: append([]string{}, schedule...)}
	}
	auth := &manage.SubscriptionAuth{Type: f.AuthType}
	switch f.AuthType {
	case manage.AuthBasic:
		auth.Username = strings.TrimSpace(f.Username)
		auth.Password = secretJSON(f.passwordInput)
	case manage.AuthBearer:
		auth.Token = secretJSON(f.tokenInput)
	case manage.AuthConnection:
		auth.Connection = strings.TrimSpace(f.Connection)
	}
	req.Auth = auth
	if len(problems) > 0 {
		return req, &APIError{Status: http.StatusBadRequest, Message: "The form has problems.", Errors: problems}
	}
	return req, nil
}

// secretJSON is a secret typed into the form, as the API takes it; empty
// keeps the stored one.
func secretJSON(value string) json.RawMessage {
	if value == "" {
		return nil
	}
	b, _ := json.Marshal(value)
	return b
}
