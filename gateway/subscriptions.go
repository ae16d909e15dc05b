package gateway

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/outbound"
	"github.com/junction-run/junction/store"
)

// subscriptionView is a subscription as the API shows it: secrets only say
// that they are set; the signing secret's value is shown once, when it is
// made (SigningSecret, on creation and rotation).
type subscriptionView struct {
	ID                string            `json:"id"`
	Name              string            `json:"name,omitempty"`
	Events            []string          `json:"events"`
	TriggerConnection string            `json:"triggerConnection,omitempty"`
	URL               string            `json:"url"`
	Method            string            `json:"method"`
	Format            string            `json:"format"`
	Headers           map[string]string `json:"headers"`
	Body              json.RawMessage   `json:"body,omitempty"`
	Auth              map[string]any    `json:"auth"`
	Retry             retryView         `json:"retry"`
	TimeoutSeconds    int               `json:"timeoutSeconds"`
	DisableAfter      string            `json:"disableAfter"`
	Status            string            `json:"status"`
	DisabledReason    string            `json:"disabledReason,omitempty"`
	FailingSince      string            `json:"failingSince,omitempty"`
	// SigningSecret is {"set": true}, or the secret itself in the answer
	// that made it.
	SigningSecret       any    `json:"signingSecret"`
	PreviousSecretUntil string `json:"previousSecretUntil,omitempty"`
	CreatedAt           string `json:"createdAt"`
	UpdatedAt           string `json:"updatedAt"`
	Version             int    `json:"version"`
}

type retryView struct {
	// Default is set when the subscription retries on EddyDesk's schedule.
	Default  bool     `json:"default"`
	Schedule []string `json:"schedule"`
	Jitter   float64  `json:"jitter"`
}

var setMarker = map[string]bool{"set": true}

func viewSubscription(s store.Subscription, now time.Time) subscriptionView {
	auth := map[string]any{"type": s.AuthKind}
	switch s.AuthKind {
	case manage.AuthBasic:
		auth["username"], auth["password"] = s.AuthUsername, setMarker
	case manage.AuthBearer:
		auth["token"] = setMarker
	case manage.AuthConnection:
		auth["connection"] = s.AuthConnection
	}
	schedule := outbound.Schedule(s.Retry)
	if s.Retry == nil {
		schedule = outbound.EddyDeskSchedule()
	}
	retry := retryView{Default: s.Retry == nil, Schedule: make([]string, 0, len(schedule)), Jitter: outbound.Jitter}
	for _, d := range schedule {
		retry.Schedule = append(retry.Schedule, d.String())
	}
	headers := s.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	v := subscriptionView{ID: s.ID, Name: s.Name, Events: s.Events, TriggerConnection: s.TriggerConnection,
		URL: s.URL, Method: s.Method, Format: s.Format, Headers: headers, Auth: auth, Retry: retry,
		TimeoutSeconds: s.TimeoutSeconds, DisableAfter: s.DisableAfter.String(), Status: s.Status,
		DisabledReason: s.DisabledReason, SigningSecret: setMarker,
		CreatedAt: formatTime(s.CreatedAt), UpdatedAt: formatTime(s.UpdatedAt), Version: s.Version}
	if s.Body != "" {
		v.Body = json.RawMessage(s.Body)
	}
	if !s.FailingSince.IsZero() {
		v.FailingSince = formatTime(s.FailingSince)
	}
	if now.Before(s.PreviousSecretUntil) {
		v.PreviousSecretUntil = formatTime(s.PreviousSecretUntil)
	}
	return v
}

func (g *Gateway) createSubscription(c *gin.Context) error {
	var req manage.SubscriptionRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	created, err := g.subscriptions.Create(c.Request.Context(), c.Param("accountId"), req)
	if err != nil {
		return err
	}
	v := viewSubscription(created.Subscription, g.now())
	v.SigningSecret = created.SigningSecret
	c.Header("Location", "/api/v1/accounts/"+created.Subscription.AccountID+"/subscriptions/"+created.Subscription.ID)
	c.JSON(http.StatusCreated, v)
	return nil
}

func (g *Gateway) listSubscriptions(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	subs, err := g.subscriptions.List(c.Request.Context(), c.Param("accountId"), page)
	if err != nil {
		return err
	}
	out := make([]subscriptionView, 0, len(subs))
	for _, s := range subs {
		out = append(out, viewSubscription(s, g.now()))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (g *Gateway) getSubscription(c *gin.Context) error {
	s, err := g.subscriptions.Get(c.Request.Context(), c.Param("accountId"), c.Param("subscriptionId"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewSubscription(s, g.now()))
	return nil
}

func (g *Gateway) updateSubscription(c *gin.Context) error {
	var req manage.SubscriptionRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	s, err := g.subscriptions.Update(c.Request.Context(), c.Param("accountId"), c.Param("subscriptionId"), req)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewSubscription(s, g.now()))
	return nil
}

func (g *Gateway) deleteSubscription(c *gin.Context) error {
	if err := g.subscriptions.Delete(c.Request.Context(), c.Param("accountId"), c.Param("subscriptionId")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// rotateSubscriptionSecret makes a new signing secret; the old one keeps
// signing beside it for the overlap (default 24h).
func (g *Gateway) rotateSubscriptionSecret(c *gin.Context) error {
	var req struct {
		Overlap string `json:"overlap"`
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(body) > 0 {
		if err := decodeStrictBytes(body, &req); err != nil {
			return err
		}
	}
	var overlap time.Duration
	if req.Overlap != "" {
		if overlap, err = definition.ParseDuration(req.Overlap); err != nil || overlap <= 0 {
			return badRequest("overlap must be a positive duration (\"24h\", \"PT1H\").",
				fieldError{Path: "overlap", Code: "invalid_value", Message: "must be a positive duration"})
		}
	}
	rotated, err := g.subscriptions.RotateSecret(c.Request.Context(), c.Param("accountId"), c.Param("subscriptionId"), overlap)
	if err != nil {
		return err
	}
	v := viewSubscription(rotated.Subscription, g.now())
	v.SigningSecret = rotated.SigningSecret
	c.JSON(http.StatusOK, v)
	return nil
}

// deliveryView is a delivery as the API shows it.
type deliveryView struct {
	ID             string        `json:"id"`
	SubscriptionID string        `json:"subscriptionId"`
	MessageID      string        `json:"messageId"`
	EventType      string        `json:"eventType"`
	EventID        string        `json:"eventId"`
	Status         string        `json:"status"`
	Generation     int           `json:"generation"`
	Attempts       []attemptView `json:"attempts"`
	NextAttemptAt  string        `json:"nextAttemptAt,omitempty"`
	// Response is the last answer: what a delivered one's receiver said.
	Response  *attemptView `json:"response,omitempty"`
	CreatedAt string       `json:"createdAt"`
	UpdatedAt string       `json:"updatedAt"`
}

type attemptView struct {
	N          int               `json:"n"`
	Generation int               `json:"generation"`
	At         string            `json:"at"`
	StatusCode int               `json:"statusCode"`
	DurationMs int64             `json:"durationMs"`
	Error      string            `json:"error,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       string            `json:"body,omitempty"`
}

func viewDelivery(d manage.Delivery) deliveryView {
	v := deliveryView{ID: d.ID, SubscriptionID: d.SubscriptionID, MessageID: d.MessageID, EventType: d.EventType,
		EventID: d.EventID, Status: d.Status, Generation: d.Generation, Attempts: make([]attemptView, 0, len(d.Attempts)),
		CreatedAt: formatTime(d.CreatedAt), UpdatedAt: formatTime(d.UpdatedAt)}
	if !d.NextAttemptAt.IsZero() {
		v.NextAttemptAt = formatTime(d.NextAttemptAt)
	}
	for _, a := range d.Attempts {
		v.Attempts = append(v.Attempts, attemptView{N: a.N, Generation: a.Generation, At: formatTime(a.At), StatusCode: a.StatusCode,
			DurationMs: a.DurationMs, Error: a.Error, Headers: a.ResponseHeaders, Body: a.ResponseBody})
	}
	if n := len(v.Attempts); n > 0 {
		last := v.Attempts[n-1]
		v.Response = &last
	}
	return v
}

func (g *Gateway) listDeliveries(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	f := store.DeliveryFilter{Status: c.Query("status")}
	if err := timeRange(c, &f.Since, &f.Until); err != nil {
		return err
	}
	ds, err := g.subscriptions.Deliveries(c.Request.Context(), c.Param("accountId"), c.Param("subscriptionId"), f, page)
	if err != nil {
		return err
	}
	out := make([]deliveryView, 0, len(ds))
	for _, d := range ds {
		out = append(out, viewDelivery(d))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (g *Gateway) getDelivery(c *gin.Context) error {
	d, err := g.subscriptions.Delivery(c.Request.Context(), c.Param("accountId"), c.Param("subscriptionId"), c.Param("deliveryId"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewDelivery(d))
	return nil
}

func (g *Gateway) redeliver(c *gin.Context) error {
	d, err := g.subscriptions.Redeliver(c.Request.Context(), c.Param("accountId"), c.Param("subscriptionId"), c.Param("deliveryId"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, gin.H{"id": d.ID, "messageId": d.MessageID, "status": d.Status, "generation": d.Generation})
	return nil
}

// recoverDeliveries sends again every failed delivery created in a window.
func (g *Gateway) recoverDeliveries(c *gin.Context) error {
	var req struct {
		Since time.Time `json:"since"`
		Until time.Time `json:"until"`
	}
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	n, err := g.subscriptions.Recover(c.Request.Context(), c.Param("accountId"), c.Param("subscriptionId"), req.Since.UTC(), req.Until.UTC())
	if err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, gin.H{"redelivered": n})
	return nil
}
