"""What the bot remembers in SQLite: answers (for buttons and /source), votes, coverage gaps.

One small database under ``data_dir`` (``feedback.sqlite``). Each call opens its own
connection, so the store can be used from worker threads; the cogs call it through
``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.discord_adapter.render import CitedPassage
from bot.engine.models import Answer

log = logging.getLogger(__name__)

FEEDBACK_DB = "feedback.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    answer_id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    guild_id INTEGER,
    channel_id INTEGER,
    user_id INTEGER,
    private INTEGER NOT NULL DEFAULT 0,
    question TEXT NOT NULL,
    standalone_question TEXT NOT NULL,
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    answerer TEXT NOT NULL,
    citations TEXT NOT NULL,
    sources TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_by_channel ON answers (channel_id, created);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT NOT NULL REFERENCES answers (answer_id),
    user_id INTEGER NOT NULL,
    vote INTEGER NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (answer_id, user_id)
);
CREATE TABLE IF NOT EXISTS gaps (
    key TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS threads (
    thread_id INTEGER PRIMARY KEY,
    answer_id TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """An answer as the bot remembers it."""

    answer_id: str
    question: str
    answer: str
    abstained: bool
    citations: tuple[CitedPassage, ...]
    sources: tuple[dict[str, object], ...]
    channel_id: int | None = None
    user_id: int | None = None
    private: bool = False


@dataclass(frozen=True, slots=True)
class Feedback:
    """One vote on one answer."""

    answer_id: str
    user_id: int
    vote: int  # +1 or -1
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class Gap:
    """A question the bot had to refuse, with how often it was asked."""

    question: str
    count: int
    first_seen: str
    last_seen: str

    def as_json(self) -> dict[str, object]:
        """The ``footnote gaps --json`` shape."""
        return asdict(self)


def gap_key(question: str) -> str:
    """Questions that differ only in case, spacing or final punctuation count as one gap."""
    return re.sub(r"\s+", " ", question).strip().rstrip("?!. ").casefold()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """SQLite store of answers, votes and coverage gaps.

    Args:
        path: The database file; its directory is created when missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> FeedbackStore:
        """The store at ``data_dir/feedback.sqlite``."""
        return cls(Path(data_dir) / FEEDBACK_DB)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            with db:  # one transaction: commit on success, roll back on error
                yield db
        finally:
            db.close()

    def record_answer(
        self,
        answer: Answer,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int | None = None,
        private: bool = False,
    ) -> str:
        """Remember an answer (and its refusal as a coverage gap); returns its new id."""
        answer_id = uuid.uuid4().hex[:16]
        citations = [asdict(CitedPassage.from_citation(c)) for c in answer.citations]
        sources = [
            {
                "passage_id": h.passage.id,
                "article_id": h.passage.article_id,
                "title": h.passage.title,
                "url": h.passage.url,
                "source": h.passage.source,
                "published": h.passage.published,
                "score": h.score,
            }
            for h in answer.sources
        ]
        now = time.time()
        with self._connect() as db:
            db.execute(
                "INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    answer_id,
                    now,
                    guild_id,
                    channel_id,
                    user_id,
                    int(private),
                    answer.question,
                    answer.standalone_question,
                    answer.text,
                    int(answer.abstained),
                    answer.answerer,
                    json.dumps(citations),
                    json.dumps(sources),
                ),
            )
            if answer.abstained:
                self._record_gap(db, answer.question, now)
        log.debug("recorded answer %s abstained=%s", answer_id, answer.abstained)
        return answer_id

    def get_answer(self, answer_id: str) -> StoredAnswer | None:
        """The answer with this id, if remembered."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM answers WHERE answer_id = ?", (answer_id,)).fetchone()
        return self._stored(row) if row else None

    def last_answer(self, channel_id: int, user_id: int | None = None) -> StoredAnswer | None:
        """The latest answer in a channel or thread that ``user_id`` could see.

        Private (ephemeral) answers count only for the user who asked.
        """
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM answers WHERE channel_id = ? AND (private = 0 OR user_id = ?) "
                "ORDER BY created DESC, rowid DESC LIMIT 1",
                (channel_id, user_id),
            ).fetchone()
        return self._stored(row) if row else None

    def record_vote(self, answer_id: str, user_id: int, vote: int) -> None:
        """Store (or change) ``user_id``'s vote (+1 / -1) on an answer."""
        if vote not in (1, -1):
            raise ValueError("vote must be +1 or -1")
        with self._connect() as db:
            db.execute(
                "INSERT INTO feedback VALUES (?,?,?,?) ON CONFLICT (answer_id, user_id) "
                "DO UPDATE SET vote = excluded.vote, created = excluded.created",
                (answer_id, user_id, vote, time.time()),
            )

    def votes(self) -> list[Feedback]:
        """Every vote with the question and answer it was about, newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT f.answer_id, f.user_id, f.vote, a.question, a.answer "
                "FROM feedback f JOIN answers a USING (answer_id) ORDER BY f.created DESC"
            ).fetchall()
        return [Feedback(*row) for row in rows]

    def record_gap(self, question: str) -> None:
        """Count a refused question as a coverage gap."""
        with self._connect() as db:
            self._record_gap(db, question, time.time())

    def gaps(self, limit: int | None = None) -> list[Gap]:
        """Refused questions, most asked first."""
        sql = "SELECT question, count, first_seen, last_seen FROM gaps "
        sql += "ORDER BY count DESC, last_seen DESC"
        params: Sequence[object] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        with self._connect() as db:
            rows = db.execute(sql, params).fetchall()
        return [Gap(q, n, _iso(first), _iso(last)) for q, n, first, last in rows]

    def gap_count(self) -> int:
        """How many distinct questions were refused."""
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM gaps").fetchone()[0])

    def link_thread(self, thread_id: int, answer_id: str) -> None:
        """Remember that a thread was opened on an answer (its conversation starts there)."""
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO threads VALUES (?, ?)", (thread_id, answer_id))

    def thread_root(self, thread_id: int) -> StoredAnswer | None:
        """The answer a bot thread was opened on, if this is such a thread."""
        with self._connect() as db:
            row = db.execute(
                "SELECT a.* FROM threads t JOIN answers a USING (answer_id) WHERE t.thread_id = ?",
                (thread_id,),
            ).fetchone()
        return self._stored(row) if row else None

    @staticmethod
    def _record_gap(db: sqlite3.Connection, question: str, now: float) -> None:
        db.execute(
            "INSERT INTO gaps VALUES (?,?,1,?,?) ON CONFLICT (key) "
            "DO UPDATE SET count = count + 1, last_seen = excluded.last_seen, "
            "question = excluded.question",
            (gap_key(question), question.strip(), now, now),
        )

    @staticmethod
    def _stored(row: Sequence[object]) -> StoredAnswer:
        (answer_id, _created, _guild, channel, user, private, question, _standalone, text,
         abstained, _answerer, citations, sources) = row  # fmt: skip
        return StoredAnswer(
            answer_id=str(answer_id),
            question=str(question),
            answer=str(text),
            abstained=bool(abstained),
            citations=tuple(CitedPassage.from_json(c) for c in json.loads(str(citations))),
            sources=tuple(json.loads(str(sources))),
            channel_id=int(channel) if channel is not None else None,  # type: ignore[call-overload]
            user_id=int(user) if user is not None else None,  # type: ignore[call-overload]
            private=bool(private),
        )
