"""Core of the fake GitHub REST API: routing, auth, call log, outages, rate limit, ETags, pages.

Shapes follow GitHub's REST description (npm `@octokit/openapi`); only the
fields goldenpath reads are guaranteed, plus the ones githubkit needs to parse.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from fakes.github.ratelimit import RateLimit, exceeded, not_modified
from fakes.github.ratelimit import etag as ratelimit_etag

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN = "ghs_fake-installation-token"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One request as the fake saw it, with the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    authorization: str
    headers: dict[str, str] = field(default_factory=dict)  # the request's, lower-case names

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS


Handler = Callable[["FakeGitHub", Request], Reply]
# An injected fault: given (method, path), a reply that replaces the route's, or None.
Fault = Callable[[str, str], "Reply | None"]


class FakeGitHub:
    """A stateful GitHub REST API on loopback.

    `state` is plain data that routes read and write (each concern keeps its own
    keys). `git_root`, when set, is where `file://` remotes live: creating a repo
    creates the bare repository `<git_root>/<org>/<repo>.git`.
    `fail_writes_from = N` starts an outage: the Nth write and every later one
    answer 500, so a client retry cannot hide it. `faults` holds finer
    injections (a repo that always errors, a rate limit that resets): the
    first that answers replaces the route's reply. `rate_limit` is the token's
    budget (`ratelimit.py`: headers on every response, 304s free, 403 when
    spent). `ignores_page = True` makes every listing answer its first page
    whatever `page` asks, as a broken proxy might, while its `Link` still
    offers a next page.
    """

    def __init__(self, *, git_root: Path | None = None, token: str = TOKEN) -> None:
        self.git_root = git_root
        self.token = token
        self.state: dict[str, Any] = {}
        self.calls: list[Call] = []
        self.fail_writes_from: int | None = None
        self.faults: list[Fault] = []
        self.rate_limit = RateLimit()
        self.ignores_page = False
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._next_id = 1000

    # -- routes ------------------------------------------------------------------
    def route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        """Register a handler for `template` such as `/repos/{owner}/{repo}`.

        `{name}` matches one path segment; `{name+}` matches the rest of the path.
        """
        regex = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", template)
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)

        def register(handler: Handler) -> Handler:
            self._routes.append((method, re.compile(f"^{regex}$"), handler))
            return handler

        return register

    def templates(self) -> list[tuple[str, str]]:
        """(method, path template) of every route, for checking against GitHub's description."""
        found = []
        for method, pattern, _ in self._routes:
            template = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern.pattern[1:-1])
            found.append((method, template))
        return found

    # -- state helpers -----------------------------------------------------------
    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def writes(self) -> list[Call]:
        return [call for call in self.calls if call.is_write]

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> FakeGitHub:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are separate writes: without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every response on a kept-alive connection.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                reply = fake._dispatch(self)
                payload = b"" if reply.body is None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the call log is the record."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self if self._server else self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- dispatch ----------------------------------------------------------------
    def _dispatch(self, http: BaseHTTPRequestHandler) -> Reply:
        method = http.command
        split = urlsplit(http.path)
        path = unquote(split.path)
        query = {key: values[-1] for key, values in parse_qs(split.query).items()}
        if self.ignores_page:
            query.pop("page", None)
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        headers = {key.lower(): value for key, value in http.headers.items()}
        authorization = headers.get("authorization", "")
        with self._lock:
            spent = self.rate_limit.spent()
        reply = (
            Reply(*exceeded()) if spent else self._answer(method, path, query, body, headers, authorization)
        )
        with self._lock:
            if reply.status != 304:
                self.rate_limit.spend()
            reply.headers = {**self.rate_limit.headers(), **reply.headers}
            self.calls.append(Call(method, path, query, body, reply.status, authorization, headers))
        return reply

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        headers: dict[str, str],
        authorization: str,
    ) -> Reply:
        if authorization.split(" ", 1)[-1] != self.token:
            return Reply(401, {"message": "Bad credentials"})
        if method in WRITE_METHODS:
            with self._lock:
                number = 1 + sum(call.is_write for call in self.calls)
            if self.fail_writes_from is not None and number >= self.fail_writes_from:
                return Reply(500, {"message": "Server Error (injected outage)"})
        for fault in list(self.faults):
            injected = fault(method, path)
            if injected is not None:
                return injected
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if route_method == method and match:
                with self._lock:
                    reply = handler(self, Request(method, path, match.groupdict(), query, body, headers))
                return self._conditional(reply, headers) if method == "GET" else reply
        return Reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})

    def _conditional(self, reply: Reply, headers: dict[str, str]) -> Reply:
        """A GET's validators, and 304 with no body (and no Link) when the request's conditions hold."""
        if reply.status != 200:
            return reply
        validators = not_modified(reply, headers, self.token)
        if validators is not None:
            return Reply(304, None, validators)
        return Reply(200, reply.body, {**reply.headers, "ETag": ratelimit_etag(reply.body, self.token)})


def page(request: Request, items: list[Any], base_url: str) -> Reply:
    """One page of `items` with GitHub's `per_page`/`page` parameters and Link header (other parameters kept)."""
    per_page = min(int(request.query.get("per_page", "30")), 100)
    number = max(int(request.query.get("page", "1")), 1)
    chunk = items[(number - 1) * per_page : number * per_page]
    links = []

    def at(page_number: int) -> str:
        query = urlencode({**request.query, "per_page": per_page, "page": page_number})
        return f"{base_url}{request.path}?{query}"

    if number * per_page < len(items):
        last = (len(items) + per_page - 1) // per_page
        links.append(f'<{at(number + 1)}>; rel="next"')
        links.append(f'<{at(last)}>; rel="last"')
    return Reply(200, chunk, {"Link": ", ".join(links)} if links else {})
