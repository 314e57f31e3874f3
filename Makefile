# Two entry points for a fresh machine: `make demo` and `make test` (see README.md).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
DEMO_QUESTION ?= How much did the harbour bridge repair cost?

.PHONY: install demo test lint bench eval clean

install: $(VENV)/.installed

# pip 23.2 (Python 3.11.7's) drops lxml[html_clean], so pip is upgraded first; torch==2.13.0
# is pinned in pyproject.toml (its CPU wheel is on this machine's disk).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: install
	$(BIN)/footnote-ingest examples/corpus
	$(BIN)/footnote-ingest --status
	$(BIN)/footnote ask "$(DEMO_QUESTION)"

test: install
	$(BIN)/ruff check bot ingest vectorstore tests bench
	$(BIN)/mypy bot ingest vectorstore
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check bot ingest vectorstore tests bench
	$(BIN)/mypy bot ingest vectorstore

bench: install
	$(BIN)/python -m bench.ingest_throughput
	$(BIN)/python -m bench.retrieval_latency
	$(BIN)/python -m bench.cli_latency
	$(BIN)/python -m bench.embedding_dtype
	$(BIN)/python -m bench.answer_latency

eval: install
	$(BIN)/python -m bench.extraction
	$(BIN)/footnote eval retrieval --dataset ../shared/eval/squad-v1.1-dev
	$(BIN)/footnote eval retrieval --dataset ../shared/eval/news-dev
	$(BIN)/footnote eval answers --dataset ../shared/eval/squad-v1.1-dev
	$(BIN)/footnote eval answers --dataset ../shared/eval/news-dev
	$(BIN)/python -m bench.snippets
	$(BIN)/python -m bench.as_typed

clean:
	rm -rf $(VENV) data .pytest_cache
