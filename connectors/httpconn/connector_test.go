package httpconn_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/httpconn"
)

// fakeAPI answers the sample input's POST /orders with the order, unless
// told to fail the next request.
type fakeAPI struct {
	*httptest.Server
	mu   sync.Mutex
	fail []failure
}

type failure struct {
	status     int
	retryAfter time.Duration
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		var next *failure
		if len(f.fail) > 0 {
			next, f.fail = &f.fail[0], f.fail[1:]
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if next != nil {
			if next.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(next.retryAfter.Seconds())))
			}
			w.WriteHeader(next.status)
			fmt.Fprintf(w, `{"message":"injected %d"}`, next.status)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"1001","status":"created"}`)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) BaseURL() string { return f.URL }

func (f *fakeAPI) FailNext(status int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, failure{status, retryAfter})
}

// TestConnectorConformance runs the generic HTTP connector through the kit
// every connector passes: spec, schemas from the Go types, the sample call,
// and 401/404/422/429/503 mapped to the right kinds.
func TestConnectorConformance(t *testing.T) {
	connectortest.Run(t, httpconn.Connector(), newFakeAPI(t))
}

// A connection's credentials refused below the request (a refresh the
// provider turned down) are Unauthorized, which is not retried; other
// transport failures stay Unavailable.
func TestConnectorErrorKinds(t *testing.T) {
	tests := []struct {
		err  error
		want connectors.ErrorKind
	}{
		{fmt.Errorf("%w: auth: oauth2 refresh: %w", httpconn.ErrNetwork, auth.ErrRejected), connectors.Unauthorized},
		{fmt.Errorf("%w: connection reset", httpconn.ErrNetwork), connectors.Unavailable},
		{fmt.Errorf("%w: no answer", httpconn.ErrTimeout), connectors.Timeout},
	}
	for _, tt := range tests {
		if got := httpconn.ConnectorError(tt.err).Kind; got != tt.want {
			t.Errorf("ConnectorError(%v).Kind = %s, want %s", tt.err, got, tt.want)
		}
	}
}
