# berth — the two commands are `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := $(CURDIR)/bin/berth
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
DATA_DIR ?= /var/lib/berth
LISTEN ?= 127.0.0.1:4566

.PHONY: all build deps run test unit e2e lint bench clean

all: build

deps:
	@scripts/install-deps.sh

# Static (CGO_ENABLED=0): the binary is also the init of containers with
# initProcessEnabled, bind-mounted into images of any libc.
build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/berth

# Start berth with its embedded defaults; prints the endpoint and the
# export line for the aws CLI.
run: deps build
	$(BIN) server --listen $(LISTEN) --data-dir $(DATA_DIR)

# Everything CI runs: lint, unit and integration tests against the real
# binary, and the end-to-end script with the real aws CLI.
test: deps build lint unit e2e

unit:
	BERTH_BIN=$(BIN) $(GO) test -race -count=1 -timeout 20m ./...

e2e:
	BERTH_BIN=$(BIN) test/e2e/run.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "not gofmt-clean:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@scripts/staticcheck.sh

bench: build
	BERTH_BIN=$(BIN) $(GO) test -run '^$$' -bench . -benchtime 5s ./test/bench/ ./internal/scheduler/
	BERTH_BIN=$(BIN) $(GO) test -run '^$$' -bench RunTaskToRunning -benchtime 40x -timeout 30m ./test/taskbench/
	BERTH_BIN=$(BIN) $(GO) test -run '^$$' -bench LaunchRate -benchtime 3x -timeout 30m ./test/taskbench/
	$(GO) test -run '^$$' -bench ENI -benchtime 200x ./internal/agent/tasknet/
	$(GO) test -run '^$$' -bench . -benchtime 2s ./internal/lb/
	BERTH_BIN=$(BIN) $(GO) test -run '^$$' -bench LoadBalancer -benchtime 1x -timeout 10m ./test/taskbench/
	$(GO) test -run '^$$' -bench 'Append$$|Filter1M|Open1M' -benchtime 3x ./internal/logstore/
	BERTH_BIN=$(BIN) $(GO) test -run '^$$' -bench Churn -benchtime 1x -timeout 30m ./test/taskbench/

clean:
	rm -rf bin
