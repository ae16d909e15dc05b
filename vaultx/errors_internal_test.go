package vaultx

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	ctx := context.Background()
	resp := func(code int, msgs ...string) error {
		return fmt.Errorf("wrapped: %w", &api.ResponseError{StatusCode: code, Errors: msgs, URL: "http://v/x?token=leak-me-please"})
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"404", resp(404), ErrNotFound},
		{"404 no mount", resp(404, "no handler for route \"nope/data/x\". route entry not found."), nil},
		{"403", resp(403, "1 error occurred:\n\t* permission denied\n\n"), ErrPermissionDenied},
		{"400 cas", resp(400, "check-and-set parameter did not match the current version"), ErrCASConflict},
		{"400 other", resp(400, "no data provided"), nil},
		{"412", resp(412), ErrUnavailable},
		{"429", resp(429, "rate limit quota exceeded"), ErrUnavailable},
		{"500", resp(500, "internal error"), ErrUnavailable},
		{"503 sealed", resp(503, "Vault is sealed"), ErrUnavailable},
		{"transport", &url.Error{Op: "Get", URL: "http://127.0.0.1:1/v1/x", Err: errors.New("connection refused")}, ErrUnavailable},
		{"timeout", context.DeadlineExceeded, ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := classify(ctx, "read", "a/b", tc.err, []string{"leak-me-please"})
			for _, s := range []error{ErrNotFound, ErrPermissionDenied, ErrCASConflict, ErrUnavailable} {
				require.Equal(t, s == tc.want, errors.Is(err, s), "errors.Is(%v)", s)
			}
			require.Contains(t, err.Error(), `vaultx: read "a/b"`)
			require.NotContains(t, err.Error(), "leak-me-please")
			var re *api.ResponseError
			require.False(t, errors.As(err, &re), "no Vault type escapes")
		})
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err := classify(cctx, "read", "a/b", &url.Error{Op: "Get", URL: "u", Err: context.Canceled}, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, ErrUnavailable)

	require.Equal(t, `vaultx: read "a/b": permission denied (HTTP 403): permission denied`,
		classify(ctx, "read", "a/b", resp(403, "1 error occurred:\n\t* permission denied\n\n"), nil).Error())
}

func TestRedact(t *testing.T) {
	require.Equal(t, "x [redacted] y [redacted]", redact("x sekret y sekret", []string{"sekret", "", "abc"}))
	require.ElementsMatch(t, []string{"a1", "b2", "c3", "d4"},
		stringsIn(map[string]any{"a": "a1", "b": Secret("b2"), "n": map[string]any{"c": []any{"c3"}}, "d": map[string]string{"x": "d4"}, "i": 1}, nil))
}

func TestCacheGenerations(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newCache(time.Second)
	c.now = func() time.Time { return now }

	e := Entry{Data: map[string]Secret{"k": "v"}, Version: 1}
	c.put("p", e, c.generation())
	got, ok := c.get("p")
	require.True(t, ok)
	require.Equal(t, e, got)

	// A read that started before an invalidation does not store its result.
	gen := c.generation()
	c.invalidate("p")
	c.put("p", e, gen)
	_, ok = c.get("p")
	require.False(t, ok)

	c.put("p", e, c.generation())
	now = now.Add(time.Second)
	_, ok = c.get("p")
	require.False(t, ok, "expired")

	// Expired entries are swept as new ones arrive.
	for i := range sweepEvery {
		c.put(fmt.Sprint(i), e, c.generation())
	}
	now = now.Add(2 * time.Second)
	for i := range sweepEvery {
		c.put(fmt.Sprint("n", i), e, c.generation())
	}
	require.LessOrEqual(t, len(c.entries), sweepEvery)

	off := newCache(-1)
	off.put("p", e, off.generation())
	_, ok = off.get("p")
	require.False(t, ok)
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{"a": "a", "/a/b/": "a/b", "a/b.c": "a/b.c"} {
		got, err := cleanPath("read", in, false)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for _, in := range []string{"", "/", "a//b", "a/../b", "..", "./a"} {
		_, err := cleanPath("read", in, false)
		require.Error(t, err, in)
	}
	p, err := cleanPath("list", "/", true)
	require.NoError(t, err)
	require.Equal(t, "", p)
}
