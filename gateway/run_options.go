package gateway

// RunOptions say how the gateway starts runs. Both are off by default:
// they pay only where the conditions below hold.
type RunOptions struct {
	// EagerStart asks Temporal to hand a run's first workflow task back
	// with the start call, to a worker in this process on the same client
	// (client.StartWorkflowOptions.EnableEagerStart). It saves the task's
	// trip through the matching service. It only helps when the gateway and
	// a worker share a client, as in `junction dev`; otherwise the server
	// dispatches the task as usual.
	EagerStart bool
	// LocalHTTPSteps runs short HttpRequest steps (timeout up to
	// workflows.LocalHTTPMaxTimeout) as local activities: in the worker
	// that runs the workflow task, with no activity task round trip and
	// fewer history events. The choice is recorded in each run's input,
	// so replays never depend on the setting. The trade-offs are in
	// docs/benchmarks.md.
	LocalHTTPSteps bool
}
