# amthub — the two commands are `make run` (the embedded hub) and
# `make test` (every test, against real PostgreSQL, RabbitMQ and Redis).

GO ?= go

# go.mod pins a patched toolchain (its toolchain line); Go's own default here
# may be GOTOOLCHAIN=local, which ignores that line. auto fetches the pinned
# toolchain from the module proxy once and uses it for every target below.
export GOTOOLCHAIN ?= auto

.PHONY: run test services vet vulncheck build generate bench

## run: the hub embedded (SQLite, in-process bus, simulators, demo data);
## flags for `amthub dev` go in ARGS, e.g. make run ARGS="--data-dir /tmp/x"
run:
	$(GO) run ./cmd/amthub dev $(ARGS)

## test: vet, the vulnerability check, then every test with the race detector,
## against real servers
test: services vet
	./scripts/test.sh

## vulncheck: govulncheck against the pinned, offline Go vulnerability database
vulncheck:
	./scripts/vulncheck.sh

## bench: the load benchmark against real servers (test/load; see BENCHMARKS.md)
bench: services
	$(GO) run ./test/load $(BENCHFLAGS)

## services: install and start PostgreSQL, RabbitMQ and Redis when missing
services:
	./scripts/test-services.sh

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

## build: the binary, as bin/amthub
build:
	$(GO) build -o bin/amthub ./cmd/amthub

generate:
	$(GO) generate ./...
