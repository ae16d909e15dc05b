package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/internal/devvault"
	"github.com/junction-run/junction/outbound"
	"github.com/junction-run/junction/runs"
)

// SystemDeliveries selects the deliveries scenario: outbound webhook
// subscriptions (issue 14) on Junction as it ships.
const SystemDeliveries = "deliveries"

// deliveriesAccount is the account the scenario works in: serve's dev
// account.
const deliveriesAccount = "dev"

// DeliveriesConfig is the deliveries scenario. Its first part sends N
// events through the gateway twice, to the throughput scenario's
// definition alone (the baseline) and then with a subscription to every
// http_request event as well, so the cost of the fan-out on runs is
// measured beside the deliveries it makes. Its second part sends DrainN
// events to a subscription whose receiver is down, brings the receiver
// back and times the backlog's drain.
type DeliveriesConfig struct {
	N           int
	DrainN      int
	Persistence string
	Concurrency int
	// Timeout caps the whole scenario; the drain's waits take what is left.
	Timeout time.Duration
	// VaultBinary is the dev Vault the system under test starts: a
	// subscription's signing secret lives in Vault. "" finds it as
	// `junction dev` does (JUNCTION_VAULT_BIN, then .junction/bin/vault).
	VaultBinary string
}

// DeliveriesResult is what the deliveries scenario saw.
type DeliveriesResult struct {
	Persistence string `json:"persistence"`
	N           int    `json:"n"`
	Concurrency int    `json:"concurrency"`
	// Baseline is the load on the definition alone; Fanout the same load
	// with the subscription, in the same process right after it.
	Baseline PhaseResult   `json:"baseline"`
	Fanout   FanoutResult  `json:"fanout"`
	Drain    DrainResult   `json:"drain"`
	Notes    []string      `json:"notes,omitempty"`
	Error    string        `json:"error,omitempty"`
	Receiver receiverSetup `json:"receiver"`
}

// receiverSetup says what the receiver answered, for the reader of the
// JSON.
type receiverSetup struct {
	URL    string `json:"url"`
	Answer string `json:"answer"`
}

// FanoutResult is the load with one subscription beside the definition.
type FanoutResult struct {
	// Runs is measured as the baseline is; its CPU-ms per run covers the
	// event's run and its delivery.
	Runs PhaseResult `json:"runs"`
	// RunsRatio is Runs' completed runs/s over the baseline's.
	RunsRatio  float64        `json:"runsRatio"`
	Deliveries WebhookVerdict `json:"deliveries"`
	// DeliveriesPerSec is deliveries taken over DeliverySeconds: from
	// the first send to the last delivery taken.
	DeliverySeconds  float64 `json:"deliverySeconds"`
	DeliveriesPerSec float64 `json:"deliveriesPerSec"`
	// Complete says every acknowledged event's delivery was taken within
	// the drain cap (BENCH_DRAIN).
	Complete bool `json:"complete"`
}

// DrainResult is the backlog of a receiver that was down.
type DrainResult struct {
	N int `json:"n"`
	// Schedule is the subscription's retry schedule: long enough that no
	// delivery is spent while the receiver is down (retrySchedule).
	Schedule      []string   `json:"schedule"`
	ScheduleCover float64    `json:"scheduleCoverSeconds"`
	Load          LoadResult `json:"load"`
	// SendSeconds and AcceptedPerSec are the load's, with the receiver
	// down and the retries of the deliveries already enqueued competing.
	SendSeconds    float64 `json:"sendSeconds"`
	AcceptedPerSec float64 `json:"acceptedPerSec"`
	// DownSeconds runs from the first send until every acknowledged
	// event's delivery had failed once (AllFailedOnce), when the receiver
	// came back.
	DownSeconds   float64 `json:"downSeconds"`
	AllFailedOnce bool    `json:"allFailedOnce"`
	// DrainSeconds runs from the receiver's return to the last delivery
	// taken; DeliveriesPerSec is the deliveries taken over it.
	DrainSeconds     float64        `json:"drainSeconds"`
	DeliveriesPerSec float64        `json:"deliveriesPerSec"`
	Complete         bool           `json:"complete"`
	Verdict          WebhookVerdict `json:"verdict"`
	// StorePending and StoreFailed are the subscription's deliveries the
	// API lists as pending and failed after the drain (-1: not read).
	StorePending int `json:"storePending"`
	StoreFailed  int `json:"storeFailed"`
	// Usage covers the drain alone; CPUMsPerDelivery divides it by the
	// deliveries taken in it.
	Usage            Usage    `json:"usage"`
	CPUMsPerDelivery float64  `json:"cpuMsPerDelivery"`
	Notes            []string `json:"notes,omitempty"`
	Error            string   `json:"error,omitempty"`
}

// Retry schedule of the drain: the shortest delay that keeps a backlog
// building; the estimated send rate when the fan-out phase measured none;
// and how much longer than the estimated send the receiver may stay down.
const (
	drainRetryDelay = 5 * time.Second
	drainRateGuess  = 20.0
	drainDownMargin = 60 * time.Second
	// drainSendFactor stretches the estimated send time: with the
	// receiver down, every delivery's retries compete with the sends.
	drainSendFactor = 3
)

// RunDeliveries runs the deliveries scenario.
func (c Config) RunDeliveries(ctx context.Context, sink *Sink) (res DeliveriesResult) {
	p := c.Deliveries
	res = DeliveriesResult{Persistence: p.Persistence, N: p.N, Concurrency: p.Concurrency}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	vault := p.VaultBinary
	if vault == "" {
		var err error
		if vault, err = devvault.FindBinary(); err != nil {
			res.Error = fmt.Sprintf("subscriptions need the dev Vault: %v", err)
			return res
		}
	}
	recv, err := StartReceiver()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer recv.Close()
	res.Receiver = receiverSetup{URL: recv.URL, Answer: "200 with no body; 503 while down, without Retry-After"}

	res.Baseline, res.Fanout = c.deliveriesFanout(ctx, sink, recv, vault)
	if ctx.Err() == nil && p.DrainN > 0 {
		rate := res.Fanout.Runs.AcceptedPerSec
		if rate <= 0 {
			rate = drainRateGuess
			res.Notes = append(res.Notes, fmt.Sprintf("the fan-out phase measured no send rate: the drain's schedule assumes %.0f events/s", rate))
		}
		res.Drain = c.deliveriesDrain(ctx, recv, vault, rate)
	}
	if ctx.Err() != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("the scenario stopped at its cap of %s", p.Timeout))
	}
	return res
}

// junctionAPI is a started system under test's gateway and key.
type junctionAPI struct {
	hc      *http.Client
	gateway string
	apiKey  string
}

func (a junctionAPI) account() string { return a.gateway + "/api/v1/accounts/" + deliveriesAccount }

// sender posts events to the http_request trigger; the Idempotency-Key of
// event i is eventKey(prefix, i).
func (a junctionAPI) sender(prefix string) (func(context.Context, Event) error, error) {
	return httpSender(a.hc, a.account()+"/triggers/"+definition.TriggerHTTPRequest, a.apiKey, prefix)
}

// startJunction starts Junction as the junction system runs it, with the
// dev Vault subscriptions keep their secrets in.
func (c Config) startJunction(ctx context.Context, name, persistence, vault string) (*process, junctionAPI, error) {
	sut, err := c.startSUT(ctx, name, persistence, Setting{}, c.CPUProfile != "", "-vault-bin", vault)
	if err != nil && ctx.Err() == nil {
		// Once more: the embedded server takes free ports by closing a
		// listener and binding again, and another process on the machine
		// can take one in between ("address already in use").
		c.logf("%s on %s: %v; starting it again", name, persistence, err)
		sut, err = c.startSUT(ctx, name, persistence, Setting{}, c.CPUProfile != "", "-vault-bin", vault)
	}
	if err != nil {
		return nil, junctionAPI{}, err
	}
	api, err := sut.api(c.Deliveries.Concurrency)
	if err != nil {
		sut.stop()
		return nil, junctionAPI{}, err
	}
	return sut, api, nil
}

// deliveriesFanout measures the baseline and the fan-out in one process:
// the definition alone, then the subscription added.
func (c Config) deliveriesFanout(ctx context.Context, sink *Sink, recv *Receiver, vault string) (base PhaseResult, fan FanoutResult) {
	p := c.Deliveries
	base = PhaseResult{System: SystemDeliveries + " baseline", Persistence: p.Persistence, N: p.N, Concurrency: p.Concurrency,
		Measured: "one process: embedded Temporal server, Junction worker and gateway, dev Vault"}
	fan.Runs = base
	fan.Runs.System = SystemDeliveries + " fan-out"
	fail := func(err error) (PhaseResult, FanoutResult) {
		base.Error, fan.Runs.Error = err.Error(), err.Error()
		return base, fan
	}
	sut, api, err := c.startJunction(ctx, SystemDeliveries, p.Persistence, vault)
	if err != nil {
		return fail(err)
	}
	defer sut.stop()
	if err := createDefinition(ctx, api.hc, api.gateway, api.apiKey, deliveriesAccount, throughputDefinition(sink.URL)); err != nil {
		return fail(err)
	}
	c.deliveriesLoad(ctx, sut, api, sink, nil, &base)
	if _, err := postForID(ctx, api.hc, api.account()+"/subscriptions", api.apiKey, benchSubscription(recv.URL, nil)); err != nil {
		fan.Runs.Error = "creating the subscription: " + err.Error()
		return base, fan
	}
	fan.Deliveries, fan.Complete = c.deliveriesLoad(ctx, sut, api, sink, recv, &fan.Runs)
	if fan.Runs.Error != "" {
		return base, fan
	}
	v := fan.Deliveries
	if taken := v.Delivered + v.Duplicated; taken > 0 && v.LastTaken.After(fan.Runs.Load.Start) {
		fan.DeliverySeconds = v.LastTaken.Sub(fan.Runs.Load.Start).Seconds()
		fan.DeliveriesPerSec = float64(taken) / fan.DeliverySeconds
	}
	if base.CompletedPerSec > 0 {
		fan.RunsRatio = fan.Runs.CompletedPerSec / base.CompletedPerSec
	}
	c.logf("deliveries: fan-out: %.1f runs/s (baseline %.1f), %.1f deliveries/s, lost %d, duplicated %d",
		fan.Runs.CompletedPerSec, base.CompletedPerSec, fan.DeliveriesPerSec, v.Lost, v.Duplicated)
	return base, fan
}

// deliveriesLoad sends a warm-up and then the measured load to the
// trigger, and waits (at most BENCH_DRAIN) for the sink's runs and, when
// recv is set, the receiver's deliveries. It fills res as the throughput
// scenario does and returns the receiver's verdict.
func (c Config) deliveriesLoad(ctx context.Context, sut *process, api junctionAPI, sink *Sink, recv *Receiver, res *PhaseResult) (WebhookVerdict, bool) {
	p := c.Deliveries
	prefix := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	send, err := api.sender(prefix)
	if err != nil {
		res.Error = err.Error()
		return WebhookVerdict{}, false
	}
	waitAll := func(ctx context.Context, lr LoadResult) bool {
		ctx, cancel := context.WithTimeout(ctx, c.DrainTimeout)
		defer cancel()
		ok := sink.WaitFor(ctx, lr.Passing())
		if recv != nil {
			ok = recv.WaitTaken(ctx, webhookIDs(prefix, lr)) && ok
		}
		return ok
	}
	if c.Warmup > 0 {
		c.logf("%s on %s: warm-up, %d events", res.System, p.Persistence, c.Warmup)
		warm := Load{N: c.Warmup, Concurrency: min(p.Concurrency, 8), MaxDuration: c.MaxDuration, USMod: c.USMod, IDBase: 1 << 30, Send: send}.Run(ctx)
		waitAll(ctx, warm)
		if warm.Errors > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("warm-up: %d of %d events failed, first: %s", warm.Errors, warm.Sent, warm.FirstError))
		}
	}
	sink.Reset()
	if recv != nil {
		recv.Reset()
	}
	m, err := startMeter(sut.ready.PID)
	if err != nil {
		res.Error = err.Error()
		return WebhookVerdict{}, false
	}
	vaultBefore := childrenCPU(sut.ready.PID)
	profileDone := c.startProfile(ctx, sut, res.System, p.Persistence, min(c.MaxDuration, 30*time.Second))
	c.logf("%s on %s: %d events, %d at a time, at most %s", res.System, p.Persistence, p.N, p.Concurrency, c.MaxDuration)
	lr := Load{N: p.N, Concurrency: p.Concurrency, MaxDuration: c.MaxDuration, USMod: c.USMod, Send: send}.Run(ctx)
	c.logf("%s on %s: %d accepted, %d errors in %.1fs; waiting for the runs and deliveries (at most %s)", res.System, p.Persistence, lr.Accepted, lr.Errors, lr.Duration.Seconds(), c.DrainTimeout)
	complete := waitAll(ctx, lr)
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	sink.quiet(qctx, time.Second) // late duplicates count too
	if recv != nil {
		recv.quiet(qctx, time.Second)
	}
	cancel()
	res.Usage = m.finish()
	vaultCPU := childrenCPU(sut.ready.PID) - vaultBefore
	res.Notes = append(res.Notes, profileDone()...)
	res.fill(lr, sink.Verdict(lr.Events, lr.Acked))
	if lr.Accepted > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("of the CPU-ms per event, the dev Vault's: %.2f", float64(vaultCPU.Microseconds())/1000/float64(lr.Accepted)))
	}
	if !complete {
		res.Notes = append(res.Notes, fmt.Sprintf("not every acknowledged event's run or delivery arrived within %s", c.DrainTimeout))
	}
	if lr.Errors > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d events failed, first: %s", lr.Errors, lr.FirstError))
	}
	c.logf("%s on %s: %.1f accepted/s, %.1f runs/s", res.System, p.Persistence, res.AcceptedPerSec, res.CompletedPerSec)
	if recv == nil {
		return WebhookVerdict{}, complete
	}
	return recv.Verdict(webhookIDs(prefix, lr)), complete
}

// startProfile starts a CPU profile of the next d when BENCH_CPUPROFILE
// asks for one, and returns a function that waits for it and says where
// it went.
func (c Config) startProfile(ctx context.Context, sut *process, system, persistence string, d time.Duration) func() []string {
	if c.CPUProfile == "" {
		return func() []string { return nil }
	}
	path := profileFile(c.CPUProfile, strings.ReplaceAll(system, " ", "-"), persistence)
	secs := max(1, int(d/time.Second))
	done := make(chan error, 1)
	go func() { done <- fetchProfile(ctx, sut.ready.PprofURL, secs, path) }()
	return func() []string {
		if err := <-done; err != nil {
			return []string{"CPU profile failed: " + err.Error()}
		}
		return []string{fmt.Sprintf("CPU profile of the first %d s: %s", secs, path)}
	}
}

// deliveriesDrain sends DrainN events with the receiver down, waits until
// each delivery has failed once, brings the receiver back and times the
// drain. rate is the send rate the fan-out phase measured, from which the
// retry schedule is sized.
func (c Config) deliveriesDrain(ctx context.Context, recv *Receiver, vault string, rate float64) (d DrainResult) {
	p := c.Deliveries
	d = DrainResult{N: p.DrainN, StorePending: -1, StoreFailed: -1}
	cover := drainCover(p.DrainN, rate)
	schedule, err := retrySchedule(cover, drainRetryDelay)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	for _, s := range schedule {
		d.Schedule = append(d.Schedule, s.String())
	}
	d.ScheduleCover = scheduleCover(schedule).Seconds()
	name := SystemDeliveries + "-drain"
	sut, api, err := c.startJunction(ctx, name, p.Persistence, vault)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	defer sut.stop()
	subID, err := postForID(ctx, api.hc, api.account()+"/subscriptions", api.apiKey, benchSubscription(recv.URL, schedule))
	if err != nil {
		d.Error = "creating the subscription: " + err.Error()
		return d
	}
	prefix := fmt.Sprintf("bench-drain-%d", time.Now().UnixNano())
	send, err := api.sender(prefix)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	if c.Warmup > 0 {
		c.logf("%s on %s: warm-up, %d events, receiver up", name, p.Persistence, c.Warmup)
		warm := Load{N: c.Warmup, Concurrency: min(p.Concurrency, 8), MaxDuration: c.MaxDuration, IDBase: 1 << 30, Send: send}.Run(ctx)
		wctx, cancel := context.WithTimeout(ctx, c.DrainTimeout)
		recv.WaitTaken(wctx, webhookIDs(prefix, warm))
		cancel()
	}
	recv.Reset()
	recv.SetDown(true)
	defer recv.SetDown(false)

	c.logf("%s on %s: %d events, %d at a time, receiver answering 503; retry schedule %d × %s (covers %.0fs)",
		name, p.Persistence, p.DrainN, p.Concurrency, len(schedule), schedule[0], d.ScheduleCover)
	// Every event is sent: the load is bounded by the scenario's cap, not
	// BENCH_MAX.
	lr := Load{N: p.DrainN, Concurrency: p.Concurrency, MaxDuration: p.Timeout, Send: send}.Run(ctx)
	d.Load, d.SendSeconds = lr, lr.Duration.Seconds()
	if lr.Duration > 0 {
		d.AcceptedPerSec = float64(lr.Accepted) / lr.Duration.Seconds()
	}
	if lr.Errors > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%d events failed, first: %s", lr.Errors, lr.FirstError))
	}
	ids := webhookIDs(prefix, lr)
	c.logf("%s on %s: %d accepted in %.1fs; waiting until every delivery has failed once", name, p.Persistence, lr.Accepted, d.SendSeconds)
	// Half of what is left for the failures, the rest for the drain.
	downCtx, cancel := context.WithTimeout(ctx, timeLeft(ctx)/2)
	d.AllFailedOnce = recv.WaitRefused(downCtx, ids)
	cancel()
	d.DownSeconds = time.Since(lr.Start).Seconds()
	if !d.AllFailedOnce {
		_, refused := recv.takenAndRefused(ids)
		d.Notes = append(d.Notes, fmt.Sprintf("only %d of %d deliveries had failed once after %.0fs; the receiver came back anyway", refused, len(ids), d.DownSeconds))
	}
	if d.DownSeconds > d.ScheduleCover {
		d.Notes = append(d.Notes, fmt.Sprintf("the receiver was down %.0fs, longer than the schedule is sure to cover (%.0fs): deliveries may have been spent", d.DownSeconds, d.ScheduleCover))
	}

	m, err := startMeter(sut.ready.PID)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	vaultBefore := childrenCPU(sut.ready.PID)
	profileDone := c.startProfile(ctx, sut, name, p.Persistence, 30*time.Second)
	back := time.Now()
	recv.SetDown(false)
	c.logf("%s on %s: receiver up after %.0fs down, %d refused requests; draining", name, p.Persistence, d.DownSeconds, recv.Verdict(nil).Refused)
	d.Complete = recv.WaitTaken(ctx, ids)
	qctx, qcancel := context.WithTimeout(context.Background(), 5*time.Second)
	recv.quiet(qctx, time.Second)
	qcancel()
	d.Usage = m.finish()
	vaultCPU := childrenCPU(sut.ready.PID) - vaultBefore
	d.Notes = append(d.Notes, profileDone()...)
	d.Verdict = recv.Verdict(ids)
	v := d.Verdict
	if taken := v.Delivered + v.Duplicated; taken > 0 && v.LastTaken.After(back) {
		d.DrainSeconds = v.LastTaken.Sub(back).Seconds()
		d.DeliveriesPerSec = float64(taken) / d.DrainSeconds
		d.CPUMsPerDelivery = d.Usage.CPUSeconds * 1000 / float64(taken)
		d.Notes = append(d.Notes, fmt.Sprintf("of the CPU-ms per delivery, the dev Vault's: %.2f", float64(vaultCPU.Microseconds())/1000/float64(taken)))
	}
	if !d.Complete {
		d.Notes = append(d.Notes, fmt.Sprintf("not every delivery was taken by the scenario's cap (%s)", p.Timeout))
	}
	sctx, scancel := context.WithTimeout(context.Background(), time.Minute)
	defer scancel()
	for status, n := range map[string]*int{"pending": &d.StorePending, "failed": &d.StoreFailed} {
		if got, err := api.countDeliveries(sctx, subID, status); err == nil {
			*n = got
		} else {
			d.Notes = append(d.Notes, fmt.Sprintf("counting %s deliveries: %v", status, err))
		}
	}
	c.logf("%s on %s: %d delivered in %.1fs after the receiver came back (%.1f/s), lost %d, duplicated %d",
		name, p.Persistence, v.Delivered+v.Duplicated, d.DrainSeconds, d.DeliveriesPerSec, v.Lost, v.Duplicated)
	return d
}

func timeLeft(ctx context.Context) time.Duration {
	if deadline, ok := ctx.Deadline(); ok {
		return time.Until(deadline)
	}
	return time.Hour
}

// drainCover is how long the receiver may stay down: the estimated send
// time of n events at rate, stretched by drainSendFactor, plus
// drainDownMargin for the last first attempts.
func drainCover(n int, rate float64) time.Duration {
	send := time.Duration(drainSendFactor * float64(n) / rate * float64(time.Second))
	return send + drainDownMargin
}

// retrySchedule is a schedule of equal delays, each at least minDelay and
// in whole seconds, that keeps a failing delivery from being spent for at
// least cover: each delay may come outbound.Jitter early, so n delays of d
// are sure of n·d·(1−Jitter). It takes minDelay when outbound.MaxRetries
// delays of it are enough (one spare), else the shortest longer delay
// that is; an error when even that exceeds outbound.MaxRetryWindow.
func retrySchedule(cover, minDelay time.Duration) ([]time.Duration, error) {
	early := 1 - outbound.Jitter
	count := func(d time.Duration) int { return int(math.Ceil(cover.Seconds()/(d.Seconds()*early))) + 1 }
	d := max(minDelay, outbound.MinDelay).Round(time.Second)
	if count(d) > outbound.MaxRetries {
		secs := math.Ceil(cover.Seconds() / (float64(outbound.MaxRetries-1) * early))
		d = time.Duration(secs) * time.Second
	}
	s := make([]time.Duration, count(d))
	for i := range s {
		s[i] = d
	}
	if err := outbound.Schedule(s).Validate(); err != nil {
		return nil, fmt.Errorf("no retry schedule covers %s: %w", cover, err)
	}
	return s, nil
}

// scheduleCover is how long a schedule keeps a failing delivery alive at
// the least: every delay come as early as the jitter allows.
func scheduleCover(s []time.Duration) time.Duration {
	var total time.Duration
	for _, d := range s {
		total += d
	}
	return time.Duration(float64(total) * (1 - outbound.Jitter))
}

// benchSubscription subscribes the receiver to every http_request event,
// the envelope as the body, unauthenticated; schedule nil keeps the
// default (every 30 minutes: no retry falls in the fan-out phase).
func benchSubscription(receiverURL string, schedule []time.Duration) map[string]any {
	doc := map[string]any{
		"name":   "bench: every http_request event",
		"events": []string{definition.TriggerHTTPRequest},
		"url":    receiverURL + "/webhooks",
	}
	if schedule != nil {
		delays := make([]string, len(schedule))
		for i, d := range schedule {
			delays[i] = d.String()
		}
		doc["retry"] = map[string]any{"schedule": delays}
	}
	return doc
}

// webhookIDs are the webhook-ids of the acknowledged events of a load:
// the message id derives from the account, the event type and the event
// id, which is the Idempotency-Key (docs/api.md, "Exactly once into the
// queue").
func webhookIDs(prefix string, lr LoadResult) []string {
	var ids []string
	for i, ev := range lr.Events {
		if lr.Acked[i] {
			ids = append(ids, runs.MessageID(deliveriesAccount, definition.TriggerHTTPRequest, eventKey(prefix, ev.ID)))
		}
	}
	return ids
}

// get GETs target with the API key and decodes a 200 answer into out.
func (a junctionAPI) get(ctx context.Context, target string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.apiKey)
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %.200s", target, resp.Status, b)
	}
	return json.Unmarshal(b, out)
}

// countDeliveries counts a subscription's deliveries with a status through
// the API, page by page.
func (a junctionAPI) countDeliveries(ctx context.Context, subscriptionID, status string) (int, error) {
	const limit = 500
	total := 0
	for offset := 0; ; offset += limit {
		u := fmt.Sprintf("%s/subscriptions/%s/deliveries?status=%s&limit=%d&offset=%d", a.account(), subscriptionID, status, limit, offset)
		var page []json.RawMessage
		if err := a.get(ctx, u, &page); err != nil {
			return 0, err
		}
		total += len(page)
		if len(page) < limit {
			return total, nil
		}
	}
}

// Markdown renders the deliveries scenario's tables.
func (r DeliveriesResult) Markdown() string {
	var b strings.Builder
	b.WriteString("\n### Deliveries\n\n")
	if r.Error != "" {
		fmt.Fprintf(&b, "Not measured: %s\n", mdEscape(r.Error))
		return b.String()
	}
	b.WriteString("| load (one process, in this order) | persistence | events | accepted/s | runs completed/s | deliveries/s | ack p50 / p99 ms | run end-to-end p50 / p99 ms | delivery end-to-end p50 / p99 ms | CPU-ms per event | peak RSS MB | runs exactly once | deliveries: lost / duplicated |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	// perSec, latency and verdict are the deliveries' columns.
	row := func(name string, p PhaseResult, perSec, latency, verdict string) {
		if p.Error != "" {
			fmt.Fprintf(&b, "| %s | %s | not measured: %s |||||||||||\n", name, p.Persistence, mdEscape(p.Error))
			return
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %.1f | %.1f | %s | %.1f / %.1f | %.1f / %.1f | %s | %.2f | %.0f | %s | %s |\n",
			name, p.Persistence, p.Load.Accepted, p.AcceptedPerSec, p.CompletedPerSec, perSec, p.Ack.P50, p.Ack.P99,
			p.E2E.P50, p.E2E.P99, latency, p.CPUMsPerRun, p.Usage.PeakRSSMB, exactlyOnce(p.Delivery), verdict)
	}
	row("definition alone (baseline)", r.Baseline, "–", "–", "–")
	f := r.Fanout
	fv := f.Deliveries
	row("definition + subscription", f.Runs, fmt.Sprintf("%.1f", f.DeliveriesPerSec),
		fmt.Sprintf("%.1f / %.1f", fv.Latency.P50, fv.Latency.P99), lostDuplicated(fv, f.Complete))
	if f.RunsRatio > 0 {
		fmt.Fprintf(&b, "\nRuns/s with the subscription over without: **%.2f**.\n", f.RunsRatio)
	}
	d := r.Drain
	if d.N > 0 {
		b.WriteString("\n| drain: deliveries | retry schedule | sent in s (accepted/s), receiver 503 | all failed once after s | refused attempts | drained in s | deliveries/s | CPU-ms per delivery | delivery end-to-end p50 / max s | store pending / failed after | lost / duplicated |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
		if d.Error != "" {
			fmt.Fprintf(&b, "| %d | not measured: %s ||||||||||\n", d.N, mdEscape(d.Error))
		} else {
			sched := ""
			if len(d.Schedule) > 0 {
				sched = fmt.Sprintf("%d × %s (covers ≥ %.0f s)", len(d.Schedule), d.Schedule[0], d.ScheduleCover)
			}
			failedOnce := fmt.Sprintf("%.1f", d.DownSeconds)
			if !d.AllFailedOnce {
				failedOnce = "**not all** after " + failedOnce
			}
			drained := fmt.Sprintf("%.1f", d.DrainSeconds)
			if !d.Complete {
				drained = "**incomplete** after " + drained
			}
			fmt.Fprintf(&b, "| %d | %s | %.1f (%.1f) | %s | %d | %s | %.1f | %.2f | %.1f / %.1f | %s / %s | %s |\n",
				d.Load.Accepted, sched, d.SendSeconds, d.AcceptedPerSec, failedOnce, d.Verdict.Refused, drained, d.DeliveriesPerSec,
				d.CPUMsPerDelivery, d.Verdict.Latency.P50/1000, d.Verdict.Latency.Max/1000, storeCount(d.StorePending), storeCount(d.StoreFailed),
				lostDuplicated(d.Verdict, d.Complete))
		}
	}
	var notes []string
	notes = append(notes, r.Notes...)
	for _, p := range []PhaseResult{r.Baseline, r.Fanout.Runs} {
		for _, n := range p.Notes {
			notes = append(notes, p.System+": "+n)
		}
	}
	for _, n := range d.Notes {
		notes = append(notes, "drain: "+n)
	}
	if len(notes) > 0 {
		b.WriteString("\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- deliveries: %s\n", mdEscape(n))
		}
	}
	return b.String()
}

func lostDuplicated(v WebhookVerdict, complete bool) string {
	s := fmt.Sprintf("%d / %d of %d", v.Lost, v.Duplicated, v.Expected)
	if v.Unsigned > 0 {
		s += fmt.Sprintf(", **%d unsigned requests**", v.Unsigned)
	}
	if v.Lost > 0 || v.Duplicated > 0 || !complete {
		s = "**" + s + "**"
	}
	return s
}

func storeCount(n int) string {
	if n < 0 {
		return "–"
	}
	return strconv.Itoa(n)
}
