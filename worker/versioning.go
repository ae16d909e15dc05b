package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/runs"
)

// Deployment names the build a worker runs for Temporal's Worker
// Deployments (worker versioning): Name is the deployment, the same for
// every build of Junction's worker in a namespace, and BuildID this build.
// The zero Deployment is an unversioned worker, which takes any task of
// the task queue: what a single build, `junction dev` and the tests run.
//
// With versioning on, new workflows go to the deployment's current
// version, which an operator sets (`junction worker-deployment
// set-current`, docs/operations.md "Upgrades"); a Pinned workflow then
// finishes on the build it started on, however many builds are deployed
// after it, and an AutoUpgrade one moves to each new current build at its
// next workflow task.
type Deployment struct {
	Name    string
	BuildID string
}

// On says whether the worker is versioned.
func (d Deployment) On() bool { return d.Name != "" || d.BuildID != "" }

// Validate refuses half a deployment and the names Temporal refuses, so
// that a bad flag stops the worker at start, not at its first poll.
func (d Deployment) Validate() error {
	if !d.On() {
		return nil
	}
	if d.Name == "" || d.BuildID == "" {
		return errors.New("worker versioning needs both a deployment name and a build id, or neither")
	}
	// Temporal's own rules (worker_versioning.ValidateDeploymentVersion):
	// the name is joined to the build id with ':' (formerly '.').
	if strings.ContainsAny(d.Name, ".:") {
		return fmt.Errorf("deployment name %q: must not contain '.' or ':'", d.Name)
	}
	for _, f := range []struct{ field, value string }{{"deployment name", d.Name}, {"build id", d.BuildID}} {
		if strings.HasPrefix(f.value, "__") {
			return fmt.Errorf("%s %q: must not start with \"__\" (reserved by Temporal)", f.field, f.value)
		}
		if strings.TrimSpace(f.value) != f.value {
			return fmt.Errorf("%s %q: must not start or end with a space", f.field, f.value)
		}
	}
	return nil
}

// options is the SDK's view of d. No default versioning behaviour: every
// workflow type declares its own (VersioningBehaviors), and the SDK
// refuses to register one that does not, so a new workflow type cannot
// slip in without a decision.
func (d Deployment) options() sdkworker.DeploymentOptions {
	if !d.On() {
		return sdkworker.DeploymentOptions{}
	}
	return sdkworker.DeploymentOptions{
		UseVersioning: true,
		Version:       sdkworker.WorkerDeploymentVersion{DeploymentName: d.Name, BuildID: d.BuildID},
	}
}

// VersioningBehaviors is what each workflow type does when a new build
// becomes current. An unversioned worker ignores them.
//
// Pinned: workflows that end within a bounded time, set by their input. A
// run finishes on the build it started on (as it finishes on the
// definition version and connector versions it started with), so a
// deploy never replays a run in flight on new interpreter code; its
// continue-as-new stays on that build, and so do the child workflows it
// starts on the same task queue. A build is kept running until its pinned
// workflows have drained.
//
// AutoUpgrade: workflows that live as long as something else does (a
// conversation, a connection's token, a definition's app subscription), or
// that retry on a schedule longer than a deploy should wait for (a
// delivery retries for 24 hours). Pinned, they would hold an old build for
// ever; they move to the new build at their next workflow task, which is
// safe because their code changes go behind workflow.GetVersion and the
// replay test over workflows/testdata/histories, as for an unversioned
// deploy.
var VersioningBehaviors = map[string]workflow.VersioningBehavior{
	runs.RunDefinitionWorkflow:       workflow.VersioningBehaviorPinned,
	runs.PollWorkflow:                workflow.VersioningBehaviorPinned,
	runs.CheckConnectionWorkflow:     workflow.VersioningBehaviorPinned,
	runs.AuthorizeConnectionWorkflow: workflow.VersioningBehaviorPinned,
	runs.OAuth2RefresherWorkflow:     workflow.VersioningBehaviorAutoUpgrade,
	runs.DeliveryWorkflow:            workflow.VersioningBehaviorAutoUpgrade,
	runs.WebhookWorkflow:             workflow.VersioningBehaviorAutoUpgrade,
	runs.ConversationWorkflow:        workflow.VersioningBehaviorAutoUpgrade,
	runs.AppSubscriptionWorkflow:     workflow.VersioningBehaviorAutoUpgrade,
}

// workflowOptions registers a workflow type under its name with its
// versioning behaviour.
func workflowOptions(name string) workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: name, VersioningBehavior: VersioningBehaviors[name]}
}

// Why SetCurrentBuild refused, when no worker is to blame but the order
// of the steps: a deployment exists, and a build is part of it, once one of
// their workers has polled.
var (
	ErrNoDeployment = errors.New("no such worker deployment: no worker of it has polled yet")
	ErrBuildNotSeen = errors.New("no worker of this build has polled yet")
	// ErrBuildIncomplete: the build's workers have not polled every task
	// queue (workflow and activity) the current build's do, as happens
	// for a moment while they start.
	ErrBuildIncomplete = errors.New("the build's workers have not yet polled every task queue the current build's poll")
)

// missingTaskQueues is how Temporal (1.32, ErrCurrentVersionDoesNotHaveAllTaskQueues
// of its workerdeployment package) words ErrBuildIncomplete, in a
// FailedPrecondition that carries no other sign of it.
const missingTaskQueues = "is missing active task queues from the current version"

// SetCurrentBuild makes buildID the current version of the deployment: new
// workflows, and the next workflow task of AutoUpgrade ones, go to its
// workers; Pinned workflows in flight stay where they are. Temporal
// refuses a build none of whose workers has polled yet. It returns the
// build that was current ("" for none: unversioned workers), once every
// task queue of the deployment routes by the change, which Temporal
// spreads to them after it has answered, so that a run started after the
// return goes to the new build.
func SetCurrentBuild(ctx context.Context, c client.Client, namespace, deployment, buildID string) (previous string, err error) {
	h := c.WorkerDeploymentClient().GetHandle(deployment)
	// The token makes the change fail if someone else changed the
	// deployment in between.
	before, err := h.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
	if err != nil {
		if _, ok := errors.AsType[*serviceerror.NotFound](err); ok {
			err = fmt.Errorf("%w: %w", ErrNoDeployment, err)
		}
		return "", fmt.Errorf("describing worker deployment %s: %w", deployment, err)
	}
	if cur := before.Info.RoutingConfig.CurrentVersion; cur != nil {
		previous = cur.BuildID
	}
	if _, err := h.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{
		BuildID: buildID, ConflictToken: before.ConflictToken}); err != nil {
		if _, ok := errors.AsType[*serviceerror.NotFound](err); ok {
			err = fmt.Errorf("%w: %w", ErrBuildNotSeen, err)
		}
		if fp, ok := errors.AsType[*serviceerror.FailedPrecondition](err); ok && strings.Contains(fp.Error(), missingTaskQueues) {
			err = fmt.Errorf("%w: %w", ErrBuildIncomplete, err)
		}
		return previous, fmt.Errorf("making build %s current in worker deployment %s: %w", buildID, deployment, err)
	}
	for {
		d, err := c.WorkflowService().DescribeWorkerDeployment(ctx, &workflowservice.DescribeWorkerDeploymentRequest{
			Namespace: namespace, DeploymentName: deployment})
		if err != nil {
			return previous, fmt.Errorf("waiting for build %s to be routed to: %w", buildID, err)
		}
		if d.GetWorkerDeploymentInfo().GetRoutingConfigUpdateState() != enumspb.ROUTING_CONFIG_UPDATE_STATE_IN_PROGRESS {
			return previous, nil
		}
		select {
		case <-ctx.Done():
			return previous, fmt.Errorf("build %s is current, and Temporal has not finished routing to it: %w", buildID, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
