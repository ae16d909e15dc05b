package apiclient

import (
	"context"
	"encoding/json"
	"net/http"
)

// UpgradeChange is one difference that matters to a definition moving to
// another version of an app (docs/apps.md, "Upgrading a definition to a
// new app version").
type UpgradeChange struct {
	Kind    string `json:"kind"`
	Action  string `json:"action,omitempty"`
	Field   string `json:"field,omitempty"`
	From    any    `json:"from,omitempty"`
	To      any    `json:"to,omitempty"`
	Message string `json:"message"`
}

// UpgradeReport is a dry run's answer: the schema changes and the
// definition's recent runs replayed on the new version.
type UpgradeReport struct {
	App               string          `json:"app"`
	From              string          `json:"from"`
	To                string          `json:"to"`
	DefinitionVersion int             `json:"definitionVersion"`
	SchemaChanges     []UpgradeChange `json:"schemaChanges"`
	Runs              []struct {
		WorkflowID         string `json:"workflowId"`
		TemporalWorkflowID string `json:"temporalWorkflowId"`
		RecordedAt         string `json:"recordedAt"`
		Steps              []struct {
			Step        string          `json:"step"`
			Action      string          `json:"action"`
			Version     string          `json:"version"`
			Differences []UpgradeChange `json:"differences"`
		} `json:"steps"`
	} `json:"runs"`
	NotReplayed string `json:"notReplayed,omitempty"`
	Safe        bool   `json:"safe"`
}

// PlanAppUpgrade asks what moving definition id to version of app would
// change, and moves nothing.
func (c *Client) PlanAppUpgrade(ctx context.Context, id, app, version string) (UpgradeReport, error) {
	body, err := json.Marshal(map[string]any{"app": app, "version": version, "dryRun": true})
	if err != nil {
		return UpgradeReport{}, err
	}
	var out UpgradeReport
	if _, err := c.do(ctx, request{method: http.MethodPost, path: []string{"definitions", id, "upgrade-app"}, body: body}, &out); err != nil {
		return UpgradeReport{}, err
	}
	return out, nil
}

// UpgradeApp stores definition id's next version, pinning version of app;
// runs already started keep the versions they started with.
func (c *Client) UpgradeApp(ctx context.Context, id, app, version string) (Definition, error) {
	body, err := json.Marshal(map[string]any{"app": app, "version": version})
	if err != nil {
		return Definition{}, err
	}
	var out Definition
	h, err := c.do(ctx, request{method: http.MethodPost, path: []string{"definitions", id, "upgrade-app"}, body: body}, &out)
	if err != nil {
		return Definition{}, err
	}
	out.ETag = h.Get("ETag")
	return out, nil
}
