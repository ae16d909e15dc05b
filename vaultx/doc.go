// Package vaultx will be the thin, typed wrapper over HashiCorp Vault's API
// client that every credential read goes through: KV v2 reads and
// check-and-set writes, token and AppRole login with renewal, and typed
// errors, with no Vault type leaking out.
//
// Not built yet: no credential is stored anywhere today. The Vault issue
// fills this package in.
package vaultx
