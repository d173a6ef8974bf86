# Groundswell: `make run` serves on http://127.0.0.1:8080, `make test` runs every test.
SWIFT ?= swift
DB ?= ./data/groundswell.sqlite
HOST ?= 127.0.0.1
PORT ?= 8080
# Release builds carry the Swift runtime and Foundation inside the binary: 4–6 MiB less resident
# memory under load, no dynamic binding of their symbols at start-up (docs/performance.md, session 40).
# Every release product is built with it: a release build without it compiles the modules again.
RELEASE = $(SWIFT) build -c release --static-swift-stdlib

.PHONY: run test test-tsan build release deps test-deps bench bench-scale bench-peers migrations fuzz soak clean

# System packages: SQLite's headers (the CSQLite system-library target), libcurl's (CCurl:
# webhooks and SMTP), libargon2's (CArgon2: passwords), zlib's (CZlib: reading gzip back) and
# libdeflate's (CDeflate: gzip for pages and assets),
# libvips's (CVips: decoding, stripping and resizing customers' pictures), libpq's (CPostgreSQL:
# PostgreSQL as the store of several nodes, issue 19).
SYSTEM_PACKAGES = libsqlite3-dev libcurl4-openssl-dev libargon2-dev zlib1g-dev libdeflate-dev libvips-dev libpq-dev pkg-config
# What only the tests need: openssl (a STARTTLS certificate), python3-venv (test peers, Selenium),
# Chromium and its driver (the browser tests) with Noto CJK fonts (Korean in screenshots),
# PostgreSQL's server (a throw-away cluster per test run, TestPostgres).
TEST_PACKAGES = openssl python3-venv chromium chromium-driver fonts-noto-cjk postgresql haproxy
# make bench: the load generator, and PostgreSQL and HAProxy for its nodes section.
BENCH_PACKAGES = wrk postgresql haproxy

define install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call install,$(SYSTEM_PACKAGES))

test-deps:
	$(call install,$(SYSTEM_PACKAGES) $(TEST_PACKAGES))

release: deps
	$(RELEASE) --product groundswell

build: deps
	$(SWIFT) build

run: release
	mkdir -p $(dir $(DB))
	"$$($(RELEASE) --show-bin-path)/groundswell" serve --host $(HOST) --port $(PORT) --db $(DB)

test: test-deps
	scripts/venv.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing
	SWIFT=$(SWIFT) scripts/postgres-tests.sh
	scripts/browser-tests.sh

# The concurrency tests and the server's under ThreadSanitizer (own build folder; slow, not in CI).
test-tsan: deps
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan --filter 'ConcurrencyTests|ServerTests|SQLiteStoreTests'

# Regenerate the migrations compiled into the binary after adding Migrations/NNNN_*.sql.
migrations:
	scripts/embed-migrations.sh

bench: release
	$(call install,$(BENCH_PACKAGES))
	$(RELEASE) --product CloseBench
	$(RELEASE) --product UploadBench
	scripts/bench.sh

# The 1,000,000 ideas / customers, 20,000,000 votes data set (issue 14): seeded once (minutes),
# then start-up, size, reads, votes and a 100,000-idea round close (docs/performance.md).
bench-scale: release
	$(call install,$(BENCH_PACKAGES))
	$(RELEASE) --product CloseBench
	SCALE=1 ENDPOINTS= RANDOM_VOTES= NODES= STREAMS=0 IDLE=0 FLOOD=0 CLOSE_BENCH=0 UPLOAD_BENCH=0 scripts/bench.sh

# libFuzzer on the HTTP parser and JSON decoding, FUZZ_SECONDS each (default 60).
fuzz: deps
	scripts/fuzz.sh

# Memory soak: bodies, unfinished heads and idle connections against the limits (docs/architecture.md, Limits).
soak: release
	python3 scripts/soak.py "$$($(RELEASE) --show-bin-path)/groundswell"

# The Hummingbird reference, built from ../shared (read-only) into this repo's .build-peers.
bench-peers:
	$(SWIFT) build -c release --package-path ../shared/peers/hummingbird-ref --scratch-path .build-peers/hummingbird

clean:
	rm -rf .build
