#!/bin/sh
# approle-init.sh sets a Vault up for Junction with AppRole: the KV version 2 engine at secret/,
# the policies junction-worker.hcl and junction-gateway.hcl, one AppRole role bound to each (role
# ids junction-worker and junction-gateway), a payload keyring at secret/junction/payload-keys
# (made once), and a secret id per role in DIR/worker-secret-id and DIR/gateway-secret-id, which
# the worker and the gateway read (--vault-secret-id-file). docker-compose.yml runs it as its
# vault-init step; deploy/vault_test.go runs it against a real Vault.
#
#   VAULT_ADDR=... VAULT_TOKEN=<a token that may manage policies and auth> \
#     deploy/vault/approle-init.sh DIR
#
# Environment:
#   VAULT_ADDR, VAULT_TOKEN   the Vault and an administrator's token (read by the vault CLI)
#   SECRET_ID_OWNER           chown the secret id files to this uid:gid (the containers' user)
#
# It can run again: what exists is kept, and new secret ids replace the files'.
set -eu

dir=${1:?usage: approle-init.sh DIR}
here=$(dirname "$0")

if ! vault secrets list | grep -q '^secret/'; then
	vault secrets enable -path=secret -version=2 kv
fi
if ! vault auth list | grep -q '^approle/'; then
	vault auth enable approle
fi
if ! vault kv get -mount=secret junction/payload-keys >/dev/null 2>&1; then
	key=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
	vault kv put -mount=secret junction/payload-keys keys="k1:$key" >/dev/null
fi

umask 077
for process in worker gateway; do
	vault policy write "junction-$process" "$here/junction-$process.hcl"
	# Tokens live an hour and are renewed up to a day; then the process logs in again.
	vault write "auth/approle/role/junction-$process" token_policies="junction-$process" token_ttl=1h token_max_ttl=24h
	vault write "auth/approle/role/junction-$process/role-id" role_id="junction-$process"
	out=$dir/$process-secret-id
	vault write -f -field=secret_id "auth/approle/role/junction-$process/secret-id" >"$out.tmp"
	if [ -n "${SECRET_ID_OWNER:-}" ]; then
		chown "$SECRET_ID_OWNER" "$out.tmp"
	fi
	mv -f "$out.tmp" "$out"
done
echo "approle-init: AppRole roles junction-worker and junction-gateway, secret ids in $dir"
