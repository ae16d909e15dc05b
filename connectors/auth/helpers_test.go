package auth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// Every secret a test uses is registered here, and every error a test
// sees is recorded; TestMain fails the run if any error mentions any
// secret, in any of the forms they travel in.
var (
	registryMu sync.Mutex
	secretSeen []string
	errorsSeen []string
)

func registerSecrets(values ...string) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, v := range values {
		if v != "" {
			secretSeen = append(secretSeen, v)
		}
	}
}

// noteErr records err (if any) for the final check and checks it at once
// against the secrets known so far.
func noteErr(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	registryMu.Lock()
	errorsSeen = append(errorsSeen, msg)
	secrets := append([]string(nil), secretSeen...)
	registryMu.Unlock()
	if s := newScrubber(secrets...); s.leaks(msg) {
		t.Errorf("an error leaks a secret: %s", s.clean(msg))
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	registryMu.Lock()
	s := newScrubber(secretSeen...)
	leaked := 0
	for _, msg := range errorsSeen {
		if s.leaks(msg) {
			leaked++
			fmt.Fprintf(os.Stderr, "error leaks a secret: %s\n", s.clean(msg))
		}
	}
	fmt.Fprintf(os.Stderr, "secret scan: %d errors checked against %d secrets, %d leaks\n", len(errorsSeen), len(secretSeen), leaked)
	registryMu.Unlock()
	if leaked > 0 && code == 0 {
		code = 1
	}
	// A goroutine that outlives the tests is a leak: a token refresh
	// still running, or a response body left open.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// call sends one request through rt and returns the status and body.
func call(t testing.TB, rt http.RoundTripper, method, url string, body io.Reader) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain")
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	noteErr(t, err)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// streamBody hides a reader's type so that http.NewRequest sets no
// GetBody, as for a body streamed from elsewhere.
type streamBody struct{ io.Reader }

func stream(s string) io.Reader { return streamBody{strings.NewReader(s)} }

// echo answers with the method and the body it received.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	_, _ = fmt.Fprintf(w, "%s %s", r.Method, b)
})

func mustParse(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
