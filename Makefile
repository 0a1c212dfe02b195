# zkjobs — build, test and run. `make run` starts a local ZooKeeper and a
# zkjobd in the foreground; `make test` runs the whole suite against real
# ZooKeeper servers that the tests start themselves.
SHELL := /bin/bash
NPM ?= npm
NODE ?= node
# Installing Debian's zookeeper package needs root: sudo when we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_FILES = $(shell find dist/test -name '*.test.js' | sort)

.PHONY: all deps build test test-unit test-integration chaos bench run clean

all: build

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

# ZooKeeper from Debian, unless one is named by ZOOKEEPER_HOME or ZOOKEEPER_CLASSPATH.
.PHONY: .zookeeper-ok
.zookeeper-ok:
	@if [ -z "$$ZOOKEEPER_HOME$$ZOOKEEPER_CLASSPATH" ] && [ ! -f /usr/share/java/zookeeper.jar ]; then \
	  echo "make: installing Debian's zookeeper package"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq zookeeper >/dev/null; \
	fi
	@command -v java >/dev/null || { echo "make: java not found (apt-get install default-jre-headless)"; exit 1; }

deps: node_modules/.installed .zookeeper-ok

build: node_modules/.installed
	$(NPM) exec -- tsc -p tsconfig.json

test: deps build
	$(NODE) --test --test-concurrency=2 $(TEST_FILES)

test-unit: build
	$(NODE) --test $(filter dist/test/unit/%,$(TEST_FILES))

test-integration: deps build
	$(NODE) --test --test-concurrency=2 $(filter dist/test/integration/%,$(TEST_FILES))

# Minutes of daemon kills, freezes and ZooKeeper restarts over thousands of jobs.
CHAOS_MINUTES ?= 3
CHAOS_JOBS ?= 6000
chaos: deps build
	$(NODE) dist/test/chaos/run.js --minutes $(CHAOS_MINUTES) --jobs $(CHAOS_JOBS)

# The benchmark table (not part of make test): takes about half an hour at full size.
bench: deps build
	$(NODE) dist/bench/run.js

# A ZooKeeper on 127.0.0.1:2181 (ours in ./run/zk unless one already answers there) and a zkjobd.
run: deps build
	scripts/run-local

clean:
	rm -rf dist run
