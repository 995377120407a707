# The two commands a newcomer needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint fmt bench fuzz clean db vendor

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

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

bench: $(STAMP)
	$(BIN)/python -m bench

fuzz: $(STAMP)
	ONBOARD_FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest tests -m fuzz -q

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
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
