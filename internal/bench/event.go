// Package bench measures Junction against raw Temporal and n8n on one
// machine, with the scenario of the team's n8n benchmark: a webhook event,
// a condition (country == "US"; every tenth event is "DE" and must not get
// through) and a templated JSON POST to a sink. It also parks runs in a
// Wait step to see what a worker holds while they wait.
//
// Everything listens on and talks to 127.0.0.1 only, and every phase is
// bounded in events and in time. The system under test runs in a process
// of its own (cmd/junction-bench serve), so that its CPU time and memory
// are read from /proc without the load generator's and the sink's.
package bench

import (
	"fmt"
	"time"
)

// Event is one webhook event of the scenario. The sink sees its ID and
// SentAtMicros again in the body the flow posts, which is how it measures
// end-to-end latency and checks exactly-once delivery.
type Event struct {
	ID           int     `json:"id"`
	Country      string  `json:"country"`
	Email        string  `json:"email"`
	Amount       float64 `json:"amount"`
	Items        []Item  `json:"items"`
	SentAtMicros int64   `json:"sentAt"`
	// ResumeAt is when a parked run wakes up (the park scenario only).
	ResumeAt string `json:"resumeAt,omitempty"`
}

// Item is a line of an event's order.
type Item struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// NewEvent builds event i; every usMod-th event (i % usMod == 0) is "DE".
// usMod 0 makes every event "US".
func NewEvent(i, usMod int) Event {
	country := "US"
	if usMod > 0 && i%usMod == 0 {
		country = "DE"
	}
	return Event{
		ID:      i,
		Country: country,
		Email:   fmt.Sprintf("user%d@example.com", i),
		Amount:  float64(i%1000) + 0.5,
		Items:   []Item{{SKU: fmt.Sprintf("A-%d", i%97), Qty: 2}},
	}
}

// Passes is the scenario's condition, as every system under test evaluates it.
func (e Event) Passes() bool { return e.Country == "US" }

// SinkBody is what the flow posts to the sink: the event's fields passed
// through a template, as n8n's workflow builds them.
type SinkBody struct {
	ID           int    `json:"id"`
	Email        string `json:"email"`
	Country      string `json:"country"`
	AmountCents  int64  `json:"amount_cents"`
	ItemCount    int    `json:"item_count"`
	SentAtMicros int64  `json:"sentAt"`
	Source       string `json:"source"`
}

// stamp sets the send time just before the event leaves.
func (e *Event) stamp(now time.Time) { e.SentAtMicros = now.UnixMicro() }
