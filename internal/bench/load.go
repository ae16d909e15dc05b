package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Load sends N events from Concurrency goroutines, each waiting for its
// acknowledgement before the next, and stops at N or MaxDuration.
type Load struct {
	N           int
	Concurrency int
	MaxDuration time.Duration
	// USMod: every USMod-th event fails the condition (0: none).
	USMod int
	// IDBase offsets event ids, so warm-up and measured events differ.
	IDBase int
	// Prepare, when set, adjusts each event before it is sent.
	Prepare func(*Event)
	// Send delivers one event and returns once the system acknowledged it.
	Send func(ctx context.Context, ev Event) error
}

// LoadResult is what the sender saw.
type LoadResult struct {
	Events     []Event       `json:"-"`
	Acked      []bool        `json:"-"`
	Sent       int           `json:"sent"`
	Accepted   int           `json:"accepted"`
	Errors     int           `json:"errors"`
	FirstError string        `json:"firstError,omitempty"`
	Ack        Percentiles   `json:"ackMs"`
	Start      time.Time     `json:"start"`
	End        time.Time     `json:"end"`
	Duration   time.Duration `json:"-"`
}

// Passing are the ids of acknowledged events that pass the condition:
// those that must reach the sink.
func (r LoadResult) Passing() []int {
	var ids []int
	for i, ev := range r.Events {
		if r.Acked[i] && ev.Passes() {
			ids = append(ids, ev.ID)
		}
	}
	return ids
}

// Run sends the load. ctx bounds it further.
func (l Load) Run(ctx context.Context) LoadResult {
	res := LoadResult{Events: make([]Event, l.N), Acked: make([]bool, l.N)}
	lats := make([][]time.Duration, l.Concurrency)
	var next, sent, accepted, errs atomic.Int64
	next.Store(-1)
	var firstErr sync.Once
	ctx, cancel := context.WithTimeout(ctx, l.MaxDuration)
	defer cancel()
	res.Start = time.Now()
	var wg sync.WaitGroup
	for w := range l.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1))
				if i >= l.N {
					return
				}
				ev := NewEvent(l.IDBase+i, l.USMod)
				if l.Prepare != nil {
					l.Prepare(&ev)
				}
				t := time.Now()
				ev.stamp(t)
				res.Events[i] = ev
				err := l.Send(ctx, ev)
				sent.Add(1)
				if err != nil {
					errs.Add(1)
					firstErr.Do(func() { res.FirstError = err.Error() })
					continue
				}
				lats[w] = append(lats[w], time.Since(t))
				res.Acked[i] = true
				accepted.Add(1)
			}
		}()
	}
	wg.Wait()
	res.End = time.Now()
	res.Duration = res.End.Sub(res.Start)
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	res.Ack = percentiles(all)
	res.Sent, res.Accepted, res.Errors = int(sent.Load()), int(accepted.Load()), int(errs.Load())
	return res
}

// loopbackOnly refuses any URL that leaves the machine.
func loopbackOnly(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" {
		return errNotLoopback
	}
	return nil
}

// httpSender posts events as JSON to a webhook URL with an API key. The
// Idempotency-Key is the event id, so a retried event never runs twice.
func httpSender(client *http.Client, target, apiKey, idPrefix string) (func(context.Context, Event) error, error) {
	if err := loopbackOnly(target); err != nil {
		return nil, err
	}
	return func(ctx context.Context, ev Event) error {
		body, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Idempotency-Key", eventKey(idPrefix, ev.ID))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode/100 != 2 {
			return &statusError{Status: resp.Status, Code: resp.StatusCode, Body: string(bytes.TrimSpace(b))}
		}
		return nil
	}, nil
}

// eventKey is the Idempotency-Key of event id: Junction's event id, from
// which the webhook-id of its deliveries derives (webhookIDs).
func eventKey(prefix string, id int) string { return fmt.Sprintf("%s-%d", prefix, id) }

// statusError is an answer other than 2xx: the event is not acknowledged.
type statusError struct {
	Status string
	Code   int
	Body   string
}

func (e *statusError) Error() string { return e.Status + ": " + e.Body }

func newHTTPClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        concurrency * 2,
			MaxIdleConnsPerHost: concurrency * 2,
			MaxConnsPerHost:     concurrency,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}
