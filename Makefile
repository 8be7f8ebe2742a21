# The three commands a new user types: `make demo`, `make test` and `make notebooks`.
# Each creates (or refreshes) the virtual environment in .venv first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint bench clean docs notebooks

$(INSTALLED): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,reference]"
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/python examples/digit_recognizer.py --out outputs
	$(BIN)/python examples/see_backprop.py --only mlp --out outputs

# JupyterLab on the tour, the labs and the exercises (docs/notebooks/)
notebooks: $(INSTALLED)
	$(BIN)/jupyter lab docs/notebooks

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
