"""The bot over the REAL engine: sample corpus ingested into Chroma, real embeddings, extractive
answerer, real status and ingestion job; only Discord's HTTP side is recorded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cogs import BotDeps
from bot.config import BotSettings
from bot.feedback import FeedbackStore
from tests.conftest import EXAMPLES_DIR
from tests.discord.harness import ADMIN_ID, Harness

pytestmark = pytest.mark.slow

QUESTION = "How much did the harbour bridge repair cost?"


@pytest.fixture
def real_deps(tmp_path: Path, real_embeddings) -> BotDeps:
    from bot.answering import AnswerService
    from bot.extractive import ExtractiveAnswerer
    from bot.retrieval import HybridRetriever
    from ingest.pipeline import run_ingest
    from ingest.status import corpus_status
    from vectorstore.chroma import ChromaArticleStore

    settings = BotSettings(_env_file=None, data_dir=tmp_path / "data")
    store = ChromaArticleStore.from_settings(settings, embeddings=real_embeddings)
    sources = [str(EXAMPLES_DIR / "corpus")]
    first = run_ingest(sources, settings, store=store)
    assert first.added >= 8 and first.failed == 0
    answers = AnswerService(
        HybridRetriever(store, data_dir=settings.data_dir),
        top_k=settings.top_k,
        fallback=ExtractiveAnswerer(store.embeddings),
    )
    try:
        from bot.catalog import Catalog

        catalog = Catalog(store, settings.data_dir)
    except ImportError:  # the catalog lands separately; /ask does not need it
        from tests.discord.fakes import FakeCatalog

        catalog = FakeCatalog([])
    return BotDeps(
        answers=answers,
        catalog=catalog,
        feedback=FeedbackStore.in_data_dir(settings.data_dir),
        ingest=lambda chosen, on_progress: run_ingest(
            list(chosen or sources), settings, store=store, on_progress=on_progress
        ),
        ingest_sources=lambda: sources,
        status=lambda: corpus_status(settings, store),
    )


async def test_ask_status_and_ingest_over_the_real_engine(start_bot, real_deps):
    harness: Harness = await start_bot(deps=real_deps, answerer="extractive")

    payload = harness.slash("ask", question=QUESTION)
    await harness.idle(timeout=60)
    requests = harness.of(payload)
    final = [r for r in requests if r.method == "PATCH"][-1]
    assert re.search(r"€\s?40 million|40 million", final.content), final.content
    assert re.search(r"\[\d+\]", final.content)
    (embed,) = final.embeds
    assert embed["title"] == "Sources"
    assert "Harbour bridge reopens" in embed["description"]
    assert "marrowick-courier.example" in embed["description"]
    assert final.custom_ids[0].startswith("footnote:passages:")
    stored = real_deps.feedback.get_answer(final.custom_ids[0].split(":")[2])
    assert stored.citations and all(c.quote in c.text for c in stored.citations)

    payload = harness.slash("ask", question="What is the boiling point of mercury?")
    await harness.idle(timeout=60)
    refusal = [r for r in harness.of(payload) if r.method == "PATCH"][-1]
    assert refusal.embeds[0]["title"].startswith("Closest sources"), refusal.content
    assert real_deps.feedback.gap_count() == 1

    payload = harness.slash("status")
    await harness.idle(timeout=60)
    fields = {f["name"]: f["value"] for f in harness.of(payload)[-1].embeds[0]["fields"]}
    assert int(fields["Articles"]) >= 8
    assert fields["Coverage gaps"] == "1 refused question(s)"
    assert "added" in fields["Last ingestion"]
    assert fields["Answerer"] == "`extractive`"

    payload = harness.slash("ingest", user_id=ADMIN_ID)
    await harness.idle(timeout=120)
    summary = harness.of(payload)[-1].content
    assert re.search(r"0 added, 0 updated, \d+ skipped, 0 deleted, 0 failed", summary), summary
