package devserver

import (
	"context"
	"sync/atomic"
	"time"

	"go.temporal.io/server/common/dynamicconfig"
	"google.golang.org/grpc"
)

// Search attribute caches. `temporal server start-dev` sets
// ForceSearchAttributesCacheRefreshOnRead, so that a search attribute is
// usable the instant it is added. It makes every read of the search
// attributes (each start that carries some, each visibility write) read
// the cluster metadata and the namespace from the store, the namespace
// under one process-wide lock: a third of a millisecond of CPU per run on
// SQLite, more with search attributes than without (docs/benchmarks.md,
// "Junction's own cost"). The embedded server refreshes on read only
// while a change may not have reached its caches: for
// searchAttributeSettle after any change to search attributes or
// namespaces made through its API. Search attributes a namespace is
// created with (Config.SearchAttributes) are in the store before the
// server starts, so a new data directory never needs the refresh.

// searchAttributeSettle is how long after a change reads refresh. With
// SQL visibility, a search attribute is an alias in the namespace's
// record, which every service's namespace registry reloads each
// system.namespaceCacheRefreshInterval (2 s); the cluster metadata's
// search attributes (cached 60 s) are the preallocated columns, which
// adding one does not change. 15 s covers a few reloads on a busy host.
const searchAttributeSettle = 15 * time.Second

// searchAttributeChanges are the API methods after which reads refresh.
var searchAttributeChanges = map[string]bool{
	"/temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes":    true,
	"/temporal.api.operatorservice.v1.OperatorService/RemoveSearchAttributes": true,
	"/temporal.api.workflowservice.v1.WorkflowService/UpdateNamespace":        true,
	"/temporal.api.workflowservice.v1.WorkflowService/RegisterNamespace":      true,
}

// dynamicConfigClient is the server's static dynamic configuration, with
// ForceSearchAttributesCacheRefreshOnRead on only while a change settles.
// The server reads the setting on every use, so it follows at once.
//
// Each answer is the same slice every time: the server caches a setting's
// converted value by the address of the answer's element (GetValue's
// contract), which dynamicconfig.StaticClient, answering a new slice each
// time, defeats for plain values.
type dynamicConfigClient struct {
	values map[dynamicconfig.Key][]dynamicconfig.ConstrainedValue
	now    func() time.Time
	// refreshUntil is when reads stop refreshing, in Unix nanoseconds.
	refreshUntil atomic.Int64
}

func newDynamicConfigClient(static dynamicconfig.StaticClient, now func() time.Time) *dynamicConfigClient {
	if now == nil {
		now = time.Now
	}
	values := make(map[dynamicconfig.Key][]dynamicconfig.ConstrainedValue, len(static))
	for key := range static {
		values[key] = static.GetValue(key)
	}
	return &dynamicConfigClient{values: values, now: now}
}

// The two answers of ForceSearchAttributesCacheRefreshOnRead.
var (
	refreshOnRead   = []dynamicconfig.ConstrainedValue{{Value: true}}
	noRefreshOnRead = []dynamicconfig.ConstrainedValue{{Value: false}}
)

// GetValue implements dynamicconfig.Client.
func (c *dynamicConfigClient) GetValue(key dynamicconfig.Key) []dynamicconfig.ConstrainedValue {
	if key == dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key() {
		if c.refreshing() {
			return refreshOnRead
		}
		return noRefreshOnRead
	}
	return c.values[key]
}

// refreshing reports whether a change is settling.
func (c *dynamicConfigClient) refreshing() bool {
	return c.now().UnixNano() < c.refreshUntil.Load()
}

// changed makes reads refresh for searchAttributeSettle from now.
func (c *dynamicConfigClient) changed() {
	until := c.now().Add(searchAttributeSettle).UnixNano()
	for {
		old := c.refreshUntil.Load()
		if old >= until || c.refreshUntil.CompareAndSwap(old, until) {
			return
		}
	}
}

// interceptor marks the changes made through the frontend: before the
// call, so that reads refresh while it runs, and again once it is done,
// so that the window starts when the store holds the change.
func (c *dynamicConfigClient) interceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if !searchAttributeChanges[info.FullMethod] {
		return handler(ctx, req)
	}
	c.changed()
	defer c.changed()
	return handler(ctx, req)
}
