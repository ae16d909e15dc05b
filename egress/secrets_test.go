package egress_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/junction-run/junction/egress"
)

// A header added below the caller (a connection's transport) and the
// secrets in scope of the call (WithSecrets) are scrubbed from an answer
// that echoes them, like the request's own.
func TestSecretsInScopeAreScrubbed(t *testing.T) {
	echo := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "auth=%s custom=%s", r.Header.Get("Authorization"), r.Header.Get("X-Partner"))
	})
	ctx := egress.WithSecrets(t.Context(), "partner-secret-env")
	_, err := egress.Do(ctx, &http.Client{Transport: unwrappable{credentials{egress.Default().Transport()}}}, egress.Request{
		URL: echo.URL, Header: http.Header{"X-Partner": {"v=partner-secret-env"}},
	})
	var se *egress.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a StatusError", err)
	}
	for _, secret := range []string{"transport-token", "partner-secret-env"} {
		if strings.Contains(err.Error(), secret) || strings.Contains(se.Body, secret) {
			t.Errorf("the error quotes %q: %s", secret, err)
		}
	}
	if !strings.Contains(se.Body, "auth="+egress.Redacted) {
		t.Errorf("the body snippet %q does not show where the secret was", se.Body)
	}
}

// A hop to another origin drops every header holding a secret in scope,
// whatever its name, and does not send a body holding one again.
func TestRedirectKeepsSecretsInScopeAtHome(t *testing.T) {
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "landed") })
	origin := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
		case "/away-with-body":
			http.Redirect(w, r, other.URL+"/landing", http.StatusTemporaryRedirect)
		case "/here-with-body":
			http.Redirect(w, r, "/landing", http.StatusPermanentRedirect)
		default:
			fmt.Fprintf(w, "partner=%s", r.Header.Get("X-Partner"))
		}
	})
	tests := []struct {
		name       string
		path       string
		body       string
		wantStatus int
		wantOther  int    // requests the other origin receives
		wantHeader string // X-Partner where the call ends
	}{
		{"another origin: the header stays behind", "/away", "", 200, 1, ""},
		{"same origin keeps it", "/stay", "", 200, 0, "env-secret-42"},
		{"another origin, a body without a secret: followed", "/away-with-body", `{"a":1}`, 200, 1, ""},
		{"another origin, a body holding a secret: not followed", "/away-with-body", `{"key":"env-secret-42"}`, 307, 0, ""},
		{"same origin, a body holding a secret: followed", "/here-with-body", `{"key":"env-secret-42"}`, 200, 0, "env-secret-42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(other.requests())
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			ctx := egress.WithSecrets(context.Background(), "env-secret-42")
			resp, err := egress.Do(ctx, nil, egress.Request{
				Method: http.MethodPost, URL: origin.URL + tt.path, Body: body,
				Header:  http.Header{"X-Partner": {"env-secret-42"}, "X-Trace": {"t-1"}},
				Success: func(s int) bool { return s < 400 },
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			got := other.requests()[before:]
			if len(got) != tt.wantOther {
				t.Fatalf("the other origin saw %d requests, want %d", len(got), tt.wantOther)
			}
			for _, r := range got {
				if v := r.Header.Get("X-Partner"); v != "" {
					t.Errorf("the other origin received X-Partner %q", v)
				}
				if r.Header.Get("X-Trace") != "t-1" {
					t.Errorf("a header without a secret was dropped too: %v", r.Header)
				}
			}
			if tt.wantOther == 0 && tt.wantStatus == 200 && string(resp.Body) != "partner="+tt.wantHeader {
				t.Errorf("the origin answered %q", resp.Body)
			}
		})
	}
}

func TestWithSecrets(t *testing.T) {
	ctx := egress.WithSecrets(t.Context(), "a-secret", "")
	inner := egress.WithSecrets(ctx, "b-secret")
	if got := egress.SecretsOf(inner); len(got) != 2 || got[0] != "a-secret" || got[1] != "b-secret" {
		t.Errorf("inner: %v", got)
	}
	// The outer context is not changed by the inner's addition.
	if got := egress.SecretsOf(egress.WithSecrets(ctx, "c-secret")); len(got) != 2 || got[1] != "c-secret" {
		t.Errorf("sibling: %v", got)
	}
	if egress.WithSecrets(ctx) != ctx {
		t.Error("no values: want the same context")
	}
}
