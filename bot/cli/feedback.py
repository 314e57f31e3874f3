"""``footnote feedback``: the answers the bot gave, with their 👍/👎 votes, listed or exported.

Reads the adapter's feedback database (``bot.discord_adapter.feedback``, ``feedback.sqlite`` in
the data folder) read-only: curating the corpus should never change what the bot remembers, and
a missing database is reported, not created.
"""

from __future__ import annotations

import csv
import json
import logging
import sqlite3
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import load_settings

if TYPE_CHECKING:
    from bot.config import BotSettings
    from bot.engine.models import Answer

log = logging.getLogger(__name__)

EXPORT_FIELDS = (
    "answer_id", "created", "question", "answer", "abstained", "answerer", "private", "up", "down",
)  # fmt: skip

# One row per answer with its vote counts; the tables are FeedbackStore's (answers, feedback).
_ANSWERS_WITH_VOTES = """
SELECT a.answer_id, a.created, a.question, a.answer, a.abstained, a.answerer, a.private,
       COALESCE(SUM(f.vote = 1), 0) AS up, COALESCE(SUM(f.vote = -1), 0) AS down
FROM answers a LEFT JOIN feedback f USING (answer_id)
GROUP BY a.answer_id
{having}
ORDER BY a.created DESC, a.rowid DESC
{limit}
"""


@dataclass(frozen=True, slots=True)
class VotedAnswer:
    """An answer as exported: what was asked and answered, and how users voted on it."""

    answer_id: str
    created: str  # ISO 8601, UTC
    question: str
    answer: str
    abstained: bool
    answerer: str
    private: bool  # an ephemeral reply only the asker saw
    up: int
    down: int


def feedback_db(settings: BotSettings) -> Path:
    """Where the bot keeps answers and votes."""
    from bot.discord_adapter.feedback import FEEDBACK_DB

    return Path(settings.data_dir) / FEEDBACK_DB


def read_answers(
    path: Path, *, voted_only: bool = False, limit: int | None = None
) -> list[VotedAnswer]:
    """Answers with vote counts, newest first, read without writing anything."""
    sql = _ANSWERS_WITH_VOTES.format(
        having="HAVING up + down > 0" if voted_only else "",
        limit="LIMIT ?" if limit is not None else "",
    )
    db = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute(sql, (limit,) if limit is not None else ()).fetchall()
    finally:
        db.close()
    return [
        VotedAnswer(
            answer_id=str(answer_id),
            created=datetime.fromtimestamp(float(created), UTC).isoformat(timespec="seconds"),
            question=str(question),
            answer=str(answer),
            abstained=bool(abstained),
            answerer=str(answerer),
            private=bool(private),
            up=int(up),
            down=int(down),
        )
        for answer_id, created, question, answer, abstained, answerer, private, up, down in rows
    ]


def record_refusal(settings: BotSettings, answer: Answer) -> None:
    """Count a question the CLI had to refuse as a coverage gap, as the bot does.

    Only where the data folder already exists (a CLI question must not create one), and never
    fatal: the answer was already printed.
    """
    if not answer.abstained or not Path(settings.data_dir).is_dir():
        return
    from bot.discord_adapter.feedback import FeedbackStore

    try:
        FeedbackStore(feedback_db(settings)).record_gap(answer.question)
    except (sqlite3.Error, OSError) as exc:
        log.warning("could not record the refused question as a coverage gap: %s", exc)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON array on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row on stdout.")
@click.option("--voted", is_flag=True, help="Only answers that got at least one vote.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the N newest.")
def feedback(as_json: bool, as_csv: bool, voted: bool, limit: int | None) -> None:
    """Answers the bot gave, newest first, with their 👍/👎 votes (export with --csv/--json)."""
    from vectorstore.config import data_dir_hint

    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    settings = load_settings()
    path = feedback_db(settings)
    try:
        found = read_answers(path, voted_only=voted, limit=limit) if path.is_file() else []
    except sqlite3.Error as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc
    if not path.is_file():
        click.echo(f"No feedback database ({data_dir_hint(settings)}).", err=True)
    if as_json:
        click.echo(json.dumps([asdict(a) for a in found], ensure_ascii=False))
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(asdict(a) for a in found)
    elif not found:
        click.echo("No answers recorded yet." if not voted else "No answer has a vote yet.")
    else:
        for a in found:
            refused = "  (refused)" if a.abstained else ""
            click.echo(f"{a.created}  +{a.up} -{a.down}  {a.answer_id}{refused}")
            click.echo(f"  Q: {_one_line(a.question)[:200]}")
            click.echo(f"  A: {_one_line(a.answer)[:200]}")


def register(main: click.Group, eval_group: click.Group) -> None:
    """Add this module's commands to ``footnote``."""
    main.add_command(feedback)
