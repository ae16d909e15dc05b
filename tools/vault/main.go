//go:build tools

// Package main pins HashiCorp Vault's server for Junction's development and
// tests; it is never compiled. The `tool github.com/hashicorp/vault` line in
// go.mod is what records the dependency; this blank import says the same to
// readers and to tooling that predates tool directives, and the build
// constraint keeps it out of every build (a main package cannot be imported
// for real). Build the server with scripts/vault.sh, which runs
//
//	go build -tags minimal -o <bin> github.com/hashicorp/vault
//
// in this directory. See README.md for why Vault lives in its own module.
package main

import _ "github.com/hashicorp/vault"
