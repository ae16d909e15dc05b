package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/metrics"
)

// TestRequestsCountedByRouteTemplate: the gateway counts every request
// under its route's template, with the status it answered; ids in paths,
// paths no route matches and methods made up by a client never become
// label values.
func TestRequestsCountedByRouteTemplate(t *testing.T) {
	m, err := metrics.New()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *gateway.Config) { c.Metrics = m })
	for _, r := range []struct {
		method, path, key string
		want              int
		// undocumented: an answer the OpenAPI document does not describe.
		undocumented bool
	}{
		{http.MethodGet, base + "/definitions/5ec2e700-0000-4000-8000-000000004711", e.admin, http.StatusOK, false},
		{http.MethodGet, base + "/definitions/5ec2e700-0000-4000-8000-000000004712", e.admin, http.StatusOK, false},
		{http.MethodGet, base + "/definitions", e.admin, http.StatusOK, false},
		{http.MethodGet, base + "/definitions", "", http.StatusUnauthorized, false},
		{http.MethodGet, "/no/such/route/5ec2e700", "", http.StatusNotFound, true},
		{"PROPFIND", base + "/definitions", e.admin, http.StatusMethodNotAllowed, true},
	} {
		send := func() response { return e.call(r.method, r.path, r.key, nil) }
		if r.undocumented {
			send = func() response { return e.gatewayCall(r.method, r.path) }
		}
		if resp := send(); resp.status != r.want {
			t.Fatalf("%s %s: %d %s, want %d", r.method, r.path, resp.status, resp.body, r.want)
		}
	}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "junction_gateway_requests_total" && f.GetName() != "junction_gateway_request_duration_seconds" {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if strings.Contains(l.GetValue(), "5ec2e700") || strings.Contains(l.GetValue(), "/"+acme) {
					t.Errorf("%s has the label %s=%q, from a request's path", f.GetName(), l.GetName(), l.GetValue())
				}
			}
			if c := s.GetCounter(); c != nil {
				got[labelString(s)] = c.GetValue()
			}
		}
	}
	want := map[string]float64{
		"method=GET,route=/api/v1/accounts/:accountId/definitions/:definitionId,status=200": 2,
		"method=GET,route=/api/v1/accounts/:accountId/definitions,status=200":               1,
		"method=GET,route=/api/v1/accounts/:accountId/definitions,status=401":               1,
		"method=GET,route=unmatched,status=404":                                             1,
		"method=other,route=unmatched,status=405":                                           1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("requests{%s} = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
}

func labelString(s *dto.Metric) string {
	var out []string
	for _, l := range s.GetLabel() {
		out = append(out, l.GetName()+"="+l.GetValue())
	}
	return strings.Join(out, ",")
}
