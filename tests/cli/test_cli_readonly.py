"""Read-only commands: fast, no embedding model, no ``./data`` created, say where they looked.

Issue 8, items 11, 13 and 15 (ask and search agree on an empty store).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from langchain_core.documents import Document

from bot.cli import main
from ingest.cli import main as ingest_main
from tests.conftest import REPO_ROOT

HEAVY = ("torch", "sentence_transformers", "transformers")

# Runs a CLI in a fresh interpreter, then reports which heavy modules it imported.
DRIVER = """
import sys
from {module} import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = [name for name in {heavy!r} if name in sys.modules]
sys.stderr.write("\\nHEAVY=" + ",".join(heavy) + "\\n")
sys.exit(code)
"""


def run_fresh(module: str, *args: str, cwd: Path, env: dict[str, str] | None = None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FOOTNOTE_")}
    environ.update(env or {})
    environ["PYTHONPATH"] = str(REPO_ROOT)
    return subprocess.run(
        [sys.executable, "-c", DRIVER.format(module=module, heavy=HEAVY), *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def heavy_imports(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.rsplit("HEAVY=", 1)[1].strip()


@pytest.fixture
def filled(tmp_path: Path, fake_embeddings) -> Path:
    """A data folder holding two articles (fake embeddings: no model needed to read it)."""
    from vectorstore.chroma import ChromaArticleStore, make_client
    from vectorstore.config import StoreSettings

    data = tmp_path / "corpus-data"
    settings = StoreSettings(_env_file=None, data_dir=data)
    store = ChromaArticleStore(
        make_client(settings), fake_embeddings, collection="footnote", model_name="fake-model"
    )
    docs = [
        Document(f"text {i}", metadata={"article_id": a, "passage_index": i, "origin": o})
        for i, (a, o) in enumerate([("a1", "feed-x"), ("a1", "feed-x"), ("a2", "dir-y")])
    ]
    store.as_langchain().add_documents(docs, ids=[f"p{i}" for i in range(len(docs))])
    return data


def test_status_reads_the_store_without_an_embedding_model(filled: Path, tmp_path: Path):
    result = run_fresh(
        "ingest.cli", "--status", "--json", cwd=tmp_path, env={"FOOTNOTE_DATA_DIR": str(filled)}
    )
    assert result.returncode == 0, result.stderr
    assert heavy_imports(result) == ""
    status = json.loads(result.stdout)
    assert (status["articles"], status["passages"]) == (2, 3)
    assert status["sources"] == [
        {"origin": "dir-y", "articles": 1},
        {"origin": "feed-x", "articles": 1},
    ]
    assert status["embedding_model"] == "fake-model"


@pytest.mark.parametrize(
    ("module", "args", "code"),
    [
        ("bot.cli", ["gaps"], 0),
        ("bot.cli", ["gaps", "--json"], 0),
        ("bot.cli", ["feedback", "--csv"], 0),
        ("bot.cli", ["ask", "Who?", "--after", "last tuesday"], 2),
        ("bot.cli", ["search", "Who?", "--before", "soon"], 2),
        ("bot.cli", ["ask", "Who?"], 1),  # empty store: refused before any model loads
        ("bot.cli", ["search", "Who?"], 1),
        ("ingest.cli", ["--status"], 0),
        ("ingest.cli", ["--status", "somewhere"], 2),
    ],
)
def test_cheap_commands_never_import_torch(tmp_path: Path, module, args, code):
    result = run_fresh(module, *args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert heavy_imports(result) == ""
    assert not (tmp_path / "data").exists(), "a read-only command created ./data"


def test_gaps_elsewhere_creates_nothing_and_says_where_it_looked(tmp_path: Path):
    result = CliRunner().invoke(main, ["gaps"])
    assert result.exit_code == 0
    assert not (tmp_path / "data").exists()
    assert str(tmp_path / "data") in result.stderr and "FOOTNOTE_DATA_DIR" in result.stderr


def test_status_elsewhere_creates_nothing_and_says_where_it_looked(tmp_path: Path):
    result = CliRunner().invoke(ingest_main, ["--status"])
    assert result.exit_code == 0
    assert "Passages:        0" in result.stdout
    assert not (tmp_path / "data").exists()
    assert str(tmp_path / "data") in result.stderr and "FOOTNOTE_DATA_DIR" in result.stderr


def test_ask_and_search_agree_on_an_empty_store(tmp_path: Path):
    ask = CliRunner().invoke(main, ["ask", "Who won?", "--json"])
    search = CliRunner().invoke(main, ["search", "Who won?", "--json"])
    assert ask.exit_code == search.exit_code == 1
    assert ask.stderr == search.stderr
    assert ask.stdout == search.stdout == ""
    assert "corpus is empty" in ask.stderr and "footnote-ingest" in ask.stderr
    assert str(tmp_path / "data") in ask.stderr and "FOOTNOTE_DATA_DIR" in ask.stderr
    assert not (tmp_path / "data").exists()


def test_status_with_an_unreachable_server_is_one_clean_error(monkeypatch):
    from tests.conftest import free_port

    monkeypatch.setenv("FOOTNOTE_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("FOOTNOTE_CHROMA_PORT", str(free_port()))
    result = CliRunner().invoke(ingest_main, ["--status"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "Chroma" in result.stderr
    assert "Traceback" not in result.output
