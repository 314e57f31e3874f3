"""The bot's worker threads: a bounded line for answers, a separate pool for quick lookups.

Answering blocks a thread for seconds (embedding, Chroma, an LLM); autocomplete, ``/source``
lookups and button clicks must answer Discord within 3 seconds. Sharing asyncio's default pool,
a burst of questions left autocomplete waiting behind them, so each kind gets its own threads:
at most ``answer_workers`` answers run at once, the rest wait in line (and are told their
place), and lookups never queue behind an answer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from vectorstore.errors import FootnoteError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Told where a waiting question stands: 1 is next.
OnWait = Callable[[int], Awaitable[None]]


class QueueFull(FootnoteError):
    """Too many questions are waiting already; the message is shown to the user."""


@dataclass(eq=False)
class _Waiter:
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    granted: bool = False


class AnswerQueue:
    """At most ``workers`` answers at a time, each on its own thread; first come, first served.

    Args:
        workers: Answers computed at once (threads of the pool).
        max_waiting: Questions allowed to wait in line; more are refused with ``QueueFull``.
    """

    def __init__(self, workers: int, max_waiting: int) -> None:
        if workers < 1 or max_waiting < 0:
            raise ValueError("workers must be >= 1 and max_waiting >= 0")
        self.workers = workers
        self.max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="footnote-answer")
        self._free = workers
        self._line: deque[_Waiter] = deque()

    @property
    def waiting(self) -> int:
        """Questions waiting for a worker now."""
        return len(self._line)

    async def run(self, fn: Callable[[], T], on_wait: OnWait | None = None) -> T:
        """Run ``fn`` on an answer thread once one is free; ``on_wait`` hears the place in line.

        Raises:
            QueueFull: ``max_waiting`` questions are already waiting.
        """
        await self._acquire(on_wait)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn)
        finally:
            self._release()

    async def _acquire(self, on_wait: OnWait | None) -> None:
        if self._free > 0 and not self._line:
            self._free -= 1
            return
        if len(self._line) >= self.max_waiting:
            raise QueueFull(
                "I'm answering a lot of questions right now; please ask again in a minute."
            )
        me = _Waiter()
        self._line.append(me)
        log.info("question waits for an answer worker: place=%d", len(self._line))
        shown = 0
        try:
            while not me.granted:
                me.wake.clear()
                place = self._line.index(me) + 1
                if on_wait is not None and place != shown:
                    shown = place
                    await on_wait(place)  # awaited here, so it never lands after the answer
                if not me.granted:
                    await me.wake.wait()
        except BaseException:
            if me.granted:  # the slot was handed over while we were being cancelled
                self._release()
            else:
                self._line.remove(me)
                self._wake_all()
            raise

    def _release(self) -> None:
        if self._line:
            nxt = self._line.popleft()
            nxt.granted = True  # the slot passes straight on: no one can overtake
            nxt.wake.set()
            self._wake_all()  # the others moved up one place
        else:
            self._free += 1

    def _wake_all(self) -> None:
        for waiter in self._line:
            waiter.wake.set()

    def shutdown(self) -> None:
        """Stop taking work (threads already answering finish on their own)."""
        self._executor.shutdown(wait=False, cancel_futures=True)


class Workers:
    """The answer line and the lookup pool, created once per bot.

    Args:
        answer_workers: Answers computed at once.
        lookup_workers: Threads for catalog and feedback lookups (autocomplete, /source, buttons).
        max_waiting: Questions allowed to wait for an answer worker.
    """

    def __init__(self, answer_workers: int = 2, lookup_workers: int = 4, max_waiting: int = 50):
        self.answers = AnswerQueue(answer_workers, max_waiting)
        self._lookups = ThreadPoolExecutor(lookup_workers, thread_name_prefix="footnote-lookup")

    async def lookup(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a short blocking call (catalog, feedback store) off the event loop."""
        call = functools.partial(fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._lookups, call)

    def shutdown(self) -> None:
        """Stop both pools (called when the bot closes)."""
        self.answers.shutdown()
        self._lookups.shutdown(wait=False, cancel_futures=True)
