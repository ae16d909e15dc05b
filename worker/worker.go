// Package worker connects to Temporal and runs Junction's worker: it builds
// the client (address, namespace, TLS), makes sure the namespace has
// Junction's search attributes, and registers every workflow and activity
// under the names histories show.
package worker

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"github.com/junction-run/junction/activities"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/internal/logging"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/workflows"
)

// ClientConfig says how to reach a Temporal cluster.
type ClientConfig struct {
	Address   string // host:port of the frontend
	Namespace string
	// TLS is used when any of these is set. CertFile and KeyFile give a
	// client certificate (mTLS); CAFile trusts a private CA.
	TLSCertFile   string
	TLSKeyFile    string
	TLSCAFile     string
	TLSServerName string
	TLS           bool
	// DataConverter encodes every payload the client writes and decodes
	// every one it reads (nil: Temporal's default, clear JSON). With payload
	// encryption on, every client Junction makes (worker, gateway, dev
	// stack) must get the same one: payloadcodec.DataConverter.
	DataConverter converter.DataConverter
	// FailureConverter turns errors into failures and back (nil: the
	// SDK's default, which keeps messages in clear). With payload
	// encryption on it is payloadcodec.FailureConverter, so that failure
	// messages are encrypted too.
	FailureConverter converter.FailureConverter
	// MetricsHandler receives the SDK's metrics, the client's and its
	// workers' (nil: none); metrics.Metrics.TemporalHandler exports them
	// to Prometheus.
	MetricsHandler client.MetricsHandler
	// Interceptors wrap the client's calls; one that is also a worker
	// interceptor (Temporal's tracing interceptor) wraps the workflows
	// and activities of every worker built on the client too.
	Interceptors []interceptor.ClientInterceptor
}

// Dial connects to Temporal with Junction's logger.
func Dial(ctx context.Context, cfg ClientConfig, logger *zap.Logger) (client.Client, error) {
	tlsConf, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	opts := client.Options{
		HostPort:  cfg.Address,
		Namespace: cfg.Namespace,
		Logger:    logging.NewTemporalLogger(logger.Named("temporal-sdk")),
		// nil keeps the SDK's default.
		DataConverter:    cfg.DataConverter,
		FailureConverter: cfg.FailureConverter,
		MetricsHandler:   cfg.MetricsHandler,
		Interceptors:     cfg.Interceptors,
	}
	if tlsConf != nil {
		opts.ConnectionOptions.TLS = tlsConf
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s (namespace %s): %w", cfg.Address, cfg.Namespace, err)
	}
	return c, nil
}

func (cfg ClientConfig) tlsConfig() (*tls.Config, error) {
	if !cfg.TLS && cfg.TLSCertFile == "" && cfg.TLSCAFile == "" && cfg.TLSServerName == "" {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TLSServerName}
	if cfg.TLSCertFile != "" || cfg.TLSKeyFile != "" {
		if cfg.TLSCertFile == "" || cfg.TLSKeyFile == "" {
			return nil, errors.New("TLS client certificate needs both --tls-cert and --tls-key")
		}
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading TLS client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if cfg.TLSCAFile != "" {
		pem, err := os.ReadFile(cfg.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("reading TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS CA file %s holds no PEM certificate", cfg.TLSCAFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// EnsureSearchAttributes adds whichever of Junction's search attributes the
// namespace lacks. A namespace created by an older Junction gains the new
// ones on the next start; existing ones are left alone.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	ops := c.OperatorService()
	have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("listing search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range runs.SearchAttributes() {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	}); err != nil {
		return fmt.Errorf("adding search attributes to namespace %s: %w", namespace, err)
	}
	return nil
}

// Activities are the dependencies of every activity the worker registers.
type Activities struct {
	HTTP       *activities.Activities
	Messaging  *activities.Messaging
	Connectors *activities.Connectors
	// Outbound sends subscriptions' deliveries.
	Outbound *activities.Outbound
	// Awaits registers the replies runs wait for.
	Awaits *activities.Awaits
	// States reads and writes the states runs share.
	States *activities.States
	// Conversations receives messages and logs replies.
	Conversations *activities.Conversations
	// AppSubscriptions subscribes definitions' webhook triggers at the
	// apps that send them only once asked to.
	AppSubscriptions *activities.AppSubscriptions
}

// Options tune the worker; zero values take the SDK's defaults.
type Options struct {
	MaxConcurrentActivities int
	// MaxConcurrentWorkflowTasks bounds workflow tasks in progress.
	MaxConcurrentWorkflowTasks int
	// WorkflowTaskPollers and ActivityTaskPollers are the long polls each
	// kind of task keeps open (0: DefaultWorkflowTaskPollers, and the
	// SDK's default of 2 activity pollers); more pollers pick up a burst
	// of work sooner at the cost of idle connections.
	WorkflowTaskPollers int
	ActivityTaskPollers int
	// Identity names this worker in histories (default host and pid).
	Identity string
	// WorkflowCacheSize caps the runs the process keeps in memory between
	// their workflow tasks (the SDK's sticky cache; 0: its default,
	// 10,000). It is what a worker's memory grows with: about 40 KB a
	// cached run. A run evicted from it is rebuilt from its history when
	// it next has work, so a smaller cache costs replays, not correctness.
	// The cache is the process's, shared by all its workers.
	WorkflowCacheSize int
	// Deployment turns worker versioning on (versioning.go); the zero
	// value is an unversioned worker.
	Deployment Deployment
	// StopTimeout is how long Stop (and Run, once interrupted) lets the
	// activities and workflow tasks in progress finish after polling has
	// stopped; then their contexts are cancelled. 0 cancels them at once.
	StopTimeout time.Duration
}

// DefaultWorkflowTaskPollers is how many workflow task polls a worker
// keeps open. The SDK's 2 leave a burst of new workflows without a waiting
// poll: matching then stores their first tasks and reads them back, and a
// conversation's first message waited 5-20 s for its task (make bench,
// conversations: 14 such stalls in 3,000 messages with 2, none with 8).
const DefaultWorkflowTaskPollers = 8

// New builds a worker on workflows.TaskQueue with every workflow and
// activity registered. The caller starts and stops it.
func New(c client.Client, acts Activities, opts Options) sdkworker.Worker {
	if opts.WorkflowCacheSize > 0 {
		// Read when the process's first worker starts.
		sdkworker.SetStickyWorkflowCacheSize(opts.WorkflowCacheSize)
	}
	w := sdkworker.New(c, runs.TaskQueue, sdkworker.Options{
		MaxConcurrentActivityExecutionSize:     opts.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: opts.MaxConcurrentWorkflowTasks,
		MaxConcurrentWorkflowTaskPollers:       cmp.Or(opts.WorkflowTaskPollers, DefaultWorkflowTaskPollers),
		MaxConcurrentActivityTaskPollers:       opts.ActivityTaskPollers,
		Identity:                               opts.Identity,
		DeploymentOptions:                      opts.Deployment.options(),
		WorkerStopTimeout:                      opts.StopTimeout,
	})
	Register(w, acts)
	return w
}

// Registry is the part of a worker (or a replayer) that registrations need.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// dynamicRegistry is a worker that takes a dynamic activity, for activity
// types not known at start.
type dynamicRegistry interface {
	RegisterDynamicActivity(a any, options activity.DynamicRegisterOptions)
}

// Register registers every workflow and activity with its stable name.
func Register(r Registry, acts Activities) {
	r.RegisterWorkflowWithOptions(workflows.RunDefinition, workflowOptions(runs.RunDefinitionWorkflow))
	r.RegisterWorkflowWithOptions(workflows.Poll, workflowOptions(runs.PollWorkflow))
	if acts.HTTP == nil {
		acts.HTTP = activities.New(nil)
	}
	if acts.Messaging == nil {
		// Registered anyway: a definition with an SMS step then fails with
		// a clear "not configured" error instead of an unknown activity.
		acts.Messaging = &activities.Messaging{}
	}
	r.RegisterActivityWithOptions(acts.HTTP.HTTPRequest, activity.RegisterOptions{Name: runs.HTTPRequestActivity})
	r.RegisterActivityWithOptions(acts.Messaging.SendSMS, activity.RegisterOptions{Name: runs.SendSMSActivity})
	r.RegisterActivityWithOptions(acts.Messaging.SendChatAppsMessage, activity.RegisterOptions{Name: runs.SendChatAppsMessageActivity})
	if acts.Connectors == nil {
		acts.Connectors = &activities.Connectors{Registry: catalog.New()}
	}
	// Connections: the test, the OAuth2 authorization and the one token
	// refresher per connection.
	r.RegisterWorkflowWithOptions(workflows.CheckConnection, workflowOptions(runs.CheckConnectionWorkflow))
	r.RegisterWorkflowWithOptions(workflows.AuthorizeConnection, workflowOptions(runs.AuthorizeConnectionWorkflow))
	r.RegisterWorkflowWithOptions(workflows.OAuth2Refresher, workflowOptions(runs.OAuth2RefresherWorkflow))
	r.RegisterActivityWithOptions(acts.Connectors.CheckConnection, activity.RegisterOptions{Name: runs.CheckConnectionActivity})
	r.RegisterActivityWithOptions(acts.Connectors.ExchangeOAuth2Code, activity.RegisterOptions{Name: runs.ExchangeOAuth2CodeActivity})
	r.RegisterActivityWithOptions(acts.Connectors.RefreshOAuth2Token, activity.RegisterOptions{Name: runs.RefreshOAuth2TokenActivity})
	// Deliveries to subscriptions, and the events Junction raises itself.
	if acts.Outbound == nil {
		acts.Outbound = &activities.Outbound{}
	}
	r.RegisterWorkflowWithOptions(workflows.Delivery, workflowOptions(runs.DeliveryWorkflow))
	r.RegisterActivityWithOptions(acts.Outbound.Send, activity.RegisterOptions{Name: runs.SendDeliveryActivity})
	r.RegisterActivityWithOptions(acts.Outbound.Settle, activity.RegisterOptions{Name: runs.SettleDeliveryActivity})
	r.RegisterActivityWithOptions(acts.Outbound.RaiseEvent, activity.RegisterOptions{Name: runs.RaiseEventActivity})
	r.RegisterWorkflowWithOptions(workflows.Webhook, workflowOptions(runs.WebhookWorkflow))
	if acts.Awaits == nil {
		acts.Awaits = &activities.Awaits{}
	}
	r.RegisterActivityWithOptions(acts.Awaits.Register, activity.RegisterOptions{Name: runs.RegisterAwaitActivity})
	r.RegisterActivityWithOptions(acts.Awaits.Release, activity.RegisterOptions{Name: runs.ReleaseAwaitActivity})
	if acts.States == nil {
		acts.States = &activities.States{}
	}
	r.RegisterActivityWithOptions(acts.States.Read, activity.RegisterOptions{Name: runs.ReadStateActivity})
	r.RegisterActivityWithOptions(acts.States.Write, activity.RegisterOptions{Name: runs.WriteStateActivity})
	r.RegisterActivityWithOptions(acts.Outbound.SendWebhook, activity.RegisterOptions{Name: runs.SendWebhookActivity})
	// Conversations: the entity workflow that takes a conversation's
	// messages in order, and the run's log of what it replied.
	if acts.Conversations == nil {
		acts.Conversations = &activities.Conversations{}
	}
	r.RegisterWorkflowWithOptions(workflows.Conversation, workflowOptions(runs.ConversationWorkflow))
	r.RegisterActivityWithOptions(acts.Conversations.Receive, activity.RegisterOptions{Name: runs.ReceiveMessageActivity})
	r.RegisterActivityWithOptions(acts.Conversations.RecordOutgoing, activity.RegisterOptions{Name: runs.RecordOutgoingActivity})
	// App subscriptions: the workflow per definition that keeps its
	// trigger subscribed at the app, and its requests.
	if acts.AppSubscriptions == nil {
		acts.AppSubscriptions = &activities.AppSubscriptions{Connectors: acts.Connectors}
	}
	r.RegisterWorkflowWithOptions(workflows.AppSubscription, workflowOptions(runs.AppSubscriptionWorkflow))
	r.RegisterActivityWithOptions(acts.AppSubscriptions.Subscribe, activity.RegisterOptions{Name: runs.SubscribeAppWebhookActivity})
	r.RegisterActivityWithOptions(acts.AppSubscriptions.Renew, activity.RegisterOptions{Name: runs.RenewAppWebhookActivity})
	r.RegisterActivityWithOptions(acts.AppSubscriptions.Unsubscribe, activity.RegisterOptions{Name: runs.UnsubscribeAppWebhookActivity})
	r.RegisterActivityWithOptions(acts.AppSubscriptions.Record, activity.RegisterOptions{Name: runs.RecordAppSubscriptionActivity})
	// One activity per connector action, so histories read like the
	// business: shopify.update_order, http.call.
	for _, a := range acts.Connectors.Registry.Activities() {
		r.RegisterActivityWithOptions(acts.Connectors.Run, activity.RegisterOptions{Name: a.Name})
	}
	// The actions and polling triggers of the apps accounts keep as data,
	// which can appear at any time: whatever "<app>.<action>" or
	// "<app>.<trigger>" type no registration above names. A replayer runs
	// no activity and takes none.
	if d, ok := r.(dynamicRegistry); ok {
		d.RegisterDynamicActivity(acts.Connectors.RunStored, activity.DynamicRegisterOptions{})
	}
	// One activity per polling trigger, beside the actions:
	// shopify.new_orders.
	for _, a := range acts.Connectors.Registry.PollActivities() {
		r.RegisterActivityWithOptions(acts.Connectors.Poll, activity.RegisterOptions{Name: a.Name})
	}
}
