"""The org's package index in tests: pypiserver on loopback, over https, with an upload token.

Generated repositories resolve everything from `python.package_index`, where the
release workflow uploads the goldenpath wheel (`goldenpath release upload`).
Tests cannot upload to a real index, so they run a real index server,
pypiserver: its simple pages, its upload API (user `__token__`, the token as
password, from an htpasswd file) and its redirect of projects it does not hold
to the public index. Around it, what a test needs to see or to break: the
Authorization header of every page read, an outage that fails every upload from
some point on (`failing`), and goldenpath kept the org's own (an index that
proxies PyPI must never answer goldenpath from there, ADR 0012).

The server runs in a process of its own (this file is its program): pypiserver's
web framework installs a legacy import hook that would turn every later import
of a test process into a warning. The test and the server share a state folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loopback_tls import LoopbackTls

OWN_PROJECT = "goldenpath"


class PlatformIndex:
    """Wheels under `root`, served at `url` (`.../simple/`), uploaded to `upload_url`."""

    def __init__(self, root: Path, state: Path) -> None:
        self.root = root
        self.state = state
        self.url = ""  # .../simple/
        self.upload_url = ""  # .../ (pypiserver takes uploads at its root)

    @property
    def failing(self) -> bool:
        """An outage: while set, every upload answers 503."""
        return (self.state / "down").exists()

    @failing.setter
    def failing(self, down: bool) -> None:
        (self.state / "down").touch() if down else (self.state / "down").unlink(missing_ok=True)

    @property
    def read_authorizations(self) -> list[str | None]:
        """The Authorization header of each page read, in order."""
        reads = self.state / "reads.jsonl"
        lines = reads.read_text(encoding="utf-8").splitlines() if reads.exists() else []
        return [json.loads(line) for line in lines]

    @property
    def uploads(self) -> list[str]:
        """The files it holds, oldest first."""
        return [path.name for path in sorted(self.root.iterdir(), key=lambda path: path.stat().st_mtime_ns)]


@contextmanager
def serve_platform_index(
    root: Path, upstream: str, *, token: str | None = None, tls: LoopbackTls | None = None
) -> Iterator[PlatformIndex]:
    """A running index on 127.0.0.1 for the duration of the block; without `token`, no upload is allowed."""
    root.mkdir(parents=True, exist_ok=True)
    state = root.parent / f"{root.name}-state"
    state.mkdir(exist_ok=True)
    index = PlatformIndex(root, state)
    argv = [sys.executable, "-W", "ignore", __file__, str(root), str(state), upstream]
    argv += ["--token", token] if token is not None else []
    argv += ["--cert", str(tls.cert), "--key", str(tls.key)] if tls is not None else []
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as server:
        assert server.stdout is not None
        port = server.stdout.readline().strip()
        assert port.isdigit(), f"the index did not start: {port!r}"
        base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        index.url, index.upload_url = f"{base}/simple/", f"{base}/"
        try:
            yield index
        finally:
            server.terminate()


# -- the server's own process --------------------------------------------------------------


def _around(app: Callable[..., Iterable[bytes]], root: Path, state: Path) -> Callable[..., Iterable[bytes]]:
    """pypiserver, with the test's view of it and its faults."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        if method == "POST" and (state / "down").exists():
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"the index is down\n"]
        if method == "GET" and path.startswith("/simple/"):
            with (state / "reads.jsonl").open("a", encoding="utf-8") as reads:
                reads.write(json.dumps(environ.get("HTTP_AUTHORIZATION")) + "\n")
            if path.strip("/") == f"simple/{OWN_PROJECT}" and not list(root.glob(f"{OWN_PROJECT}-*")):
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"no such project\n"]
        return app(environ, start_response)

    return wrapped


def _serve() -> None:
    import ssl
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    import pypiserver
    from passlib.apache import HtpasswdFile

    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("state", type=Path)
    parser.add_argument("upstream")
    parser.add_argument("--token")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    htpasswd = HtpasswdFile(str(args.state / "htpasswd"), new=True)
    if args.token is not None:
        htpasswd.set_password("__token__", args.token)
    htpasswd.save()
    app = pypiserver.app(
        roots=[str(args.root)],
        authenticate=["update"],
        password_file=htpasswd.path,
        fallback_url=args.upstream,
    )

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test's output is for its own findings."""

    server = make_server(
        "127.0.0.1", 0, _around(app, args.root, args.state), server_class=Server, handler_class=Quiet
    )
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    _serve()
