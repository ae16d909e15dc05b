// Package connectors will hold the connector contract: how a third-party
// system declares its auth kinds, triggers and actions in one spec that is at
// once its manifest, its documentation and its validation, and the registry
// that turns each action into a Temporal activity named <connector>.<action>.
//
// Not built yet: today the only way to call the outside world is the
// HttpRequest step (see package activities). The connectors issue fills this
// package in.
package connectors
