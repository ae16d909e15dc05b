# Junction's Vault policy: exactly the paths the worker and the gateway use, in the KV version 2
# engine mounted at "secret" (--vault-kv-mount) under Junction's prefix "junction"
# (credentials.DefaultPrefix). A test (deploy/vault_test.go) runs Junction's secret operations
# through a token that has only this policy, and checks what it refuses.
#
#   vault policy write junction deploy/vault/junction.hcl
#
# Tenants' secrets: connections' fields and OAuth2 tokens, apps' secret environment variables,
# subscriptions' signing secrets. Written with check-and-set (create, update) and merged (patch).
path "secret/data/junction/accounts/*" {
  capabilities = ["create", "read", "update", "patch"]
}

# Their metadata: the current version a check-and-set starts from, and deleting every version
# when a connection, an app's variables or a subscription goes.
path "secret/metadata/junction/accounts/*" {
  capabilities = ["read", "delete"]
}

# The payload keyring (--payload-keys-vault-path junction/payload-keys): read only; operators
# write it (docs: key rotation).
path "secret/data/junction/payload-keys" {
  capabilities = ["read"]
}
