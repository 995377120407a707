# The two commands a newcomer needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint fmt bench fuzz soak clean db

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

# The websocket intake under a fault every SOAK_FAULT_SECONDS for SOAK_MINUTES (not in `make test`).
SOAK_MINUTES ?= 30
SOAK_FAULT_SECONDS ?= 120
SOAK_FAULTS ?=
soak: $(STAMP)
	$(BIN)/python -m tests.soak_websocket --minutes $(SOAK_MINUTES) \
		--fault-every $(SOAK_FAULT_SECONDS) --faults "$(SOAK_FAULTS)"

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
