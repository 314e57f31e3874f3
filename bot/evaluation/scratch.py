"""The scratch store an evaluation reads: a dataset's corpus, ingested apart from the real one.

Every eval of one dataset shares it (``<data dir>/eval/<name>/retrieval``, collection
``eval-<name>``): whichever runs first ingests, the others reuse it incrementally.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.evaluation.retrieval import DatasetError

if TYPE_CHECKING:
    from bot.config import BotSettings
    from vectorstore.chroma import ChromaArticleStore

log = logging.getLogger(__name__)


def slug(text: str) -> str:
    """A name safe in paths and Chroma collection names."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-").lower() or "dataset"


def scratch_store(
    settings: BotSettings, name: str, sources: Sequence[str], *, show_progress: bool = False
) -> tuple[ChromaArticleStore, Path]:
    """``sources`` ingested into the scratch store of dataset ``name``; returns it and its folder.

    Raises:
        DatasetError: nothing could be ingested from ``sources``.
    """
    from ingest.pipeline import run_ingest
    from vectorstore.chroma import ChromaArticleStore

    key = slug(name)
    root = settings.data_dir / "eval" / key / "retrieval"
    scoped = settings.model_copy(update={"data_dir": root, "collection": f"eval-{key}"[:512]})
    store = ChromaArticleStore.from_settings(scoped)
    started = time.perf_counter()
    report = run_ingest(list(sources), scoped, store=store, show_progress=show_progress)
    log.info("scratch store ready in %.1fs: %s", time.perf_counter() - started, report)
    if store.count() == 0:
        raise DatasetError(f"nothing was ingested from {', '.join(sources)}")
    return store, root
