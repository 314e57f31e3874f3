"""Ingest progress: totals as soon as they are known, and a rate (issue 8, item 14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.config import IngestSettings
from ingest.pipeline import run_ingest
from ingest.report import IngestProgress
from vectorstore.chroma import ChromaArticleStore

pytestmark = pytest.mark.slow

ARTICLES = {
    "bridge": "# Harbour bridge reopens\n\nThe bridge reopened after a 40 million repair.\n",
    "oaks": "# River oaks\n\nVolunteers planted 3,000 oak saplings along the river.\n",
    "ferry": "# Electric ferry\n\nThe first electric ferry crossed the bay in eleven minutes.\n",
}


@pytest.fixture
def setup(tmp_path: Path, real_embeddings):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    settings = IngestSettings(_env_file=None, data_dir=tmp_path / "data")
    return folder, settings, ChromaArticleStore.from_settings(settings, real_embeddings)


def test_bars_show_done_out_of_total_and_a_rate(setup, capsys):
    folder, settings, store = setup
    report = run_ingest([str(folder)], settings, store=store, show_progress=True)
    err = capsys.readouterr().err
    assert re.search(r"articles: .*3/3 .*art/s", err), err
    n = report.passages_added
    assert re.search(rf"passages: .*{n}/{n} .*psg/s", err), err


def test_callback_gets_the_article_total_once_every_source_is_listed(setup):
    folder, settings, store = setup
    run_ingest([str(folder)], settings, store=store)
    seen: list[IngestProgress] = []
    run_ingest([str(folder)], settings, store=store, on_progress=seen.append)  # all unchanged
    assert [p.articles_total for p in seen[:-1]] == [None, None, None]  # still listing
    assert (seen[-1].articles_done, seen[-1].articles_total) == (3, 3)
