# The worker's Vault policy: exactly what `junction worker` does in Vault's KV version 2 engine
# (mount "secret", --vault-kv-mount; prefix "junction", credentials.DefaultPrefix). docs/api.md
# ("Secrets in Vault") says which call needs what; deploy/vault_test.go runs the worker's secret
# operations with this policy alone and checks what it refuses.
#
#   vault policy write junction-worker deploy/vault/junction-worker.hcl
#
# Activities read what a call needs: connections' fields, apps' secret environment variables,
# subscriptions' secrets.
path "secret/data/junction/accounts/*" {
  capabilities = ["read"]
}

# OAuth2 tokens are the one thing the worker writes: oauth2.authorize stores a new one over the
# current version (check-and-set), the connection's refresher replaces the version it read.
path "secret/data/junction/accounts/+/connections/+/oauth2-token" {
  capabilities = ["read", "create", "update"]
}
path "secret/metadata/junction/accounts/+/connections/+/oauth2-token" {
  capabilities = ["read"]
}

# The payload keyring (--payload-keys-vault-path junction/payload-keys), read once at start.
path "secret/data/junction/payload-keys" {
  capabilities = ["read"]
}
