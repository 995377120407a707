# The two commands a newcomer needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint fmt bench chaos fuzz clean db

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

# Engine figures (bare Flask, an in-request bot and onboard-bot side by side) and storage figures;
# BENCH_QUICK=1 for the small version, BENCH_PARTS=engine or storage for one part.
bench: $(STAMP)
	$(BIN)/python -m bench

# Faults between the bot and Webex, and crashes of the bot: every case at full size (tens of
# minutes; not part of make test, which runs the quick versions). CHAOS_QUICK=1 for the short
# versions, CHAOS_CASES=outage,kill-9 for some cases only, CHAOS_JOBS=4 for four at a time.
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos

fuzz: $(STAMP)
	ONBOARD_FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest tests -m fuzz -q

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
