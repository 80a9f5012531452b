"""Pacing by the primary rate limit: start a repo only when its calls fit the budget left.

Before each repo the scan reserves `PER_REPO` calls on top of what repos in
flight have reserved and the `reserve` left for other users of the token.
When that no longer fits, the scan waits for the reset the headers named if
it is at most `max_wait` seconds away (announced, never a guess: no header,
no wait), and otherwise stops: the repos not started are named in the report
and the command exits 3. A reset already past means the window has refilled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from goldenpath.console import progress
from goldenpath.fleet.file_history import HISTORY_LIMIT
from goldenpath.fleet.transport import Meter

# Calls a first scan of one repo may take: tree, tags, files, protection, PR, CI, and the changes of
# an A/B test config (HISTORY_LIMIT of them, and their list).
PER_REPO = 16 + HISTORY_LIMIT + 1
DEFAULT_RESERVE = 100  # calls left for other users of the same token
DEFAULT_MAX_WAIT = 900.0  # seconds the scan may wait for a reset before it stops


class Budget:
    def __init__(
        self,
        meter: Meter,
        *,
        reserve: int = DEFAULT_RESERVE,
        max_wait: float = DEFAULT_MAX_WAIT,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.meter = meter
        self.reserve = reserve
        self.max_wait = max_wait
        self.stopped: str | None = None  # why the scan stopped starting repos
        self._clock = clock
        self._sleep = sleep
        self._in_flight = 0
        self._lock = threading.Lock()

    def admit(self) -> bool:
        """Reserve one repo's calls, waiting for a near reset if need be; False: stop scanning."""
        while True:
            with self._lock:
                if self.stopped:
                    return False
                rate = self.meter.rate
                if rate is None or rate.remaining - self.reserve - PER_REPO * self._in_flight >= PER_REPO:
                    self._in_flight += 1
                    return True
                wait = rate.reset - self._clock()
                if wait <= 0:
                    self.meter.assume_refilled(self._clock())
                    continue
                left = f"{rate.remaining} of {rate.limit} calls left (keeping {self.reserve} in reserve)"
                reset = datetime.fromtimestamp(rate.reset, UTC).strftime("%H:%M:%SZ")
                if wait > self.max_wait:
                    self.stopped = (
                        f"the rate limit would run out: {left} until the reset at {reset}, "
                        f"{wait / 60:.0f} min away (more than --max-wait {self.max_wait:.0f} s)"
                    )
                    return False
            progress(f"rate limit: {left}; waiting {wait:.0f} s for the reset at {reset}")
            self._sleep(wait + 1)
            self.meter.assume_refilled(self._clock())

    def release(self) -> None:
        with self._lock:
            self._in_flight -= 1
