# The two commands a new user types: `make demo` and `make test`.
# Both create (or refresh) the virtual environment in .venv first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint bench clean docs

$(INSTALLED): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,reference]"
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/python examples/digit_recognizer.py --out outputs
	$(BIN)/python examples/see_backprop.py --only mlp --out outputs

docs: $(INSTALLED)
	$(BIN)/mkdocs build --strict --site-dir site

lint: $(INSTALLED)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest
	$(BIN)/mkdocs build --strict --quiet --site-dir site

bench: $(INSTALLED)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) outputs .pytest_cache .ruff_cache .hypothesis
