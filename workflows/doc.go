// Package workflows holds Junction's deterministic Temporal workflow code.
// RunDefinition is the interpreter: one run of one definition version,
// walking its steps and calling third parties only through activities.
//
// Everything here is replayed: no clocks but workflow.Now, no map iteration
// that emits commands, no I/O. Any change to the commands a run emits must be
// guarded with workflow.GetVersion, and the replay test over
// testdata/histories keeps that promise honest.
package workflows
