# MachiGIS — the two commands a city IT section needs:
#   make run    build, load the sample layers on first run, serve http://127.0.0.1:8080
#   make test   unit, store, HTTP and browser tests
SHELL := /bin/bash
SWIFT ?= swift
DB ?= data/machigis.sqlite
HOST ?= 127.0.0.1
PORT ?= 8080
TEST_PORT ?= 18080
SYSPY := /usr/bin/python3

# Run-time and build-time system packages (Debian names).
RUN_PACKAGES := pkg-config libsqlite3-dev libspatialite-dev libsqlite3-mod-spatialite libgeos-dev libproj-dev proj-data \
	libjs-leaflet libjs-leaflet.markercluster
# Extra packages for the tests and benchmarks: real clients and a real browser.
TEST_PACKAGES := curl gdal-bin chromium chromium-driver python3-selenium python3-pytest python3-venv
BENCH_PACKAGES := gdal-bin wrk time curl sqlite3 postgresql-15-postgis-3

.PHONY: run test deps test-deps bench-deps build release sample-data unit-test browser-test durability-test runtime-test bench format lint clean client-test fuzz-test

define ensure_packages
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call ensure_packages,$(RUN_PACKAGES))

test-deps: deps
	$(call ensure_packages,$(TEST_PACKAGES))

bench-deps: deps
	$(call ensure_packages,$(BENCH_PACKAGES))

release: deps
	$(SWIFT) build -c release --product machigis

build: deps
	$(SWIFT) build --product machigis

# Loads the sample ledger into $(DB) when the file does not exist yet.
sample-data: release
	@if [ ! -f "$(DB)" ]; then tools/load-samples.sh .build/release/machigis "$(DB)" || { rm -f "$(DB)"*; exit 1; }; fi

run: sample-data
	.build/release/machigis serve --db "$(DB)" --host $(HOST) --port $(PORT)

unit-test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Starts a debug server on a scratch database and drives it with headless Chromium.
browser-test: test-deps build
	TEST_PORT=$(TEST_PORT) tests/run-browser.sh

# 50 clients post parking cases for DURABILITY_SECONDS across a kill -9 of the server.
DURABILITY_SECONDS ?= 30
durability-test: test-deps build
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(SYSPY) tests/durability/parking_load.py .build/debug/machigis $$tmp/d.sqlite $$(( $(TEST_PORT) + 1 )) $(DURABILITY_SECONDS) 50

# Deadlines, connection limit, shutdown, request ids, logs and metrics against real debug servers.
runtime-test: test-deps build
	MACHIGIS_RUNTIME_PORT=$$(( $(TEST_PORT) + 20 )) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/runtime

# GDAL (OAPIF, ogr2ogr, MVT), owslib and mapbox-vector-tile against a debug server on a scratch store.
client-test: test-deps build
	CLIENT_TEST_PORT=$$(( $(TEST_PORT) + 2 )) tests/clients/run.sh

# schemathesis on /ogc/api and seeded generators for every endpoint and import format (about 3 minutes);
# FUZZ_SEED=N make fuzz-test reruns a run exactly (the seed is printed first).
fuzz-test: test-deps build
	FUZZ_PORT=$$(( $(TEST_PORT) + 10 )) tests/fuzz/run.sh

test: unit-test browser-test durability-test client-test runtime-test fuzz-test

bench: bench-deps release
	bench/run.sh

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

clean:
	rm -rf .build
