package worker

import (
	"cmp"
	"net/http"
	"net/url"

	"github.com/junction-run/junction/activities"
	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/metrics"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/vaultx"
)

// Dependencies are what the activities read at call time. Secrets are read
// there, inside activities, and nowhere else.
type Dependencies struct {
	// Store holds connections' settings and environment variables.
	Store *store.Store
	// Vault holds their secrets; nil leaves connections unavailable (steps
	// that name one fail as not configured), while non-secret environment
	// variables still work.
	Vault *vaultx.Client
	// Connectors is the registry of connector versions (default
	// catalog.New()).
	Connectors *connectors.Registry
	// Egress is the process's one client to third parties (default:
	// NewEgress(EgressAllow, EgressProxy, Metrics)).
	Egress *egress.Client
	// EgressAllow is the address guard's allow list of the default Egress:
	// the zero Allow lets public addresses only.
	EgressAllow egress.Allow
	// EgressProxy, when set, is the HTTP proxy every call to a third party
	// goes through; nil is none (the environment's HTTP(S)_PROXY is not
	// read: a proxy is configured, never picked up).
	EgressProxy *url.URL
	// Transport, when set, carries connector calls instead of Egress's
	// transport; tests point it at fakes.
	Transport http.RoundTripper
	// EightByEight configures the built-in SMS and ChatAppsMessage steps.
	EightByEight eightbyeight.Config
	// MaxResponseBytes is the operator's maximum of what one step reads of
	// an answer: http.call's maxResponseBytes cannot exceed it, and an
	// HttpRequest step reads at most the lower of it and 1 MiB (0:
	// httpconn.DefaultMaxResponseBytesLimit, 2 MiB).
	MaxResponseBytes int64
	// Events raises the events Junction makes itself (a delivery that
	// failed for good, a run's end) through intake; nil leaves them
	// unraised (the activities that raise them fail as not configured).
	Events activities.EventRaiser
	// Messages logs and dispatches the messages conversations receive,
	// through intake; nil leaves conversations unable to take messages.
	Messages activities.MessageReceiver
	// Metrics counts connector calls, polls, deliveries and the default
	// Egress's refusals (nil: none).
	Metrics *metrics.Metrics
}

// NewActivities wires the activities the way `junction dev` and `junction
// worker` both run them.
func NewActivities(d Dependencies) Activities {
	if d.Connectors == nil {
		d.Connectors = catalog.New()
	}
	if d.Egress == nil {
		d.Egress = NewEgress(d.EgressAllow, d.EgressProxy, d.Metrics)
	}
	if d.EightByEight.HTTPClient == nil {
		d.EightByEight.HTTPClient = d.Egress.HTTPClient()
	}
	maxBytes := cmp.Or(d.MaxResponseBytes, httpconn.DefaultMaxResponseBytesLimit)
	httpActs := activities.New(d.Egress)
	httpActs.MaxResponseBytes = min(httpActs.MaxResponseBytes, maxBytes)
	connectorActs := &activities.Connectors{Registry: d.Connectors, Egress: d.Egress, Transport: d.Transport, MaxResponseBytes: maxBytes, Metrics: d.Metrics}
	secrets := credentials.New(d.Vault, "")
	appEnv := &activities.VaultEnv{Store: d.Store, Secrets: secrets}
	if d.Vault != nil {
		connectorActs.Connections = &activities.VaultConnections{Store: d.Store, Secrets: secrets, Registry: d.Connectors, Env: appEnv}
	}
	connectorActs.Env, httpActs.Env = appEnv, appEnv
	outboundActs := &activities.Outbound{Store: d.Store, Secrets: secrets, Connections: connectorActs.Connections,
		Egress: d.Egress, Events: d.Events, UserAgent: activities.UserAgent, Env: appEnv, Metrics: d.Metrics}
	var awaits *activities.Awaits
	var states *activities.States
	conversations := &activities.Conversations{Receiver: d.Messages}
	if d.Store != nil {
		connectorActs.Recorder = d.Store
		awaits = &activities.Awaits{Store: d.Store}
		states = &activities.States{Store: d.Store}
		conversations.Store = d.Store
	}
	appSubscriptions := &activities.AppSubscriptions{Connectors: connectorActs}
	if d.Store != nil {
		appSubscriptions.Store = d.Store
	}
	return Activities{
		AppSubscriptions: appSubscriptions,
		Awaits:           awaits,
		States:           states,
		Conversations:    conversations,
		Outbound:         outboundActs,
		HTTP:             httpActs,
		Messaging:        &activities.Messaging{Client: eightbyeight.NewClient(d.EightByEight), Connectors: connectorActs},
		Connectors:       connectorActs,
	}
}

// NewEgress is the worker's client to third parties, whose address guard
// refuses every address that is not public unless allow lists it
// (`--egress-allow`). proxy, when not nil (`--egress-proxy`), carries
// every call; the environment's HTTP(S)_PROXY is never read, so a variable
// set for something else cannot route tenants' calls around the guard.
// With a proxy the guard judges the proxy's address only (allow must list
// it when it is private), and the proxy, which resolves and connects to
// the third party, must refuse what the guard would have. m, when not
// nil, counts the guard's refusals.
func NewEgress(allow egress.Allow, proxy *url.URL, m *metrics.Metrics) *egress.Client {
	o := egress.Options{Allow: allow, UserAgent: activities.UserAgent}
	if m != nil {
		o.Refused = func(e *egress.RefusedError) { m.EgressRefusal(e.Reason()) }
	}
	if proxy != nil {
		o.Proxy = http.ProxyURL(proxy)
	}
	return egress.NewClient(o)
}
