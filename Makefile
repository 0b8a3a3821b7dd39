# amthub — the two commands are `make run` (the embedded hub) and
# `make test` (every test, against real PostgreSQL, RabbitMQ and Redis).

GO ?= go

.PHONY: run test services vet build generate bench

## run: the hub embedded (SQLite, in-process bus, simulators, demo data)
run:
	$(GO) run ./cmd/amthub dev

## test: vet, then every test with the race detector, against real servers
test: services vet
	./scripts/test.sh

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

build:
	$(GO) build -o bin/amthub ./cmd/amthub

generate:
	$(GO) generate ./...
