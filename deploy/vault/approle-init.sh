#!/bin/sh
# approle-init.sh sets a Vault up for Junction with AppRole: the KV version 2 engine at secret/,
# the policy in junction.hcl, an AppRole role "junction" bound to it with the role id "junction",
# a payload keyring at secret/junction/payload-keys (made once), and a secret id written to a
# file that the worker and the gateway read (--vault-secret-id-file). docker-compose.yml runs it
# as its vault-init step; deploy/vault_test.go runs it against a real Vault.
#
#   VAULT_ADDR=... VAULT_TOKEN=<a token that may manage policies and auth> \
#     deploy/vault/approle-init.sh /path/to/secret-id
#
# Environment:
#   VAULT_ADDR, VAULT_TOKEN   the Vault and an administrator's token (read by the vault CLI)
#   JUNCTION_POLICY           the policy file (default: junction.hcl beside this script)
#   SECRET_ID_OWNER           chown the secret id file to this uid:gid (the container's user)
#
# It can run again: what exists is kept, and a new secret id replaces the file's.
set -eu

out=${1:?usage: approle-init.sh SECRET_ID_FILE}
policy=${JUNCTION_POLICY:-$(dirname "$0")/junction.hcl}

if ! vault secrets list | grep -q '^secret/'; then
	vault secrets enable -path=secret -version=2 kv
fi
vault policy write junction "$policy"
if ! vault auth list | grep -q '^approle/'; then
	vault auth enable approle
fi
# Tokens live an hour and are renewed up to a day; then Junction logs in again with the secret id.
vault write auth/approle/role/junction token_policies=junction token_ttl=1h token_max_ttl=24h
vault write auth/approle/role/junction/role-id role_id=junction

if ! vault kv get -mount=secret junction/payload-keys >/dev/null 2>&1; then
	key=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
	vault kv put -mount=secret junction/payload-keys keys="k1:$key" >/dev/null
fi

umask 077
vault write -f -field=secret_id auth/approle/role/junction/secret-id >"$out.tmp"
if [ -n "${SECRET_ID_OWNER:-}" ]; then
	chown "$SECRET_ID_OWNER" "$out.tmp"
fi
mv -f "$out.tmp" "$out"
echo "approle-init: policy junction, AppRole role junction (role id junction), secret id in $out"
