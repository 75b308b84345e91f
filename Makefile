# pyengine: the two commands are `make run` and `make test`; both set
# everything up on a fresh machine (a .venv with the package installed in
# editable mode and the Cython modules built in place).

PY ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
SOURCES := $(wildcard engine/*.pyx engine/*.pxd engine/*.h pyengine/*.pyx pyengine/*.pxd pyengine/*.h server/*.pyx server/*.pxd)
STAMP := $(VENV)/.installed
BUILT := $(VENV)/.built
PORT ?= 6379

.PHONY: run test build bench annotate clean

$(STAMP): pyproject.toml setup.py
	$(PY) -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q "Cython>=3.1,<3.4" "setuptools>=64" wheel
	$(PYTHON) -m pip install -q -e '.[test]'
	touch $(STAMP)

$(BUILT): $(STAMP) $(SOURCES)
	$(PYTHON) setup.py -q build_ext --inplace
	touch $(BUILT)

build: $(BUILT)

run: build
	$(VENV)/bin/pyengine-server --port $(PORT) --bind 127.0.0.1 --save "" --appendonly no

test: build
	$(PYTHON) -m pytest -q

bench: build
	$(PYTHON) -m bench compare

annotate: $(STAMP)
	PYENGINE_ANNOTATE=1 $(PYTHON) setup.py -q build_ext --inplace --force

clean:
	rm -rf build $(VENV) *.egg-info
	find engine pyengine server -name '*.so' -delete -o -name '*.c' -delete -o -name '*.html' -delete
