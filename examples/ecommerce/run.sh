#!/usr/bin/env bash
# The five workflows of the e-commerce example, end to end, on this machine
# and without any account: Junction (`junction dev`) runs them, and
# `junction fakes` stands in for Shopify, Eshopbox and Delhivery.
#
#   1. Shopify order             → Eshopbox order
#   2. Eshopbox shipment packed  → Shopify order tagged "Ready to ship"
#   3. Delhivery delivered       → Eshopbox shipment delivered
#   4. Eshopbox delivered        → Shopify order tagged "Delivered"
#   5. Eshopbox stock change     → Shopify inventory level (the SKU looked up first)
#
# It starts `junction fakes` and `junction dev` (on a fresh data directory)
# unless they already answer, stores the apps, makes the connections and the
# definitions, registers the webhooks with the fakes, raises each trigger,
# checks each outcome in the fakes, then tracks a shipment through the
# Shiprocket app (session login) and waits for the polling variant of
# workflow 3 (examples/ecommerce/polling-delhivery-delivered-to-eshopbox.json,
# up to three minutes: its schedule ticks every minute), stops what it
# started and ends with "ecommerce: 5/5 workflows done". Everything listens
# on 127.0.0.1.
#
# Needs: bash, curl, and either Go (the junction binary is built from this
# repository) or JUNCTION=/path/to/junction (a dev build: make build); Vault for the connections'
# secrets (`make vault`, or JUNCTION_VAULT_BIN). Ports: junction dev's
# defaults (JUNCTION_HTTP_ADDRESS, JUNCTION_TEMPORAL_ADDRESS,
# JUNCTION_UI_ADDRESS, JUNCTION_VAULT_LISTEN change them) and 9101-9104 for
# the fakes (JUNCTION_FAKES_<NAME>_ADDRESS). KEEP_RUNNING=1 leaves what it
# started running, to look at the runs in the Temporal UI.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# From the repository's root, junction dev finds the Vault `make vault`
# builds, and a running junction dev's key in .junction/dev-api-key.
cd "$repo"
work=$(mktemp -d "${TMPDIR:-/tmp}/junction-ecommerce.XXXXXX")
started=()
definitions=()
reused_dev=
done_count=0
status=1

say() { printf '%s\n' "$*"; }

cleanup() {
	if [[ ${KEEP_RUNNING:-} == 1 ]]; then
		((${#started[@]} == 0)) || say "left running (KEEP_RUNNING=1): pids ${started[*]}; logs in $work"
		return
	fi
	# In a junction dev it did not start, the definitions it made go, so
	# that the next run does not run each workflow twice.
	if [[ -n $reused_dev ]]; then
		for id in ${definitions[@]+"${definitions[@]}"}; do
			curl -s -o /dev/null -X DELETE "$api/definitions/$id" -H "Authorization: Bearer $key" || true
		done
	fi
	for pid in ${started[@]+"${started[@]}"}; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in ${started[@]+"${started[@]}"}; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ $status == 0 ]]; then
		rm -rf "$work"
	else
		say "logs kept in $work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The junction binary: $JUNCTION, else built from this repository, else
# the one on PATH.
if [[ -n ${JUNCTION:-} ]]; then
	junction=$JUNCTION
elif command -v go >/dev/null 2>&1; then
	say "building junction from $repo (the first build takes minutes; later ones seconds)"
	(cd "$repo" && go build -tags dev -o "$work/junction" ./cmd/junction)
	junction=$work/junction
elif command -v junction >/dev/null 2>&1; then
	junction=$(command -v junction)
else
	say "ecommerce: no junction binary: install Go, or set JUNCTION=/path/to/junction"
	exit 1
fi

shopify=http://${JUNCTION_FAKES_SHOPIFY_ADDRESS:-127.0.0.1:9101}
eshopbox=http://${JUNCTION_FAKES_ESHOPBOX_ADDRESS:-127.0.0.1:9102}
delhivery=http://${JUNCTION_FAKES_DELHIVERY_ADDRESS:-127.0.0.1:9103}
shiprocket=http://${JUNCTION_FAKES_SHIPROCKET_ADDRESS:-127.0.0.1:9104}
server=http://${JUNCTION_HTTP_ADDRESS:-127.0.0.1:8080}
account=${JUNCTION_ACCOUNT:-dev}

# wait_until SECONDS COMMAND...: run COMMAND until it succeeds, at most
# SECONDS long.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

alive() { kill -0 "$1" 2>/dev/null; }

# The fakes: reused when all four answer, started otherwise.
fakes_up() {
	local f
	for f in "$shopify" "$eshopbox" "$delhivery" "$shiprocket"; do
		curl -sf "$f/_fake/webhooks" >/dev/null || return 1
	done
}
if fakes_up; then
	say "junction fakes: already running, reused"
else
	"$junction" fakes >"$work/fakes.log" 2>&1 &
	started+=("$!")
	if ! wait_until 30 fakes_up; then
		say "ecommerce: junction fakes did not start:"
		tail -20 "$work/fakes.log"
		exit 1
	fi
	say "junction fakes: started (log $work/fakes.log)"
fi

# junction dev: reused when it answers (it must have been started with the
# --redirect-host flags `junction fakes` prints), started otherwise.
if curl -sf "$server/healthz" >/dev/null 2>&1; then
	say "junction dev: already running at $server, reused"
	reused_dev=1
	key=${JUNCTION_API_KEY:-$(cat .junction/dev-api-key 2>/dev/null || true)}
	if [[ -z $key ]]; then
		say "ecommerce: set JUNCTION_API_KEY to an admin key of account $account (junction dev writes it to <data-dir>/dev-api-key)"
		exit 1
	fi
else
	redirects=(
		--redirect-host "myshopify.com=$shopify"
		--redirect-host "eshopbox.com=$eshopbox"
		--redirect-host "myeshopbox.com=$eshopbox"
		--redirect-host "delhivery.com=$delhivery"
		--redirect-host "shiprocket.in=$shiprocket"
	)
	"$junction" dev --data-dir "$work/data" "${redirects[@]}" >"$work/dev.log" 2>&1 &
	dev_pid=$!
	started+=("$dev_pid")
	dev_up() { alive "$dev_pid" && curl -sf "$server/healthz" && [[ -s $work/data/dev-api-key ]]; }
	if ! wait_until 300 dev_up; then
		say "ecommerce: junction dev did not start:"
		tail -30 "$work/dev.log"
		exit 1
	fi
	key=$(cat "$work/data/dev-api-key")
	account=dev
	say "junction dev: started on a fresh data directory (log $work/dev.log)"
fi
export JUNCTION_SERVER=$server JUNCTION_API_KEY=$key JUNCTION_ACCOUNT=$account
api=$server/api/v1/accounts/$account
hooks=$server/hooks/$account

# json_value KEY: the first string or number value of KEY in the JSON on
# standard input.
json_value() { grep -oE "\"$1\":\"?[^\",}]*" | head -1 | sed -E "s/^\"$1\":\"?//"; }

secret() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

# The apps, the connections and the webhooks.
for app in eshopbox delhivery shiprocket; do
	"$junction" apps push "$repo/examples/apps/$app/app.json" | sed 's/^/  /'
done

connect() {
	local answer
	answer=$(curl -s -w '\n%{http_code}' -X POST "$api/connections" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$1")
	if [[ ${answer##*$'\n'} != 201 ]]; then
		say "ecommerce: creating a connection failed: ${answer%$'\n'*}" >&2
		[[ ${answer##*$'\n'} == 503 ]] && say "(junction dev runs without Vault: make vault, or set JUNCTION_VAULT_BIN)" >&2
		return 1
	fi
	printf '%s' "${answer%$'\n'*}" | json_value id
}
shop_secret=$(secret)
eshopbox_secret=$(secret)
delhivery_secret=$(secret)
shop=$(connect '{"app": "shopify", "name": "Northwind (fake)", "authKind": "api_key",
	"fields": {"key": "shpat_test_0123456789abcdef", "webhook_secret": "'"$shop_secret"'"}, "properties": {"shop": "northwind.myshopify.com"}}')
esb=$(connect '{"app": "eshopbox", "name": "Northwind warehouse (fake)", "authKind": "bearer",
	"fields": {"token": "eshopbox-fake-access-token", "webhook_secret": "'"$eshopbox_secret"'"}, "properties": {"external_channel_id": "NORTHWIND_SHOPIFY"}}')
dlv=$(connect '{"app": "delhivery", "name": "Delhivery (fake)", "authKind": "api_key",
	"fields": {"key": "delhivery-fake-api-token", "webhook_secret": "'"$delhivery_secret"'"}}')
# Shiprocket's connection is its API user: Junction logs in with it.
sr=$(connect '{"app": "shiprocket", "name": "Shiprocket (fake)", "authKind": "session",
	"fields": {"username": "api-user@northwind.example", "password": "shiprocket-fake-password"}}')
say "  connections: shopify $shop, eshopbox $esb, delhivery $dlv, shiprocket $sr"

# post URL JSON [CURL ARGS...]: POST JSON, print the answer, fail on an error.
post() {
	curl -sS -f -X POST "$1" -H 'Content-Type: application/json' "${@:3}" -d "$2" ||
		{ say "ecommerce: POST $1 failed" >&2; return 1; }
}
post "$shopify/_fake/webhooks" '{"event": "orders/create", "url": "'"$hooks/$shop/orders_create"'", "secret": "'"$shop_secret"'"}' >/dev/null
for sub in shipment:packed:shipment_updated shipment:delivered:shipment_updated channel_inventory:updated:inventory_updated; do
	IFS=: read -r resource subtype trigger <<<"$sub"
	post "$eshopbox/api/v1/webhook" '{"resource": "'"$resource"'", "eventType": "PUT", "eventSubType": "'"$subtype"'", "version": "v1",
		"webhookUrl": "'"$hooks/$esb/$trigger"'", "webhookMethod": "POST", "webhookHeaders": {"x-api-key": "'"$eshopbox_secret"'"}}' \
		-H 'Authorization: Bearer eshopbox-fake-access-token' >/dev/null
done
post "$delhivery/_fake/webhooks" '{"event": "scan", "url": "'"$hooks/$dlv/scan_pushed"'", "headers": {"Authorization": "Bearer '"$delhivery_secret"'"}}' >/dev/null
say "  webhooks registered with the fakes"

for def in "$here"/[1-5]-*.json; do
	created=$(sed -e "s/\$SHOPIFY_CONNECTION/$shop/g" -e "s/\$ESHOPBOX_CONNECTION/$esb/g" -e "s/\$DELHIVERY_CONNECTION/$dlv/g" "$def" |
		"$junction" apply -f -)
	definitions+=("$(printf '%s' "$created" | grep -oE '[0-9a-f-]{36}')")
	say "  $(basename "$def"): $created"
done

# check N TEXT COMMAND...: wait for workflow N's outcome, or stop.
check() {
	local n=$1 text=$2
	shift 2
	if wait_until 60 "$@"; then
		done_count=$((done_count + 1))
		say "  ✓ $n. $text"
		return
	fi
	say "  ✗ $n. $text: not seen within 60 s"
	say "  the fakes' deliveries to Junction:"
	for f in "$shopify" "$eshopbox" "$delhivery"; do curl -s "$f/_fake/deliveries" | sed 's/^/    /'; done
	say "  the runs: $junction get definitions; $junction runs --definition <id>; $junction runs errors <run>"
	[[ -z $reused_dev ]] || say "  (junction dev was running already: was it started with the --redirect-host flags junction fakes prints?)"
	say "ecommerce: $done_count/5 workflows done"
	exit 1
}
has() { curl -sf "$1" | grep -q -- "$2"; }
lacks() { ! curl -sf "$1" | grep -q -- "$2"; }

say "running the workflows"
placed=$(post "$shopify/_fake/orders" '{"email": "priya@example.com", "phone": "+919876543210",
	"line_items": [{"sku": "IPOD2008PINK", "quantity": 2}],
	"shipping_address": {"first_name": "Priya", "last_name": "Sharma", "name": "Priya Sharma", "address1": "12 MG Road", "address2": null,
	  "city": "Bengaluru", "province": "Karnataka", "zip": "560001", "country": "India", "country_code": "IN", "phone": "+919876543210"}}')
order=$(printf '%s' "$placed" | grep -oE '"order":\{"id":[0-9]+' | grep -oE '[0-9]+$')
check 1 "Shopify order $order → Eshopbox order $order" has "$eshopbox/_fake/orders/$order" '"itemID":"IPOD2008PINK"'

packed=$(post "$eshopbox/_fake/orders/$order/pack" '{"courier": "Delhivery"}')
awb=$(printf '%s' "$packed" | json_value trackingID)
check 2 "Eshopbox packed (AWB $awb) → Shopify order tagged Ready to ship" has "$shopify/_fake/orders/$order" '"tags":"[^"]*Ready to ship'

# The polling variant of workflow 3, on the same package: a Delhivery
# connection that tracks its waybill, and the definition on the app's
# polling trigger, made before the package is delivered.
dlv_poll=$(connect '{"app": "delhivery", "name": "Delhivery tracking (fake)", "authKind": "api_key",
	"fields": {"key": "delhivery-fake-api-token"}, "properties": {"tracked_waybills": "'"$awb"'"}}')
created=$(sed -e "s/\$ESHOPBOX_CONNECTION/$esb/g" -e "s/\$DELHIVERY_CONNECTION/$dlv_poll/g" "$here/polling-delhivery-delivered-to-eshopbox.json" |
	"$junction" apply -f -)
poll_def=$(printf '%s' "$created" | grep -oE '[0-9a-f-]{36}')
definitions+=("$poll_def")

post "$delhivery/_fake/packages/$awb/scans" '{"status": "Delivered", "instructions": "Delivered to consignee"}' >/dev/null
check 3 "Delhivery delivered $awb → Eshopbox shipment delivered" has "$eshopbox/_fake/orders/$order" '"shipment":{"shipmentId":"[^"]*","status":"delivered"'

delivered_in_shopify() { has "$shopify/_fake/orders/$order" '"tags":"[^"]*Delivered' && lacks "$shopify/_fake/orders/$order" 'Ready to ship'; }
check 4 "Eshopbox delivered → Shopify order tagged Delivered" delivered_in_shopify

before=$(curl -sf "$shopify/_fake/variants/IPOD2008PINK" | json_value available)
quantity=$((before + 17))
post "$eshopbox/_fake/inventory" '{"sku": "IPOD2008PINK", "quantity": '"$quantity"'}' >/dev/null
check 5 "Eshopbox stock of IPOD2008PINK $quantity → Shopify available $before → $quantity" has "$shopify/_fake/variants/IPOD2008PINK" "\"available\":$quantity[,}]"

# Shiprocket, through its session login: Junction logs in as the API user
# and tracks the fake's shipment in transit.
tracked=$(post "$api/actions/shiprocket.track_awb" '{"connection": "'"$sr"'", "inputs": {"awb": "19041424751540"}, "wait": "60s"}' \
	-H "Authorization: Bearer $key")
if shipped=$(printf '%s' "$tracked" | grep -oE '"current_status":"[^"]+"'); then
	shipped=${shipped#*:}
	say "  ✓ Shiprocket: logged in as the API user, AWB 19041424751540 is ${shipped//\"/}"
else
	say "ecommerce: tracking through Shiprocket answered $tracked"
	exit 1
fi

# The polling variant: its schedule polls every minute; the delivery of
# workflow 3's package starts one run.
polled() { curl -sf "$api/definitions/$poll_def/workflows" -H "Authorization: Bearer $key" | grep -qE '"status": ?"Complete"'; }
if wait_until 180 polled; then
	say "  ✓ polling: Delhivery delivered $awb found by polling → Eshopbox delivered (definition $poll_def)"
else
	say "polling: no run of the polling definition $poll_def within 180 s: $junction runs --definition $poll_def"
	exit 1
fi

say "took ${SECONDS}s"
status=0
say "ecommerce: $done_count/5 workflows done"
