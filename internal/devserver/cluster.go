package devserver

import (
	"errors"

	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
)

// Cluster makes the server one node of a Temporal cluster: its services
// find the other nodes' through the database they share (Temporal's
// ringpop membership, over the cluster_membership table of PostgreSQL)
// instead of knowing only their own, as a lone server's do. Every node runs
// all four services; history shards and task queue partitions are spread
// over the nodes' history and matching services, and move to the others
// when a node dies. `make cluster` runs two such nodes on one machine.
//
// The nodes of one cluster share Postgres (the same databases, and the
// same HistoryShards, fixed when the databases are created), and the
// first must have started (created the schema) before the others start.
type Cluster struct {
	// Address is where clients reach the cluster's frontends, a load
	// balancer in front of every node's frontend. Every node records it
	// as the cluster's address in the cluster metadata, where they must
	// agree.
	Address string
}

func (c *Cluster) validate(cfg Config) error {
	if c == nil {
		return nil
	}
	if cfg.Postgres == nil {
		return errors.New("devserver: a cluster node needs Postgres: the nodes find each other in the database they share")
	}
	if c.Address == "" {
		return errors.New("devserver: Cluster.Address is required: where clients reach the cluster's frontends")
	}
	return nil
}

// membershipOption is how the server's services find each other: a lone
// server's static hosts (its own services, on the ports it picked), or, for
// a cluster node, nothing: without static hosts the server uses ringpop,
// gossiping on each service's membership port.
func membershipOption(cluster *Cluster, hosts map[primitives.ServiceName]static.Hosts) []temporal.ServerOption {
	if cluster != nil {
		return nil
	}
	return []temporal.ServerOption{temporal.WithStaticHosts(hosts)}
}

// membershipServices are the services that need a gossip port of their
// own in a cluster node.
var membershipServices = []string{"frontend", "history", "matching", "worker"}
