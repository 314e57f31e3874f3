"""A per-user sliding-window rate limit for questions (slash commands and mentions alike)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Hashable

from vectorstore.errors import FootnoteError


class RateLimited(FootnoteError):
    """The user asked too many questions; ``retry_after`` seconds until the next one is allowed."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        seconds = max(1, round(retry_after + 0.5))
        super().__init__(
            f"You're asking questions faster than I can keep up. "
            f"Please try again in {seconds} second{'s' if seconds != 1 else ''}."
        )


class RateLimiter:
    """At most ``max_calls`` per ``period`` seconds for each key (a user id).

    Args:
        max_calls: Calls allowed within one window.
        period: Window length in seconds.
        clock: Monotonic clock; tests pass a fake one.
    """

    def __init__(
        self, max_calls: int, period: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_calls < 1 or period <= 0:
            raise ValueError("max_calls must be >= 1 and period > 0")
        self.max_calls = max_calls
        self.period = period
        self._clock = clock
        self._calls: defaultdict[Hashable, deque[float]] = defaultdict(deque)
        self._quiet_until: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` may call again (0.0 when it may call now); records nothing."""
        with self._lock:
            now = self._clock()
            calls = self._expire(key, now)
            if len(calls) < self.max_calls:
                return 0.0
            return calls[0] + self.period - now

    def hit(self, key: Hashable) -> None:
        """Record one call by ``key``.

        Raises:
            RateLimited: ``key`` used up its calls for the current window.
        """
        with self._lock:
            now = self._clock()
            calls = self._expire(key, now)
            if len(calls) >= self.max_calls:
                raise RateLimited(calls[0] + self.period - now)
            calls.append(now)

    def notice_due(self, key: Hashable, retry_after: float) -> bool:
        """Whether ``key`` should be told about its refusal (once per window, not per call).

        A user who keeps asking while limited gets one public notice, then quieter feedback.
        """
        with self._lock:
            now = self._clock()
            for k in [k for k, until in self._quiet_until.items() if until <= now]:
                del self._quiet_until[k]  # keep the dict small: only users limited right now
            if key in self._quiet_until:
                return False
            self._quiet_until[key] = now + retry_after
            return True

    def _expire(self, key: Hashable, now: float) -> deque[float]:
        calls = self._calls[key]
        while calls and calls[0] <= now - self.period:
            calls.popleft()
        return calls
