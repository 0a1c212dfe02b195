# zkjobs — build, test and run. `make run` starts a local ZooKeeper and a
# zkjobd in the foreground; `make test` runs the whole suite against real
# ZooKeeper servers that the tests start themselves.
SHELL := /bin/bash
NPM ?= npm
NODE ?= node
# Installing Debian's zookeeper package needs root: sudo when we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_FILES = $(shell find dist/test -name '*.test.js' | sort)

.PHONY: all deps build test test-unit test-integration chaos bench run clean install uninstall

all: build

node_modules/.installed: package.json package-lock.json patches/zookeeper+7.3.0.patch | .openssl-ok
	$(NPM) ci --no-audit --no-fund
	@touch $@

# The zookeeper binding's C client is built with TLS, which needs OpenSSL's
# headers and libssl at install (its build stops without them).
.PHONY: .openssl-ok
.openssl-ok:
	@if [ ! -f /usr/include/openssl/ssl.h ]; then \
	  echo "make: installing Debian's libssl-dev (TLS to ZooKeeper)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libssl-dev >/dev/null; \
	fi

# ZooKeeper from Debian, unless one is named by ZOOKEEPER_HOME or ZOOKEEPER_CLASSPATH.
.PHONY: .zookeeper-ok
.zookeeper-ok:
	@if [ -z "$$ZOOKEEPER_HOME$$ZOOKEEPER_CLASSPATH" ] && [ ! -f /usr/share/java/zookeeper.jar ]; then \
	  echo "make: installing Debian's zookeeper package"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq zookeeper >/dev/null; \
	fi
	@command -v java >/dev/null || { echo "make: java not found (apt-get install default-jre-headless)"; exit 1; }
	@# For the man-page, unit-file and notify checks; best effort: those tests skip without them.
	@command -v groff >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq groff-base >/dev/null 2>&1 || true
	@command -v systemd-analyze >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq systemd >/dev/null 2>&1 || true
	@# ip and tc make the real network partition of the fencing test.
	@{ command -v ip && command -v tc; } >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq iproute2 >/dev/null
	@# The TLS test makes its certificates with openssl (keytool comes with the JRE).
	@command -v openssl >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openssl >/dev/null 2>&1 || true
	@# strace counts the binding's name lookups per request (binding-syscalls test).
	@command -v strace >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq strace >/dev/null 2>&1 || true
	@# python3 stands in for systemd's notify socket in the Type=notify test.
	@command -v python3 >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-minimal >/dev/null 2>&1 || true

# Debian's chromium for the status page's browser test (driven by playwright-core; never a downloaded browser).
.PHONY: .chromium-ok
.chromium-ok:
	@if ! command -v chromium >/dev/null; then \
	  echo "make: installing Debian's chromium package"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi

deps: node_modules/.installed .zookeeper-ok .chromium-ok

# tsc compiles the tree; the bundler then makes zkjobc and zkjobq a file per
# subcommand (dist/bundle), which bin/ runs: one file to load, not ~130 (docs/speed.md).
build: node_modules/.installed
	$(NPM) exec -- tsc -p tsconfig.json
	$(NODE) scripts/bundle.mjs

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
bench: deps build .kazoo-ok
	$(NODE) dist/bench/run.js

# The bench's yardstick: kazoo's LockingQueue, from Debian (bench/kazoo-consumer.py).
.PHONY: .kazoo-ok
.kazoo-ok:
	@/usr/bin/python3 -c 'import kazoo' 2>/dev/null || { echo "make: installing Debian's python3-kazoo"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-kazoo >/dev/null; }

# A ZooKeeper on 127.0.0.1:2181 (ours in ./run/zk unless one already answers there) and a zkjobd.
run: deps build
	scripts/run-local

clean:
	rm -rf dist run

# Install for packaging: PREFIX (default /usr/local) and DESTDIR are honoured.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib/zkjobs
MANDIR = $(PREFIX)/share/man
UNITDIR = $(PREFIX)/lib/systemd/system
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
NODE_PATH_BIN := $(shell command -v node)
JOB_USER ?= zkjobs

install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/zkjobs
	cp -a dist/src package.json package-lock.json $(DESTDIR)$(LIBDIR)/
	mkdir -p $(DESTDIR)$(LIBDIR)/dist && rm -rf $(DESTDIR)$(LIBDIR)/dist/src $(DESTDIR)$(LIBDIR)/dist/bundle && mv $(DESTDIR)$(LIBDIR)/src $(DESTDIR)$(LIBDIR)/dist/src
	# The CLIs' bundles find package.json, yargs's locales and the status page
	# by their paths relative to dist/bundle, as in the tree (scripts/bundle.mjs).
	cp -a dist/bundle $(DESTDIR)$(LIBDIR)/dist/bundle
	# The status page's HTML, CSS and JavaScript are served as they are: no build step.
	cp -a src/status/page $(DESTDIR)$(LIBDIR)/dist/src/status/page
	# The patched, compiled binding comes along; development packages do not.
	cp -a node_modules $(DESTDIR)$(LIBDIR)/
	cd $(DESTDIR)$(LIBDIR) && $(NPM) prune --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null
	for p in zkjobd zkjobc zkjobq; do \
	  js=$(LIBDIR)/dist/src/cli/$$p.js; [ -f dist/bundle/$$p.js ] && js=$(LIBDIR)/dist/bundle/$$p.js; \
	  printf '#!/bin/sh\nexec %s %s "$$@"\n' "$(NODE_PATH_BIN)" "$$js" > $(DESTDIR)$(BINDIR)/$$p; \
	  chmod 755 $(DESTDIR)$(BINDIR)/$$p; \
	done
	# Completion scripts, generated from the programs' own option definitions.
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	for p in zkjobd zkjobc zkjobq; do \
	  $(NODE) dist/src/cli/$$p.js completion bash > $(DESTDIR)$(BASHCOMPDIR)/$$p && \
	  $(NODE) dist/src/cli/$$p.js completion zsh > $(DESTDIR)$(ZSHCOMPDIR)/_$$p || exit 1; \
	done
	install -m 644 man/zkjobc.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/zkjobd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/zkjobd.8 man/zkjobq.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 etc/zkjobd.conf.example $(DESTDIR)$(SYSCONFDIR)/zkjobs/zkjobd.conf.example
	sed 's#@BINDIR@#$(BINDIR)#g; s#@SYSCONFDIR@#$(SYSCONFDIR)#g' etc/systemd/zkjobd.service.in > $(DESTDIR)$(UNITDIR)/zkjobd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/zkjobd.service
	# The unprivileged account a root zkjobd runs jobs as when their queue sets
	# no run_as (zkjobd(8)). Into a DESTDIR, a package's own scripts make it.
	if [ -z "$(DESTDIR)" ] && ! getent passwd $(JOB_USER) >/dev/null; then \
	  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $(JOB_USER); \
	fi

# Leaves a real /etc/zkjobs/zkjobd.conf alone, and the job account (its files may outlive us).
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,zkjobd zkjobc zkjobq)
	rm -f $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,zkjobd zkjobc zkjobq) $(addprefix $(DESTDIR)$(ZSHCOMPDIR)/_,zkjobd zkjobc zkjobq)
	rm -rf $(DESTDIR)$(LIBDIR)
	rm -f $(DESTDIR)$(MANDIR)/man1/zkjobc.1 $(DESTDIR)$(MANDIR)/man5/zkjobd.conf.5 $(DESTDIR)$(MANDIR)/man8/zkjobd.8 $(DESTDIR)$(MANDIR)/man8/zkjobq.8
	rm -f $(DESTDIR)$(UNITDIR)/zkjobd.service $(DESTDIR)$(SYSCONFDIR)/zkjobs/zkjobd.conf.example
	-rmdir $(DESTDIR)$(SYSCONFDIR)/zkjobs 2>/dev/null
