# The two commands a newcomer needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint fmt bench chaos fuzz soak clean db docs lock vendor

# Exact versions from the lock file (constraints: a dependency added to pyproject.toml but not
# yet locked still installs, at the newest version, until `make lock` pins it).
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements-dev.lock -e '.[dev]'
	touch $(STAMP)

# Regenerate both lock files from a clean virtualenv: what `pip install .` (the image) and
# `pip install '.[dev]'` (CI, make test) resolve to today.
LOCKVENV := .lockvenv
lock:
	rm -rf $(LOCKVENV) && $(PYTHON) -m venv $(LOCKVENV)
	$(LOCKVENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCKVENV)/bin/python -m pip install --quiet .
	{ echo "# Runtime dependencies, exact versions. Regenerate with: make lock"; \
	  $(LOCKVENV)/bin/python -m pip freeze --exclude onboard-bot; } > requirements.lock
	$(LOCKVENV)/bin/python -m pip install --quiet '.[dev]'
	{ echo "# Runtime and development dependencies, exact versions. Regenerate with: make lock"; \
	  $(LOCKVENV)/bin/python -m pip freeze --exclude onboard-bot; } > requirements-dev.lock
	rm -rf $(LOCKVENV)

db: $(STAMP)
	$(BIN)/onboard-bot db upgrade

run: $(STAMP) db
	$(BIN)/onboard-bot serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot commands onboarding storage i18n

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

docs: $(STAMP)
	$(BIN)/onboard-bot config docs

# Engine figures (bare Flask, an in-request bot and onboard-bot side by side) and storage figures;
# BENCH_QUICK=1 for the small version, BENCH_PARTS=engine, websocket, storage or trend for one part.
bench: $(STAMP)
	$(BIN)/python -m bench

# Faults between the bot and Webex, and crashes of the bot: every case at full size (tens of
# minutes; not part of make test, which runs the quick versions). CHAOS_QUICK=1 for the short
# versions, CHAOS_CASES=outage,kill-9 for some cases only, CHAOS_JOBS=4 for four at a time.
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos

fuzz: $(STAMP)
	ONBOARD_FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest tests -m fuzz -q

# The websocket intake under a fault every SOAK_FAULT_SECONDS for SOAK_MINUTES (not in `make test`).
SOAK_MINUTES ?= 30
SOAK_FAULT_SECONDS ?= 120
SOAK_FAULTS ?=
soak: $(STAMP)
	$(BIN)/python -m tests.soak_websocket --minutes $(SOAK_MINUTES) \
		--fault-every $(SOAK_FAULT_SECONDS) --faults "$(SOAK_FAULTS)"

# The console's card renderer: Microsoft's official Adaptive Cards renderer, one minified file,
# installed from the npm registry and committed (make run and CI need no npm).
AC_VERSION := 3.0.6
STATIC     := bot/local/static
vendor:
	rm -rf .vendor
	npm install --prefix .vendor --no-save --no-audit --no-fund --ignore-scripts --legacy-peer-deps \
		adaptivecards@$(AC_VERSION)
	test "$$(node -p "require('./.vendor/node_modules/adaptivecards/package.json').version")" = $(AC_VERSION)
	sed '/^\/\/# sourceMappingURL=/d' .vendor/node_modules/adaptivecards/dist/adaptivecards.min.js \
		> $(STATIC)/adaptivecards.min.js
	{ echo "adaptivecards $(AC_VERSION) (npm, https://www.npmjs.com/package/adaptivecards),"; \
	  echo "dist/adaptivecards.min.js, vendored by 'make vendor'. License: MIT."; echo; \
	  cat .vendor/node_modules/adaptivecards/LICENSE; echo; \
	  echo "Notices of code bundled in adaptivecards.min.js:"; \
	  cat .vendor/node_modules/adaptivecards/dist/adaptivecards.min.js.LICENSE.txt; \
	} > $(STATIC)/adaptivecards.LICENSE.txt
	rm -rf .vendor

clean:
	rm -rf $(VENV) $(LOCKVENV) var .pytest_cache .ruff_cache .hypothesis
