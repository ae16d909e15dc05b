package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/api/adminservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// ClusterView is what a Temporal cluster says of itself through its admin
// API: how many hosts each service's membership ring has, and which history
// host owns each shard. It is how the cluster scenario knows two servers
// formed one cluster, and that the survivor took every shard.
type ClusterView struct {
	// Rings is each service's number of hosts: frontend, history,
	// matching, worker.
	Rings map[string]int `json:"rings"`
	// ShardsByHost counts the shards each history host owns.
	ShardsByHost map[string]int `json:"shardsByHost"`
}

// clusterServices are the rings a node of the cluster joins.
var clusterServices = []string{"frontend", "history", "matching", "worker"}

// describeCluster asks the cluster at addr (any frontend) for its view.
func describeCluster(ctx context.Context, addr string, shards int) (ClusterView, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return ClusterView{}, err
	}
	defer conn.Close()
	admin := adminservice.NewAdminServiceClient(conn)
	d, err := admin.DescribeCluster(ctx, &adminservice.DescribeClusterRequest{})
	if err != nil {
		return ClusterView{}, fmt.Errorf("describing the cluster: %w", err)
	}
	v := ClusterView{Rings: map[string]int{}, ShardsByHost: map[string]int{}}
	for _, r := range d.GetMembershipInfo().GetRings() {
		v.Rings[r.GetRole()] = int(r.GetMemberCount())
	}
	for id := 1; id <= shards; id++ {
		h, err := admin.DescribeHistoryHost(ctx, &adminservice.DescribeHistoryHostRequest{ShardId: int32(id)})
		if err != nil {
			return v, fmt.Errorf("asking who owns shard %d: %w", id, err)
		}
		v.ShardsByHost[h.GetAddress()]++
	}
	return v, nil
}

// hasHosts says whether every service's ring has n hosts.
func (v ClusterView) hasHosts(n int) bool {
	for _, s := range clusterServices {
		if v.Rings[s] != n {
			return false
		}
	}
	return true
}

// waitForHosts waits until the cluster at addr has n hosts of every
// service (or ctx ends), and returns its last view. Where the shards go is
// the membership ring's hashing of the hosts' addresses: with few shards
// one host may own them all, so it is reported, not waited for.
func waitForHosts(ctx context.Context, addr string, shards, n int) (ClusterView, error) {
	for {
		v, err := describeCluster(ctx, addr, shards)
		if err == nil && v.hasHosts(n) {
			return v, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("the cluster has %s", v)
			}
			return v, fmt.Errorf("waiting for %d hosts of every service: %w", n, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// String prints the view in one line: "rings frontend 2, history 2, ...;
// shards 127.0.0.1:20213 1, 127.0.0.1:24404 3".
func (v ClusterView) String() string {
	rings := make([]string, 0, len(clusterServices))
	for _, s := range clusterServices {
		rings = append(rings, s+" "+strconv.Itoa(v.Rings[s]))
	}
	return "rings " + strings.Join(rings, ", ") + "; shards by history host" + formatCounts(v.ShardsByHost)
}

// runsByWorker reads, for up to sample runs that started before until,
// which worker completed their first workflow task, by the pid in its
// identity (junction-worker@host/pid), named by names.
func runsByWorker(ctx context.Context, tc client.Client, until time.Time, sample int, names map[int]string) (map[string]int, error) {
	resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: "default",
		PageSize:  int32(sample),
		Query:     fmt.Sprintf(`WorkflowType = "RunDefinition" AND StartTime < "%s"`, until.UTC().Format(time.RFC3339Nano)),
	})
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	out := map[string]int{}
	for _, e := range resp.GetExecutions() {
		iter := tc.GetWorkflowHistory(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				return out, fmt.Errorf("reading a run's history: %w", err)
			}
			if a := ev.GetWorkflowTaskCompletedEventAttributes(); a != nil {
				out[workerName(a.GetIdentity(), names)]++
				break
			}
		}
	}
	return out, nil
}

// workerName is the name of the worker whose pid ends identity, or the
// identity itself.
func workerName(identity string, names map[int]string) string {
	if i := strings.LastIndexByte(identity, '/'); i >= 0 {
		if pid, err := strconv.Atoi(identity[i+1:]); err == nil {
			if name, ok := names[pid]; ok {
				return name
			}
		}
	}
	return identity
}
