// Package devserver runs a real Temporal server and the Temporal UI inside
// the Junction process, persisted to SQLite files (histories in one,
// visibility in another for directories created since sqlite_layout.go), or
// to PostgreSQL (postgres.go). It is what makes
// `junction dev` a single command on a machine without Docker. On
// PostgreSQL it can also be one node of a cluster of such servers
// (cluster.go), which `make cluster` runs.
//
// It links the whole Temporal server (a multi-minute cold build), so only the
// binary and the in-process end-to-end tests import it; unit tests of
// workflows, activities and the gateway never do.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Config says where the embedded server keeps its data and listens.
type Config struct {
	// DBFile is the SQLite file holding every workflow, history and
	// visibility record. Its directory is created if missing.
	DBFile string
	// Namespace is created on first start (default "default").
	Namespace string
	// FrontendAddress is the gRPC address clients dial, e.g. 127.0.0.1:7233.
	// Port 0 picks a free port.
	FrontendAddress string
	// UIAddress is where the Temporal UI listens, e.g. 127.0.0.1:8233.
	// Empty disables the UI.
	UIAddress string
	// Retention is how long closed runs are kept (default 30 days).
	Retention time.Duration
	// SearchAttributes are registered when the namespace is first created.
	// Callers add missing ones on later starts through the operator API.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's logs.
	Logger *zap.Logger
	// CodecEndpoint, when set, is the codec server the UI decodes payloads
	// with (the gateway's /api/v1/codec); the UI sends the browser's
	// cookies for it (codec.includeCredentials), which is how the gateway
	// knows the operator.
	CodecEndpoint string
	// Postgres, when set, keeps everything in PostgreSQL instead of
	// DBFile (see postgres.go).
	Postgres *Postgres
	// SQLite tunes the SQLite persistence (sqlite_layout.go).
	SQLite SQLite
	// Cluster, when set, makes this server one node of a cluster on
	// Postgres (cluster.go); nil is a lone server.
	Cluster *Cluster
	// SuggestContinueAsNewAfter, when set, is the history length at which
	// the server suggests that a workflow continue as new (Temporal's
	// default is 4 Ki events): tests make long runs hand over early.
	SuggestContinueAsNewAfter int
}

// Server is a running embedded Temporal server, with its UI when enabled.
type Server struct {
	temporal temporal.Server
	ui       *uiserver.Server
	uiDone   chan error

	// FrontendAddress is the host:port to give to client.Dial.
	FrontendAddress string
	// UIURL is the Temporal UI's address, or "" when disabled.
	UIURL string
	// Namespace is the namespace created for Junction.
	Namespace string
}

// Start starts the server and returns once its frontend accepts
// connections. Stop must be called to release the ports and the database.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DBFile == "" && cfg.Postgres == nil {
		return nil, errors.New("devserver: DBFile or Postgres is required")
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "default"
	}
	if cfg.Retention == 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if err := cfg.Cluster.validate(cfg); err != nil {
		return nil, err
	}

	const ip = "127.0.0.1"
	addr := func(p int) string { return net.JoinHostPort(ip, strconv.Itoa(p)) }
	frontendPort, err := portOf(cfg.FrontendAddress)
	if err != nil {
		return nil, fmt.Errorf("frontend address: %w", err)
	}
	ports := map[string]int{"frontend": frontendPort}
	names := []string{"frontend", "history", "matching", "worker", "http"}
	if cfg.Cluster != nil {
		for _, name := range membershipServices {
			names = append(names, name+"-membership")
		}
	}
	for _, name := range names {
		if ports[name] != 0 {
			continue
		}
		if ports[name], err = freePort(ip); err != nil {
			return nil, err
		}
	}
	clusterAddress := addr(ports["frontend"])
	if cfg.Cluster != nil {
		clusterAddress = cfg.Cluster.Address
	}

	var sqlConf *config.SQL
	var stores map[string]config.DataStore
	var defaultStore, visibilityStore string
	var shards int32
	if pg := cfg.Postgres; pg != nil {
		p := pg.withDefaults()
		storeConf, visibilityConf, err := p.setup()
		if err != nil {
			return nil, err
		}
		sqlConf = storeConf // namespaces are created there
		stores = map[string]config.DataStore{"postgres": {SQL: storeConf}, "postgres-visibility": {SQL: visibilityConf}}
		defaultStore, visibilityStore, shards = "postgres", "postgres-visibility", p.HistoryShards
	} else {
		if err := os.MkdirAll(filepath.Dir(cfg.DBFile), 0o755); err != nil {
			return nil, fmt.Errorf("creating data directory: %w", err)
		}
		layout, err := loadOrCreateLayout(cfg.DBFile, cfg.SQLite)
		if err != nil {
			return nil, err
		}
		sqliteConf := func(file string) *config.SQL {
			return &config.SQL{
				PluginName:        sqliteplugin.PluginName,
				DatabaseName:      file,
				ConnectAttributes: connectAttributes(),
				MaxConns:          4,
				MaxIdleConns:      4,
			}
		}
		sqlConf = sqliteConf(cfg.DBFile)
		stores = map[string]config.DataStore{"sqlite": {SQL: sqlConf}}
		defaultStore, visibilityStore, shards = "sqlite", "sqlite", layout.HistoryShards
		var visibilityConf *config.SQL
		files := []*config.SQL{sqlConf}
		if layout.VisibilityFile != "" {
			visibilityConf = sqliteConf(filepath.Join(filepath.Dir(cfg.DBFile), layout.VisibilityFile))
			stores["sqlite-visibility"] = config.DataStore{SQL: visibilityConf}
			visibilityStore = "sqlite-visibility"
			files = append(files, visibilityConf)
		}
		for _, f := range files {
			if _, err := os.Stat(f.DatabaseName); !errors.Is(err, os.ErrNotExist) {
				continue
			}
			// The schema holds both the execution and the visibility
			// tables; a separate visibility file uses only the latter.
			if err := sqliteschema.SetupSchema(f); err != nil {
				return nil, fmt.Errorf("creating Temporal schema in %s: %w", f.DatabaseName, err)
			}
			if f == visibilityConf && !cfg.SQLite.AllVisibilityIndexes {
				if err := trimVisibilityIndexes(f); err != nil {
					return nil, err
				}
			}
		}
	}
	nsConf, err := sqliteschema.NewNamespaceConfig("active", cfg.Namespace, false, cfg.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("preparing namespace %q: %w", cfg.Namespace, err)
	}
	nsConf.Detail.Config.Retention = durationpb.New(cfg.Retention)
	// A no-op when the namespace exists: search attributes added later are
	// registered by the caller through the operator service.
	if err := sqliteschema.CreateNamespaces(sqlConf, nsConf); err != nil {
		return nil, fmt.Errorf("creating namespace %q: %w", cfg.Namespace, err)
	}

	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = ip
	conf.Persistence.DefaultStore = defaultStore
	conf.Persistence.VisibilityStore = visibilityStore
	conf.Persistence.NumHistoryShards = shards
	conf.Persistence.DataStores = stores
	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        "active",
		CurrentClusterName:       "active",
		ClusterInformation: map[string]cluster.ClusterInformation{
			"active": {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             clusterAddress,
				HTTPAddress:            addr(ports["http"]),
				// A fixed UUID: the server insists on one and warns otherwise.
				ClusterID: "5c2f3c2e-2b7c-4f7e-9a57-6a756e637469",
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = map[string]config.Service{}
	for _, name := range []string{"frontend", "history", "matching", "worker"} {
		var s config.Service
		s.RPC.GRPCPort = ports[name]
		s.RPC.BindOnIP = ip
		if name == "frontend" {
			s.RPC.HTTPPort = ports["http"]
		}
		s.RPC.MembershipPort = ports[name+"-membership"] // 0 for a lone server

		conf.Services[name] = s
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = addr(ports["frontend"])

	host := func(p int) static.Hosts { return static.SingleLocalHost(addr(p)) }
	dc := newDynamicConfigClient(dynamicConfig(cfg), nil)
	srv, err := temporal.NewServer(append([]temporal.ServerOption{
		temporal.WithConfig(&conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(tlog.NewZapLogger(cfg.Logger)),
		temporal.WithDynamicConfigClient(dc),
		temporal.WithChainedFrontendGrpcInterceptors(dc.interceptor),
	}, membershipOption(cfg.Cluster, map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: host(ports["frontend"]),
		primitives.HistoryService:  host(ports["history"]),
		primitives.MatchingService: host(ports["matching"]),
		primitives.WorkerService:   host(ports["worker"]),
	})...)...)
	if err != nil {
		return nil, fmt.Errorf("configuring Temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("starting Temporal server: %w", err)
	}
	s := &Server{temporal: srv, FrontendAddress: addr(ports["frontend"]), Namespace: cfg.Namespace}
	if err := waitForPort(ctx, s.FrontendAddress); err != nil {
		s.Stop()
		return nil, err
	}

	if cfg.UIAddress != "" {
		if err := s.startUI(ctx, cfg.UIAddress, cfg.Namespace, cfg.CodecEndpoint); err != nil {
			s.Stop()
			return nil, err
		}
	}
	return s, nil
}

// dynamicConfig is the embedded server's dynamic configuration.
func dynamicConfig(cfg Config) dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{
		// What `temporal server start-dev` sets: no artificial caps on
		// a single-node server. Its search attributes usable as soon as
		// they are added are dynamicConfigClient's
		// (search_attribute_cache.go).
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 8096,
		dynamicconfig.FrontendPersistenceMaxQPS.Key():                    10000,
		dynamicconfig.HistoryPersistenceMaxQPS.Key():                     45000,
		// One partition per task queue. Partitions spread a queue
		// over matching hosts; with one host they only split the
		// backlog: 20,000 runs started faster than the worker took
		// them left half their first tasks in two child partitions
		// that a worker's two pollers drained at a few per second
		// (docs/benchmarks.md, parked runs).
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
		// Worker versioning (worker/versioning.go, `junction worker
		// --deployment-name --build-id`): Worker Deployments, on by
		// default in 1.32, said here so that they stay on whatever a
		// later server's defaults are.
		dynamicconfig.EnableDeploymentVersions.Key():                   true,
		dynamicconfig.FrontendEnableWorkerVersioningWorkflowAPIs.Key(): true,
	}
	if cfg.SuggestContinueAsNewAfter > 0 {
		dc[dynamicconfig.HistoryCountSuggestContinueAsNew.Key()] = cfg.SuggestContinueAsNewAfter
	}
	return dc
}

func (s *Server) startUI(ctx context.Context, address, namespace, codecEndpoint string) error {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("UI address %q: %w", address, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("UI address %q: bad port", address)
	}
	// Fail clearly now rather than from inside the UI's goroutine.
	ln, err := net.Listen("tcp", address)
	if err != nil {
		return fmt.Errorf("the Temporal UI cannot listen on %s: %w", address, err)
	}
	_ = ln.Close()

	s.ui = uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: s.FrontendAddress,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		CORS:                uiconfig.CORS{CookieInsecure: true},
		HideLogs:            true,
		DisableNewsFetch:    true,
		Codec:               uiconfig.Codec{Endpoint: codecEndpoint, IncludeCredentials: codecEndpoint != ""},
	}))
	s.uiDone = make(chan error, 1)
	go func() { s.uiDone <- s.ui.Start() }()
	s.UIURL = "http://" + address
	deadline, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for {
		resp, err := http.Get(s.UIURL + "/")
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		select {
		case err := <-s.uiDone:
			return fmt.Errorf("the Temporal UI stopped: %w", err)
		case <-deadline.Done():
			return fmt.Errorf("the Temporal UI is not ready on %s: %w", s.UIURL, deadline.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop shuts the UI and the server down and waits for them.
func (s *Server) Stop() {
	if s.ui != nil {
		s.ui.Stop()
	}
	if s.temporal != nil {
		_ = s.temporal.Stop()
	}
}

func portOf(address string) (int, error) {
	if address == "" {
		return 0, nil
	}
	_, p, err := net.SplitHostPort(address)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(p)
}

// freePort finds a port for one of the server's services. The server binds
// it later and, if someone took it meanwhile, exits the process (Temporal
// treats a failed listen as fatal), so ports come from a range outside the
// kernel's ephemeral range (32768-60999 on Linux): programs that listen on
// port 0, or dial out, never take them in between. Within it, each process
// takes the ports of its own block of 100 (by its pid) in turn: two
// processes starting servers at once (test packages run in parallel) meet
// only when their pids share a block, and one process never hands the same
// port to two services, or to two servers, until it has used the other 99.
func freePort(ip string) (int, error) {
	block := 20000 + (os.Getpid()%100)*100
	for range 100 {
		p := block + int(nextPort.Add(1)%100)
		if portFree(ip, p) {
			return p, nil
		}
	}
	for range 100 {
		if p := 20000 + rand.IntN(10000); portFree(ip, p) {
			return p, nil
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// nextPort is the process's turn in its block of ports; it starts at a
// random place, so that a restarted process does not reuse ports its
// predecessor's server may still hold.
var nextPort = func() *atomic.Int64 {
	var n atomic.Int64
	n.Store(int64(rand.IntN(100)))
	return &n
}()

func portFree(ip string, p int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
	if err != nil {
		return false
	}
	_ = ln.Close()
	return true
}

func waitForPort(ctx context.Context, address string) error {
	deadline, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		conn, err := net.DialTimeout("tcp", address, time.Second)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-deadline.Done():
			return fmt.Errorf("the Temporal frontend is not reachable on %s: %w", address, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
