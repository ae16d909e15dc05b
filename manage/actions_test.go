package manage_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// TestCheckAction: a request to run one action is checked as a saved
// definition's connector step is, by the same validator, and every problem
// is named where it is in the request; the inputs are values only.
func TestCheckAction(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range []string{"acme", "globex"} {
		if _, err := st.CreateAccount(ctx, store.Account{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	connection := func(account, id, app, authKind string, props map[string]string) string {
		t.Helper()
		c, err := st.CreateConnection(ctx, store.Connection{AccountID: account, ID: id, App: app, AuthKind: authKind,
			Fields: map[string]string{}, Properties: props, SecretFields: []string{"key"}})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	shop := connection("acme", "5e1c9d9a-2b7f-4c3e-8a51-0d6f2e9b7c44", "shopify", "api_key", map[string]string{"shop": "northwind.myshopify.com"})
	api := connection("acme", "0b7c3f2e-1d4a-4e8b-9c6f-5a2d8e7b1c30", "http", "api_key", map[string]string{})
	foreign := connection("globex", "9d2e4f6a-8b1c-4d3e-a5f7-2c6b8e0d1a94", "shopify", "api_key", map[string]string{"shop": "globex.myshopify.com"})
	actions := manage.NewActions(catalog.New(), st, nil)

	order := map[string]any{"id": 450789469.0, "add_tags": []any{"Ready to ship"}}
	for _, tc := range []struct {
		name   string
		action string
		req    manage.ActionRequest
		// want is the paths of the problems, in order; notFound says the
		// action itself does not exist.
		want     []string
		notFound bool
	}{
		{"a Shopify order update", "shopify.update_order", manage.ActionRequest{Connection: shop, Inputs: order}, nil, false},
		{"an app without credentials needs no connection", "http.call",
			manage.ActionRequest{Inputs: map[string]any{"method": "GET", "url": "https://example.com/"}}, nil, false},
		{"retry and timeout as a step's", "shopify.update_order", manage.ActionRequest{Connection: shop, Inputs: order,
			Retry: &definition.RetryPolicy{MaximumAttempts: 3, InitialInterval: "2s"}, Timeout: "30s", Version: "1.0.0"}, nil, false},

		{"not app.action", "Shopify", manage.ActionRequest{}, []string{"action"}, false},
		{"an app Junction does not have", "nosuch.do_it", manage.ActionRequest{Connection: shop}, []string{"action"}, true},
		{"an action the app does not have", "shopify.launch_rocket", manage.ActionRequest{Connection: shop, Inputs: order}, []string{"action"}, true},

		{"no connection", "shopify.update_order", manage.ActionRequest{Inputs: order}, []string{"connection"}, false},
		{"a connection that does not exist", "shopify.update_order", manage.ActionRequest{Connection: "nope", Inputs: order}, []string{"connection"}, false},
		{"another account's connection", "shopify.update_order", manage.ActionRequest{Connection: foreign, Inputs: order}, []string{"connection"}, false},
		{"a connection of another app", "shopify.update_order", manage.ActionRequest{Connection: api, Inputs: order}, []string{"connection"}, false},

		{"inputs: wrong type, unknown field", "shopify.update_order", manage.ActionRequest{Connection: shop,
			Inputs: map[string]any{"id": "four", "add_tags": []any{"x"}, "colour": "red"}}, []string{"inputs.colour", "inputs.id"}, false},
		{"inputs: a required one missing", "shopify.update_order", manage.ActionRequest{Connection: shop,
			Inputs: map[string]any{"add_tags": []any{"x"}}}, []string{"inputs.id"}, false},
		{"inputs: an expression is text, and text is no integer", "shopify.update_order", manage.ActionRequest{Connection: shop,
			Inputs: map[string]any{"id": "{{ data.order_id }}", "add_tags": []any{"x"}}}, []string{"inputs.id"}, false},
		{"inputs: nested", "shopify.update_order", manage.ActionRequest{Connection: shop,
			Inputs: map[string]any{"id": 1.0, "note_attributes": []any{map[string]any{"name": 5.0, "value": "x"}}}}, []string{"inputs.note_attributes[0].name"}, false},

		{"retry and timeout", "shopify.update_order", manage.ActionRequest{Connection: shop, Inputs: order,
			Retry: &definition.RetryPolicy{InitialInterval: "10s", MaximumInterval: "1s", BackoffCoefficient: 0.5}, Timeout: "soon"},
			[]string{"retry.backoffCoefficient", "retry.maximumInterval", "timeout"}, false},
		{"a version the app does not have", "shopify.update_order", manage.ActionRequest{Connection: shop, Inputs: order, Version: "9.9.9"},
			[]string{"version"}, false},
		{"every problem at once", "shopify.update_order", manage.ActionRequest{Connection: "nope",
			Inputs: map[string]any{"id": true}, Timeout: "-1s"}, []string{"connection", "inputs.id", "timeout"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checked, err := actions.Check(ctx, "acme", tc.action, tc.req)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if checked.AppVersion != "1.0.0" || checked.Step.StepType != tc.action || checked.Step.Connection != tc.req.Connection ||
					checked.Step.ID != runs.ActionStepID || len(checked.Step.Inputs) != len(tc.req.Inputs) {
					t.Errorf("checked %+v", checked)
				}
				return
			}
			var me *manage.Error
			if !errors.As(err, &me) {
				t.Fatalf("error %v, want a *manage.Error", err)
			}
			if got := errors.Is(err, store.ErrNotFound); got != tc.notFound {
				t.Errorf("not found %v, want %v: %v", got, tc.notFound, err)
			}
			if !tc.notFound && !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%v is no store.ErrInvalid", err)
			}
			var paths []string
			for _, f := range me.Fields {
				paths = append(paths, f.Path)
			}
			slices.Sort(paths)
			if !slices.Equal(paths, tc.want) {
				t.Errorf("problems at %q, want %q: %+v", paths, tc.want, me.Fields)
			}
		})
	}
}
