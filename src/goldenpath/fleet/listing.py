"""Paged GitHub listings, followed the way GitHub asks: by the `Link` header's `rel="next"`.

A listing ends when a page has no next link. It is refused (an `Outage`,
exit 3) rather than followed forever when the next link repeats one already
read, when a page brings nothing new (a server that ignores `page` answers
the first page again), when the next link points at another host (the token
must not travel there), or after `MAX_PAGES` pages.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import httpx
from githubkit import GitHub, Response, TokenAuthStrategy

from goldenpath.errors import Outage

MAX_PAGES = 200  # 20,000 items at 100 a page: far beyond any org this scans, short of forever

Fetch = Callable[[], Response[Any, Any]]


def read_all(
    gh: GitHub[TokenAuthStrategy],
    first: Fetch,
    *,
    what: str,
    key: Callable[[Any], Hashable],
    max_pages: int = MAX_PAGES,
) -> list[Any]:
    """Every item of a listing whose first page `first` reads; `key` tells items apart."""
    response = first()
    base = response.raw_request.url
    items: list[Any] = []
    seen: set[Hashable] = set()
    followed = {str(base)}
    for number in range(1, max_pages + 1):
        batch = response.json()
        if not isinstance(batch, list):
            raise Outage(f"{what}: page {number} is not a list", _FIX)
        fresh = [item for item in batch if key(item) not in seen]
        if batch and not fresh:
            raise Outage(f"{what}: page {number} repeats earlier items (the server ignores `page`)", _FIX)
        items += fresh
        seen.update(key(item) for item in fresh)
        next_url = _next(response.raw_response)
        if next_url is None:
            return items
        if (next_url.scheme, next_url.host, next_url.port) != (base.scheme, base.host, base.port):
            raise Outage(f"{what}: the next page is on another host ({next_url.host})", _FIX)
        if str(next_url) in followed:
            raise Outage(f"{what}: page {number} links back to a page already read", _FIX)
        if number == max_pages:
            break
        followed.add(str(next_url))
        response = gh.request("GET", next_url)
    raise Outage(f"{what}: still more after {max_pages} pages; stopped rather than read forever", _FIX)


_FIX = (
    "check that GITHUB_API_URL is GitHub's API (a proxy in between may ignore paging); "
    "run the same command again once it answers"
)


def _next(response: httpx.Response) -> httpx.URL | None:
    link = response.links.get("next")
    if not link or not link.get("url"):
        return None
    return response.request.url.join(link["url"])
