// Package runs is the Temporal contract between Junction's processes: the
// task queue; every workflow, activity, signal, update and query name; the
// inputs and outputs each carries; the search attributes, memo fields and
// workflow ids runs are found by; how a run is started; a safe builder for
// visibility queries; and the error types that retry policies and support
// staff read in histories.
//
// It does no I/O and imports nothing of Junction's but package definition,
// so the deterministic workflows, the activities that do the I/O, intake
// that starts runs, and the gateway and CLI that read them all agree on one
// declaration. Everything here is part of recorded histories: a name or a
// JSON field never changes once released.
package runs
