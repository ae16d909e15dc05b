# The gateway's Vault policy: exactly what `junction gateway` does in Vault's KV version 2 engine
# (mount "secret", --vault-kv-mount; prefix "junction", credentials.DefaultPrefix). docs/api.md
# ("Secrets in Vault") says which call needs what; deploy/vault_test.go runs the gateway's secret
# operations with this policy alone and checks what it refuses.
#
#   vault policy write junction-gateway deploy/vault/junction-gateway.hcl
#
# Tenants' secrets as the API is given them: connections' fields, apps' secret environment
# variables, subscriptions' secrets. Created new (create), changed as a check-and-set patch of the
# version just read (patch), and read for one field, a webhook's verification secret (read).
path "secret/data/junction/accounts/*" {
  capabilities = ["create", "read", "patch"]
}

# The version a patch starts from, and deleting every version when the thing goes.
path "secret/metadata/junction/accounts/*" {
  capabilities = ["read", "delete"]
}

# The payload keyring (--payload-keys-vault-path junction/payload-keys), read once at start.
path "secret/data/junction/payload-keys" {
  capabilities = ["read"]
}
