"""The primary rate limit and conditional requests, as GitHub answers them.

Every response carries `x-ratelimit-limit`, `-remaining`, `-used`, `-reset`
(epoch seconds) and `-resource`. Every request counts against the budget
except one answered `304 Not Modified`; once it is spent, requests are refused
with 403 "API rate limit exceeded" until the reset, when the window refills.
ETags are bound to the token that read them, as GitHub's are (a new
installation token gets 200 for an old ETag); `If-Modified-Since` is honoured
where a route sends `Last-Modified`, and, as RFC 9110 says, ignored when the
request also has `If-None-Match`.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fakes.github.server import Reply

WINDOW_SECONDS = 3600


@dataclass
class RateLimit:
    """One token's core budget: `remaining` of `limit` until `reset_at` (epoch seconds)."""

    limit: int = 5000
    remaining: int = 5000
    reset_at: float = field(default_factory=lambda: time.time() + WINDOW_SECONDS)
    window: float = WINDOW_SECONDS

    def spent(self) -> bool:
        """True when the budget is used up: the request is refused before it is answered."""
        now = time.time()
        if now >= self.reset_at:
            self.remaining, self.reset_at = self.limit, now + self.window
        return self.remaining <= 0

    def spend(self) -> None:
        self.remaining = max(self.remaining - 1, 0)

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(self.limit - self.remaining),
            "x-ratelimit-reset": str(int(self.reset_at)),
            "x-ratelimit-resource": "core",
        }


def exceeded() -> tuple[int, dict[str, str]]:
    return 403, {
        "message": "API rate limit exceeded for installation.",
        "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api",
    }


def etag(body: object, token: str) -> str:
    digest = hashlib.sha256((token + "\0" + json.dumps(body, sort_keys=True)).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def not_modified(reply: Reply, request_headers: dict[str, str], token: str) -> dict[str, str] | None:
    """The validators of a 304 when the request's conditions hold for `reply`, else None."""
    tag = etag(reply.body, token)
    validators = {"ETag": tag}
    modified = reply.headers.get("Last-Modified")
    if modified:
        validators["Last-Modified"] = modified
    match = request_headers.get("if-none-match")
    if match is not None:
        return validators if tag in (value.strip() for value in match.split(",")) else None
    since = request_headers.get("if-modified-since")
    if since and modified and _date(modified) <= _date(since):
        return validators
    return None


def _date(text: str) -> float:
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return float("inf")
