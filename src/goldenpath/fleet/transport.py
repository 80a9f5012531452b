"""The scan's HTTP layer under githubkit: conditional requests from a persistent cache, and a meter.

Every GET with a cached answer is sent conditionally: `If-None-Match` when
the ETag was read with the same credential (GitHub's ETags are per token, so
a new installation token cannot reuse them), and `If-Modified-Since` whenever
the answer had `Last-Modified` (which any token may reuse). A `304 Not
Modified` is answered from the cache, with the stored headers (GitHub sends no
`Link` on a 304) refreshed by the new ones, and costs no rate limit. Every
response passes the `Meter`, which counts calls and 304s and keeps the newest
primary rate-limit state the headers report.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from goldenpath.fleet.store import CachedResponse, Store

# Headers that describe the transfer, not the resource: never replayed from the cache.
_TRANSFER = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"})
# Headers a 304 carries that replace the stored ones.
_FRESH_PREFIXES = ("x-ratelimit-", "etag", "last-modified", "date", "x-github-request-id")


@dataclass(frozen=True)
class RateLimitState:
    """The primary (core) budget as the last response reported it."""

    limit: int
    remaining: int
    reset: float  # epoch seconds
    used: int


class Meter:
    """Counts a scan's calls and keeps the newest rate-limit state (thread-safe)."""

    def __init__(self) -> None:
        self.calls = 0
        self.not_modified = 0
        self.rate: RateLimitState | None = None
        self._lock = threading.Lock()

    def observe(self, response: httpx.Response) -> None:
        state = _rate_limit(response.headers)
        with self._lock:
            self.calls += 1
            if response.status_code == 304:
                self.not_modified += 1
            if state is None:
                return
            current = self.rate
            if (
                current is None
                or state.reset > current.reset
                or (state.reset == current.reset and state.remaining < current.remaining)
            ):
                self.rate = state

    def assume_refilled(self, now: float | None = None) -> None:
        """After its reset, GitHub's window starts full; until a response says otherwise, so does ours."""
        with self._lock:
            rate = self.rate
            if rate is not None and (now or time.time()) >= rate.reset:
                self.rate = RateLimitState(rate.limit, rate.limit, rate.reset + 3600, 0)


class CachingTransport(httpx.BaseTransport):
    """Conditional GETs from `store`, every response metered; shared by every worker's client.

    httpx closes a client's transport when the client closes; the cache outlives
    the per-worker clients, so `close` only closes the calling thread's
    connections (the inner transport keeps them per thread) and `shutdown` the rest.
    """

    def __init__(self, store: Store, meter: Meter, inner: httpx.BaseTransport) -> None:
        self.store = store
        self.meter = meter
        self.inner = inner
        self._fingerprints: dict[str, str] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            response = self.inner.handle_request(request)
            self.meter.observe(response)
            return response
        key = _key(request)
        credential = self._fingerprint(request.headers.get("authorization", ""))
        cached = self.store.response(key)
        if cached is not None:
            _make_conditional(request, cached, credential)
        response = self.inner.handle_request(request)
        self.meter.observe(response)
        if response.status_code == 304 and cached is not None:
            response.read()  # the (empty) body to its end, so the connection goes back to the pool
            response.close()
            return _replay(request, cached, response.headers)
        if response.status_code == 200 and (
            "etag" in response.headers or "last-modified" in response.headers
        ):
            body = response.read()
            headers = _resource_headers(response.headers)
            self.store.put_response(
                key,
                CachedResponse(
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                    credential,
                    headers,
                    body,
                ),
            )
            return httpx.Response(200, headers=headers, content=body, request=request)
        return response

    def close(self) -> None:
        """A worker's client is done: its thread's connections close (`bounded_transport` keeps them per thread)."""
        self.inner.close()

    def shutdown(self) -> None:
        self.inner.close()

    def _fingerprint(self, authorization: str) -> str:
        with self._lock:
            if authorization not in self._fingerprints:
                self._fingerprints[authorization] = self.store.fingerprint(authorization)
            return self._fingerprints[authorization]


def _key(request: httpx.Request) -> str:
    """The URL (host, path, query) and the media type asked for: what GitHub's answer depends on."""
    return f"{request.url} {request.headers.get('accept', '')}"


def _make_conditional(request: httpx.Request, cached: CachedResponse, credential: str) -> None:
    same_credential = cached.credential == credential
    if cached.etag and (same_credential or not cached.last_modified):
        request.headers["If-None-Match"] = cached.etag
    if cached.last_modified:
        request.headers["If-Modified-Since"] = cached.last_modified


def _replay(request: httpx.Request, cached: CachedResponse, fresh: httpx.Headers) -> httpx.Response:
    headers = dict(cached.headers)
    for name, value in fresh.items():
        if name.lower().startswith(_FRESH_PREFIXES):
            headers[name.lower()] = value
    headers["x-goldenpath-cache"] = "revalidated"
    return httpx.Response(200, headers=headers, content=cached.body, request=request)


def _resource_headers(headers: httpx.Headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items() if name.lower() not in _TRANSFER}


def _rate_limit(headers: httpx.Headers) -> RateLimitState | None:
    if headers.get("x-ratelimit-resource", "core") != "core":
        return None
    try:
        limit = int(headers["x-ratelimit-limit"])
        remaining = int(headers["x-ratelimit-remaining"])
        reset = float(headers["x-ratelimit-reset"])
    except (KeyError, ValueError):
        return None
    return RateLimitState(limit, remaining, reset, int(headers.get("x-ratelimit-used", limit - remaining)))
