package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestEnvVars(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		v := func(account, name string, secret bool, value string) EnvVar {
			return EnvVar{AccountID: account, App: "shopify", AppVersion: "1.0.0", Name: name, Secret: secret, Value: value}
		}

		if err := s.SetEnvVars(ctx, "acme", "shopify", "1.0.0", []EnvVar{
			v("acme", "PARTNER_ID", false, "p-1"), v("acme", "CLIENT_SECRET", true, ""),
		}); err != nil {
			t.Fatal(err)
		}
		// A second write replaces one variable and leaves the other alone.
		if err := s.SetEnvVars(ctx, "acme", "shopify", "1.0.0", []EnvVar{v("acme", "PARTNER_ID", false, "p-2")}); err != nil {
			t.Fatal(err)
		}
		got, err := s.EnvVars(ctx, "acme", "shopify", "1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != "CLIENT_SECRET" || !got[0].Secret || got[0].Value != "" ||
			got[1].Name != "PARTNER_ID" || got[1].Secret || got[1].Value != "p-2" || got[1].UpdatedAt.IsZero() {
			t.Fatalf("EnvVars = %+v", got)
		}
		for what, vars := range map[string][]EnvVar{
			"another account": mustEnv(s.EnvVars(ctx, "globex", "shopify", "1.0.0")),
			"another version": mustEnv(s.EnvVars(ctx, "acme", "shopify", "1.1.0")),
			"another app":     mustEnv(s.EnvVars(ctx, "acme", "slack", "1.0.0")),
		} {
			if vars == nil || len(vars) != 0 {
				t.Errorf("%s sees %+v, want an empty list", what, vars)
			}
		}

		if err := s.DeleteEnvVar(ctx, "acme", "shopify", "1.0.0", "PARTNER_ID"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteEnvVar(ctx, "acme", "shopify", "1.0.0", "PARTNER_ID"); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleting it again: %v, want ErrNotFound", err)
		}
		if got, _ := s.EnvVars(ctx, "acme", "shopify", "1.0.0"); len(got) != 1 || got[0].Name != "CLIENT_SECRET" {
			t.Errorf("after the delete: %+v", got)
		}

		for _, tc := range []struct {
			name    string
			account string
			vars    []EnvVar
			want    error
		}{
			{"lower-case name", "acme", []EnvVar{v("acme", "partner_id", false, "x")}, ErrInvalid},
			{"name starting with a digit", "acme", []EnvVar{v("acme", "1X", false, "x")}, ErrInvalid},
			{"secret with a value in the store", "acme", []EnvVar{v("acme", "TOKEN", true, "s3cret")}, ErrInvalid},
			{"NUL in the value", "acme", []EnvVar{v("acme", "X", false, "a\x00b")}, ErrInvalid},
			{"variable of another account", "acme", []EnvVar{v("globex", "X", false, "x")}, ErrInvalid},
			{"unknown account", "nobody", []EnvVar{v("nobody", "X", false, "x")}, ErrNotFound},
			{"app with a slash", "acme", []EnvVar{{AccountID: "acme", App: "a/b", AppVersion: "1.0.0", Name: "X"}}, ErrInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				app, version := "shopify", "1.0.0"
				if len(tc.vars) == 1 && tc.vars[0].App != "shopify" {
					app = tc.vars[0].App
				}
				err := s.SetEnvVars(ctx, tc.account, app, version, tc.vars)
				if !errors.Is(err, tc.want) {
					t.Fatalf("SetEnvVars: %v, want %v", err, tc.want)
				}
				if errors.Is(err, ErrInvalid) && len(tc.vars) == 1 && tc.vars[0].Value == "s3cret" && strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the error quotes the value: %v", err)
				}
			})
		}
	})
}

func mustEnv(vars []EnvVar, err error) []EnvVar {
	if err != nil {
		return nil
	}
	return vars
}
