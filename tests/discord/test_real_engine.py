"""The bot over the REAL wiring of ``footnote run`` (``bot.discord_adapter.app.build_deps``): the
sample corpus
ingested into an embedded Chroma with the real embedding model, hybrid retrieval, the
extractive answerer, the catalog, status and ingestion job. Only Discord's HTTP side is
recorded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import BotSettings
from bot.discord_adapter.app import build_deps
from bot.discord_adapter.cogs import BotDeps
from tests.conftest import EXAMPLES_DIR
from tests.discord.harness import ADMIN_ID, Harness

pytestmark = pytest.mark.slow

QUESTION = "How much did the harbour bridge repair cost?"


@pytest.fixture
def real_deps(tmp_path: Path) -> BotDeps:
    settings = BotSettings(
        _env_file=None, data_dir=tmp_path / "data", sources_file=EXAMPLES_DIR / "sources.toml"
    )
    deps = build_deps(settings)
    progress = []
    first = deps.ingest(None, progress.append)  # what /ingest and the schedule run
    assert first.added >= 8 and first.failed == 0
    assert progress and progress[-1].articles_done >= 8
    return deps


async def test_ask_source_status_and_ingest_over_the_real_engine(start_bot, real_deps):
    harness: Harness = await start_bot(deps=real_deps, answerer="extractive")

    payload = harness.autocomplete("ask", "source", question="bridge", source="marrow")
    await harness.idle(timeout=60)
    choices = harness.of(payload)[0].payload["data"]["choices"]
    assert {"name": "The Marrowick Courier", "value": "The Marrowick Courier"} in choices

    payload = harness.slash("ask", question=QUESTION, source="The Marrowick Courier")
    await harness.idle(timeout=60)
    final = [r for r in harness.of(payload) if r.method == "PATCH"][-1]
    assert re.search(r"40 million", final.content), final.content
    assert re.search(r"\[\d+\]", final.content)
    (embed,) = final.embeds
    assert embed["title"] == "Sources"
    assert "Harbour bridge reopens" in embed["description"]
    assert "marrowick-courier.example" in embed["description"]
    answer_id = final.custom_ids[0].split(":")[2]
    stored = real_deps.feedback.get_answer(answer_id)
    assert stored.citations and all(c.quote in c.text for c in stored.citations)

    payload = harness.slash("source", query=str(stored.citations[0].n))
    await harness.idle(timeout=60)
    looked_up = harness.of(payload)[-1].embeds[0]
    assert looked_up["title"].startswith("Harbour bridge reopens")
    assert f"**{stored.citations[0].quote[:30]}" in looked_up["fields"][0]["value"].replace(
        "\\", ""
    )

    payload = harness.autocomplete("source", "query", query="harbour")
    await harness.idle(timeout=60)
    (choice, *_) = harness.of(payload)[0].payload["data"]["choices"]
    assert choice["name"].startswith("Harbour bridge reopens")

    # Nothing was published after 2100: retrieval under that filter finds nothing, so the
    # engine must refuse (and the refusal is counted as a coverage gap).
    payload = harness.slash("ask", question=QUESTION, after="2100-01-01")
    await harness.idle(timeout=60)
    refusal = [r for r in harness.of(payload) if r.method == "PATCH"][-1]
    assert "[1]" not in refusal.content, refusal.content
    assert all(":vote:" in i for i in refusal.custom_ids)  # no Passages button
    assert real_deps.feedback.gap_count() == 1

    payload = harness.slash("status")
    await harness.idle(timeout=60)
    fields = {f["name"]: f["value"] for f in harness.of(payload)[-1].embeds[0]["fields"]}
    assert int(fields["Articles"]) >= 8
    assert fields["Coverage gaps"] == "1 refused question(s)"
    assert re.search(r"\d+ added", fields["Last ingestion"]), fields["Last ingestion"]
    assert fields["Answerer"] == "`extractive`"

    payload = harness.slash("ingest", user_id=ADMIN_ID)
    await harness.idle(timeout=120)
    summary = harness.of(payload)[-1].content
    assert re.search(r"0 added, 0 updated, \d+ skipped, 0 deleted, 0 failed", summary), summary
