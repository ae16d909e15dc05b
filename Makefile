# Junction's entry points. Two commands matter to a newcomer:
#   make dev    build and run everything in one process
#   make test   run every test (starts a throwaway PostgreSQL for the store tests; installs Chromium
#               and axe-core for the console's browser test)
#   make bench  Junction against raw Temporal and n8n on this machine (docs/benchmarks.md)
#   make chaos  kill -9 the gateway, the worker and Temporal under load; nothing acknowledged is lost
#   make cluster  two nodes of everything; one of each killed for good under load; nothing is lost

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         := bin/junction
export GOTOOLCHAIN := local

.PHONY: build dev test lint vault bench chaos cluster

# bin/junction is the dev build: -tags dev links the embedded Temporal server and UI that
# `junction dev` runs. The production build (deploy/Dockerfile: go build ./cmd/junction) leaves
# them out (deploy/README.md).
build:
	$(GO) build -tags dev -o $(BIN) ./cmd/junction

# Junction and the dev Vault build at the same time: neither needs the other, and on a fresh
# machine each is minutes of downloading and compiling (README.md has the figure).
dev:
	@$(MAKE) --no-print-directory -j2 build vault
	./$(BIN) dev

test:
	./scripts/test.sh

bench:
	./scripts/bench.sh

# Not part of test: about a minute, three processes killed with SIGKILL (docs/benchmarks.md).
chaos:
	./scripts/chaos.sh

# Not part of test: a few minutes, two Temporal servers forming one cluster on PostgreSQL, two
# workers and two gateways; one of each killed with SIGKILL for good (docs/operations.md).
cluster:
	./scripts/cluster.sh

# The Vault the tests run against (tools/vault, BUSL: never ship it).
vault:
	./scripts/vault.sh >/dev/null

# gofmt, go vet, staticcheck, then govulncheck against a local copy of the vulnerability database
# (scripts/vulncheck.sh; 2.5-5 minutes and up to 12 GB of memory).
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags dev ./cmd/junction
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags dev ./cmd/junction
	./scripts/vulncheck.sh
