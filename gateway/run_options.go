package gateway

// RunOptions say how the gateway starts runs. The zero value is what
// Junction ships: local HTTP steps on, eager start off (it only pays when a
// worker shares the gateway's client).
type RunOptions struct {
	// EagerStart asks Temporal to hand a run's first workflow task back
	// with the start call, to a worker in this process on the same client
	// (client.StartWorkflowOptions.EnableEagerStart). It saves the task's
	// trip through the matching service. It only helps when the gateway and
	// a worker share a client, as in `junction dev`; otherwise the server
	// dispatches the task as usual.
	EagerStart bool
	// NoLocalHTTPSteps runs every HttpRequest step as a regular activity.
	// By default short ones (timeout up to workflows.LocalHTTPMaxTimeout)
	// run as local activities: in the worker that runs the workflow task,
	// with no activity task round trip and 6 history events instead of 11,
	// which is what lets one machine outrun n8n (docs/benchmarks.md). The
	// choice is recorded in each run's input, so replays never depend on
	// the setting.
	NoLocalHTTPSteps bool
}
