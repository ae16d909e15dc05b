package bench

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/junction-run/junction/definition"
)

// eventData is an event as a run's data sees it: decoded from JSON.
func eventData(t testing.TB, ev Event) map[string]any {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	return data
}

// The Junction definition and the hand-written baseline must post the same
// body, or the comparison compares different work.
func TestTemplatedBodyMatchesTheBaseline(t *testing.T) {
	for _, i := range []int{1, 7, 999, 123457} {
		ev := NewEvent(i, 10)
		ev.stamp(time.UnixMicro(1_760_000_000_123_456))
		rendered, err := definition.Render(templatedBody, definition.Env{Data: eventData(t, ev)})
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		b, err := json.Marshal(rendered)
		if err != nil {
			t.Fatal(err)
		}
		var got SinkBody
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("event %d: the sink cannot read %s: %v", i, b, err)
		}
		want := SinkBody{ID: i, Email: ev.Email, Country: "US", AmountCents: int64(math.Round(ev.Amount * 100)),
			ItemCount: 1, SentAtMicros: ev.SentAtMicros, Source: "junction"}
		if got != want {
			t.Errorf("event %d: body %+v, want %+v", i, got, want)
		}
	}
}

func TestDefinitionsAreValid(t *testing.T) {
	for name, doc := range map[string]map[string]any{
		"throughput": throughputDefinition("http://127.0.0.1:9"),
		"park":       parkDefinition("http://127.0.0.1:9"),
	} {
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := definition.Parse(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestConditionFiltersEveryTenthEvent(t *testing.T) {
	cond := throughputDefinition("http://127.0.0.1:9")["conditions"].([]string)[0]
	for i := range 30 {
		ev := NewEvent(i, 10)
		v, err := definition.RenderString(cond, definition.Env{Data: eventData(t, ev)})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := definition.Truthy(v), i%10 != 0; got != want || ev.Passes() != want {
			t.Errorf("event %d (%s): condition %v, Passes %v, want %v", i, ev.Country, got, ev.Passes(), want)
		}
	}
}

func TestParkDurationWaitsUntilResumeAt(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		resumeAt time.Time
		want     time.Duration
	}{
		{"ahead", now.Add(90*time.Second + 250*time.Millisecond), 90*time.Second + 250*time.Millisecond},
		{"passed", now.Add(-time.Minute), time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string]any{"resumeAt": tc.resumeAt.Format(time.RFC3339Nano)}
			v, err := definition.RenderString(parkDuration, definition.Env{Data: data, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := v.(string)
			got, err := definition.ParseDuration(s)
			if err != nil {
				t.Fatalf("%q: %v", v, err)
			}
			if got != tc.want {
				t.Errorf("waits %s, want %s", got, tc.want)
			}
		})
	}
}

func TestVerdict(t *testing.T) {
	events := []Event{NewEvent(0, 10), NewEvent(1, 10), NewEvent(2, 10), NewEvent(3, 10), {}}
	for i := range events[:4] {
		events[i].stamp(time.Now())
	}
	for _, tc := range []struct {
		name   string
		acked  []bool
		posted []int // ids posted to the sink, in order
		want   Delivery
	}{
		{"exactly once", []bool{true, true, true, true, false}, []int{1, 2, 3},
			Delivery{Expected: 3, Delivered: 3, ExactlyOnce: true}},
		{"missing and duplicated", []bool{true, true, true, true, false}, []int{1, 1, 3},
			Delivery{Expected: 3, Delivered: 1, Missing: 1, Duplicated: 1}},
		{"filtered event arrived", []bool{true, true, true, true, false}, []int{0, 1, 2, 3},
			Delivery{Expected: 3, Delivered: 3, Filtered: 1}},
		{"unacknowledged arrival is allowed", []bool{true, false, true, true, false}, []int{1, 2, 3},
			Delivery{Expected: 2, Delivered: 2, Unacknowledged: 1, ExactlyOnce: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Sink{byID: map[int]*arrival{}}
			for _, id := range tc.posted {
				ev := events[id]
				a := s.byID[id]
				if a == nil {
					a = &arrival{country: ev.Country, first: time.Now(), sentAt: ev.SentAtMicros}
					s.byID[id] = a
				}
				a.count++
				s.posts++
			}
			got := s.Verdict(events, tc.acked)
			tc.want.Posts = int64(len(tc.posted))
			got.E2E, got.LastArrival = Percentiles{}, time.Time{}
			if got != tc.want {
				t.Errorf("verdict %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := percentiles(ds)
	want := Percentiles{Count: 100, P50: 50, P90: 90, P99: 99, Max: 100}
	if got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
	if (percentiles(nil) != Percentiles{}) {
		t.Error("no samples must give zeros")
	}
}

// BenchmarkRenderTemplatedBody is the interpreter's per-step expression
// work for the scenario's HTTP step: the body template over the event.
func BenchmarkRenderTemplatedBody(b *testing.B) {
	data := eventData(b, NewEvent(42, 10))
	env := definition.Env{Data: data}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := definition.Render(templatedBody, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCondition is the gateway's per-event condition check.
func BenchmarkCondition(b *testing.B) {
	cond := throughputDefinition("http://127.0.0.1:9")["conditions"].([]string)[0]
	env := definition.Env{Data: eventData(b, NewEvent(42, 10))}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := definition.RenderString(cond, env); err != nil {
			b.Fatal(err)
		}
	}
}
