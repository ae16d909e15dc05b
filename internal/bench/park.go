package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/junction-run/junction/runs"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// ParkConfig is the scale scenario: N runs wait in a Wait step until one
// shared moment, with the worker in a process of its own.
type ParkConfig struct {
	N           int
	Persistence string
	Concurrency int
	// Wait is how long after the first start the runs wake up; 0 picks
	// 20 s plus N at StartRate.
	Wait time.Duration
	// StartRate is the starts per second Wait's default assumes.
	StartRate float64
	// ResumeTimeout bounds the wait for every run to finish after waking.
	ResumeTimeout time.Duration
}

// ParkResult is what the scale scenario saw.
type ParkResult struct {
	N           int    `json:"n"`
	Persistence string `json:"persistence"`
	Started     int    `json:"started"`
	StartErrors int    `json:"startErrors"`
	FirstError  string `json:"firstError,omitempty"`
	// StartSeconds is how long starting them all took.
	StartSeconds float64 `json:"startSeconds"`
	// AllParked: every run was started, and had its first workflow task
	// done (so sat in its Wait step's timer), before the wake-up moment;
	// the parked figures below saw all of them waiting. ParkSeconds is from
	// the first start to then: starting is not parking, as the worker
	// works through a backlog of first tasks after the last start.
	AllParked   bool    `json:"allParked"`
	ParkSeconds float64 `json:"parkSeconds,omitempty"`
	// Worker and server memory before the first start, while every run
	// waited, and the peak over the scenario.
	WorkerIdleRSSMB   float64 `json:"workerIdleRssMb"`
	WorkerRSSParkedMB float64 `json:"workerRssParkedMb"`
	WorkerPeakRSSMB   float64 `json:"workerPeakRssMb"`
	ServerRSSParkedMB float64 `json:"serverRssParkedMb"`
	ServerPeakRSSMB   float64 `json:"serverPeakRssMb"`
	// WorkerHeapProfile is the worker's heap profile while every run
	// waited (go tool pprof -sample_index=inuse_space).
	WorkerHeapProfile string `json:"workerHeapProfile,omitempty"`
	// ResumeSeconds: from the wake-up moment to the last run's POST at the
	// sink; ResumedPerSec is N over it.
	ResumeSeconds float64  `json:"resumeSeconds"`
	ResumedPerSec float64  `json:"resumedPerSec"`
	Delivery      Delivery `json:"delivery"`
	WorkerCPUMs   float64  `json:"workerCpuMsPerRun"`
	ServerCPUMs   float64  `json:"serverCpuMsPerRun"`
	LoadAvg       string   `json:"loadAvgAfter"`
	Notes         []string `json:"notes,omitempty"`
	Error         string   `json:"error,omitempty"`
}

// RunPark runs the scale scenario.
func (c Config) RunPark(ctx context.Context, sink *Sink) ParkResult {
	p := c.Park
	res := ParkResult{N: p.N, Persistence: p.Persistence}
	sut, err := c.startSUT(ctx, "park", p.Persistence, Setting{}, false, "-no-worker")
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer sut.stop()
	dir := filepath.Join(c.WorkDir, "park-"+p.Persistence)
	args := append([]string{"worker", "-temporal", sut.ready.TemporalAddress, "-namespace", sut.ready.Namespace, "-pprof", "127.0.0.1:0"}, workerArgs(c.Worker)...)
	wrk, err := startProcess(ctx, c.Exe, args, nil, dir, filepath.Join(dir, "worker.log"))
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer wrk.stop()

	tc, err := client.Dial(client.Options{HostPort: sut.ready.TemporalAddress, Namespace: sut.ready.Namespace, Logger: quietLogger{}})
	if err != nil {
		res.Error = fmt.Sprintf("dialing Temporal: %v", err)
		return res
	}
	defer tc.Close()

	apiKey, err := sut.apiKey()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	hc := newHTTPClient(p.Concurrency)
	if err := createDefinition(ctx, hc, sut.ready.GatewayURL, apiKey, "dev", parkDefinition(sink.URL)); err != nil {
		res.Error = err.Error()
		return res
	}
	send, err := httpSender(hc, sut.ready.GatewayURL+"/api/v1/accounts/dev/triggers/http_request", apiKey, fmt.Sprintf("park-%d", time.Now().UnixNano()))
	if err != nil {
		res.Error = err.Error()
		return res
	}
	wait := p.Wait
	if wait <= 0 {
		wait = 20*time.Second + time.Duration(float64(p.N)/max(p.StartRate, 1)*float64(time.Second))
	}
	sink.Reset()
	wm, err := startMeter(wrk.ready.PID)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	sm, err := startMeter(sut.ready.PID)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.WorkerIdleRSSMB = float64(wm.start.RSS) / 1e6
	start := time.Now()
	resumeAt := start.Add(wait)
	resumeText := resumeAt.UTC().Format(time.RFC3339Nano)
	c.logf("park on %s: starting %d runs that wait until %s (%s from now)", p.Persistence, p.N, resumeAt.Format("15:04:05"), wait.Round(time.Second))
	lr := Load{N: p.N, Concurrency: p.Concurrency, MaxDuration: wait, USMod: 0, Send: send,
		Prepare: func(ev *Event) { ev.ResumeAt = resumeText }}.Run(ctx)
	res.Started, res.StartErrors, res.FirstError = lr.Accepted, lr.Errors, lr.FirstError
	res.StartSeconds = lr.Duration.Seconds()
	if lr.Accepted == p.N {
		res.AllParked = waitParked(ctx, tc, sut.ready.Namespace, resumeAt)
		res.ParkSeconds = time.Since(start).Seconds()
	}
	if res.AllParked {
		res.WorkerRSSParkedMB = float64(wm.sample()) / 1e6
		res.ServerRSSParkedMB = float64(sm.sample()) / 1e6
		c.logf("park on %s: %d runs parked; worker RSS %.0f MB, server %.0f MB", p.Persistence, lr.Accepted, res.WorkerRSSParkedMB, res.ServerRSSParkedMB)
		res.WorkerHeapProfile = filepath.Join(dir, "worker-heap-parked.pprof")
		if err := fetchHeapProfile(ctx, wrk.ready.PprofURL, res.WorkerHeapProfile); err != nil {
			res.Notes = append(res.Notes, "worker heap profile: "+err.Error())
			res.WorkerHeapProfile = ""
		}
	} else {
		res.Notes = append(res.Notes, "starting and parking took longer than the wait: some runs woke before all were parked (raise BENCH_PARK_WAIT)")
	}
	select {
	case <-time.After(time.Until(resumeAt)):
	case <-ctx.Done():
		res.Error = ctx.Err().Error()
		return res
	}
	rctx, cancel := context.WithTimeout(ctx, p.ResumeTimeout)
	complete := sink.WaitFor(rctx, lr.Passing())
	cancel()
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	sink.quiet(qctx, time.Second)
	cancel()
	wu, su := wm.finish(), sm.finish()
	res.WorkerPeakRSSMB, res.ServerPeakRSSMB = wu.PeakRSSMB, su.PeakRSSMB
	if lr.Accepted > 0 {
		res.WorkerCPUMs = wu.CPUSeconds * 1000 / float64(lr.Accepted)
		res.ServerCPUMs = su.CPUSeconds * 1000 / float64(lr.Accepted)
	}
	res.Delivery = sink.Verdict(lr.Events, lr.Acked)
	if complete && res.Delivery.LastArrival.After(resumeAt) {
		res.ResumeSeconds = res.Delivery.LastArrival.Sub(resumeAt).Seconds()
		res.ResumedPerSec = float64(res.Delivery.Delivered+res.Delivery.Duplicated) / res.ResumeSeconds
	} else if !complete {
		res.Notes = append(res.Notes, fmt.Sprintf("not every run finished within %s of waking", p.ResumeTimeout))
	}
	res.LoadAvg = loadAvg()
	c.logf("park on %s: resumed %d in %.1fs", p.Persistence, res.Delivery.Delivered, res.ResumeSeconds)
	return res
}

// waitParked waits until Junction's task queue has no workflow task
// backlog, read twice in a row (the server's figure is approximate and
// cached for a few seconds), or until the deadline. A run whose first task
// is done sits in its Wait step's timer.
func waitParked(ctx context.Context, tc client.Client, namespace string, deadline time.Time) bool {
	empty := 0
	for time.Now().Before(deadline) {
		resp, err := tc.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace:     namespace,
			TaskQueue:     &taskqueuepb.TaskQueue{Name: runs.TaskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
			TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW,
			ReportStats:   true,
		})
		if err == nil && resp.GetStats().GetApproximateBacklogCount() == 0 {
			if empty++; empty == 2 {
				return true
			}
		} else {
			empty = 0
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(3 * time.Second):
		}
	}
	return false
}

// parkDefinition waits until the event's resumeAt, then posts to the sink.
func parkDefinition(sinkURL string) map[string]any {
	body := map[string]any{}
	for k, v := range templatedBody {
		body[k] = v
	}
	body["source"] = "junction-park"
	return map[string]any{
		"trigger": "http_request",
		"status":  "enabled",
		"definition": map[string]any{
			"name": "bench: park in a Wait step",
			"steps": []any{
				map[string]any{
					"id":         "park",
					"stepType":   "Wait",
					"inputs":     map[string]any{"duration": parkDuration},
					"nextStepId": "call_api",
				},
				map[string]any{
					"id":       "call_api",
					"stepType": "HttpRequest",
					"inputs": map[string]any{
						"url":     sinkURL + "/ingest",
						"method":  "POST",
						"headers": map[string]any{"Content-Type": "application/json"},
						"body":    body,
					},
				},
			},
		},
	}
}

// parkDuration is the time left until the event's resumeAt, as a Go
// duration; a run started after that moment waits 1 ms.
const parkDuration = "{{max(1, round(dateDiff(now(), data.resumeAt, 'milliseconds'))) + 'ms'}}"
