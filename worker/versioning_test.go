package worker

import (
	"strings"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// registrations records what Register registers.
type registrations struct {
	workflows map[string]workflow.VersioningBehavior
}

func (r *registrations) RegisterWorkflowWithOptions(_ any, o workflow.RegisterOptions) {
	r.workflows[o.Name] = o.VersioningBehavior
}

func (r *registrations) RegisterActivityWithOptions(any, activity.RegisterOptions) {}

// Every workflow type has a decided versioning behaviour, and the table
// names no workflow the worker does not run.
func TestEveryWorkflowHasAVersioningBehavior(t *testing.T) {
	r := &registrations{workflows: map[string]workflow.VersioningBehavior{}}
	Register(r, Activities{})
	for name, b := range r.workflows {
		if b != workflow.VersioningBehaviorPinned && b != workflow.VersioningBehaviorAutoUpgrade {
			t.Errorf("workflow %s registers versioning behaviour %d: add it to VersioningBehaviors", name, b)
		}
	}
	for name := range VersioningBehaviors {
		if _, ok := r.workflows[name]; !ok {
			t.Errorf("VersioningBehaviors names %s, which the worker does not register", name)
		}
	}
}

// The SDK refuses (panics) to register a workflow without a behaviour on a
// versioned worker: building one with every registration proves there is
// none. Nothing is dialled until the worker starts.
func TestVersionedWorkerRegistersEverything(t *testing.T) {
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	New(c, Activities{}, Options{Deployment: Deployment{Name: "junction", BuildID: "b1"}})
}

func TestDeploymentValidate(t *testing.T) {
	for _, tc := range []struct {
		d       Deployment
		on      bool
		wantErr string
	}{
		{Deployment{}, false, ""},
		{Deployment{Name: "junction", BuildID: "2026.12.07-abc123"}, true, ""},
		{Deployment{Name: "junction"}, true, "both a deployment name and a build id"},
		{Deployment{BuildID: "b1"}, true, "both a deployment name and a build id"},
		{Deployment{Name: "junction.prod", BuildID: "b1"}, true, "must not contain '.' or ':'"},
		{Deployment{Name: "junction:prod", BuildID: "b1"}, true, "must not contain '.' or ':'"},
		{Deployment{Name: "__junction", BuildID: "b1"}, true, `deployment name "__junction": must not start with "__"`},
		{Deployment{Name: "junction", BuildID: "__b1"}, true, `build id "__b1": must not start with "__"`},
		{Deployment{Name: "junction", BuildID: " b1"}, true, "must not start or end with a space"},
	} {
		if got := tc.d.On(); got != tc.on {
			t.Errorf("%+v: On() = %v, want %v", tc.d, got, tc.on)
		}
		err := tc.d.Validate()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%+v: %v", tc.d, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%+v: error %v, want one containing %q", tc.d, err, tc.wantErr)
		}
	}
}

// Versioning off leaves the SDK's options empty, so the worker is the
// unversioned worker of before.
func TestDeploymentOptions(t *testing.T) {
	if o := (Deployment{}).options(); o.UseVersioning || o.Version.BuildID != "" {
		t.Errorf("unversioned worker gets %+v", o)
	}
	o := Deployment{Name: "junction", BuildID: "b2"}.options()
	if !o.UseVersioning || o.Version.DeploymentName != "junction" || o.Version.BuildID != "b2" || o.DefaultVersioningBehavior != workflow.VersioningBehaviorUnspecified {
		t.Errorf("versioned worker gets %+v", o)
	}
}
