# tenseur: `make demo` trains the slides' network on MNIST, `make test` runs the test suite.
# Both create .venv when it is missing and install the project into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export TENSEUR_DATA_DIR ?= $(abspath ../shared/data)

.PHONY: demo test install install-test bench clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -e ".[board,keras]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: $(VENV)/.installed
	$(PY) examples/demo.py

test: $(VENV)/.installed-test
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest -q -n 2 --durations=15

bench: $(VENV)/.installed
	$(PY) benchmarks/mlp_step.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
