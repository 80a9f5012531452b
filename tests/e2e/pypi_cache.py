"""A pull-through cache of PyPI's simple index on loopback, for the pip installs inside act runs.

Why: every run installs Poetry and goldenpath's locked dependencies into fresh
virtualenvs, as a runner does, and each of those installs took 15-20 s, most of
it pip fetching ~45 index pages and weighing every file listed there (pydantic-core's page
alone lists 15 000 wheels, for every platform and Python). pip's own HTTP cache cannot
help where the network in front of PyPI answers without cache headers, as here.

The runs' pip reads this index instead (`PIP_INDEX_URL`): each page and file is
fetched from PyPI once per test session, into a directory every xdist worker
shares, and served from there. A page lists every release, sdist and pure wheel
PyPI lists, and of the binary wheels those a CPython of the settings' versions on
this machine's platform can install; files for other platforms are left out, as
pip would skip them here anyway. Versions, hashes, `requires-python` and yanked
marks are PyPI's own.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from packaging import tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

UPSTREAM_INDEX = "https://pypi.org/simple/"
UPSTREAM_FILES = "https://files.pythonhosted.org/"
PROJECT = re.compile(r"[a-z0-9][a-z0-9._-]*")
FILE_PATH = re.compile(r"packages/[A-Za-z0-9/._+%-]+")
# One file of a PEP 503 page: `<a href="..." ...>name</a><br />`.
ANCHOR = re.compile(r"<a [^>]*>(?P<name>[^<]+)</a>\s*(?:<br\s*/>)?\n?")


def installable_tags(pythons: tuple[str, ...]) -> frozenset[tags.Tag]:
    """Wheel tags a CPython of each `pythons` version ("3.11") can install on this machine."""
    platforms = list(tags.platform_tags())
    found: set[tags.Tag] = set()
    for version in pythons:
        major, minor = (int(part) for part in version.split(".")[:2])
        found.update(tags.cpython_tags((major, minor), platforms=platforms))
        found.update(tags.compatible_tags((major, minor), platforms=platforms))
    return frozenset(found)


@dataclass(frozen=True)
class PypiCache:
    """Pages and files under `root`, each fetched from PyPI the first time it is asked for."""

    root: Path
    installable: frozenset[tags.Tag]

    def page(self, project: str) -> bytes | None:
        """The simple-index page of `project`, its file links pointing here; None when PyPI has none."""
        name = re.sub(r"[-_.]+", "-", project).lower()
        path = self.root / "simple" / f"{name}.html"
        if not path.is_file():
            try:
                upstream = _fetch(f"{UPSTREAM_INDEX}{name}/", accept="text/html")
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    return None
                raise
            page = ANCHOR.sub(self._keep_installable, upstream.decode("utf-8"))
            _write_atomically(path, page.replace(UPSTREAM_FILES, "/files/").encode("utf-8"))
        return path.read_bytes()

    def _keep_installable(self, anchor: re.Match[str]) -> str:
        name = anchor["name"].strip()
        if not name.endswith(".whl"):
            return anchor[0]
        try:
            wheel_tags = parse_wheel_filename(name)[3]
        except InvalidWheelFilename:
            return anchor[0]
        return anchor[0] if wheel_tags & self.installable else ""

    def file(self, relative: str) -> Path:
        """`packages/...` of files.pythonhosted.org (a wheel, an sdist, a `.metadata`), kept here."""
        path = self.root / "files" / relative
        if not path.is_file():
            _write_atomically(path, _fetch(f"{UPSTREAM_FILES}{relative}", accept="*/*"))
        return path


def _fetch(url: str, accept: str) -> bytes:
    """GET one of PyPI's fixed https URLs (UPSTREAM_INDEX, UPSTREAM_FILES)."""
    headers = {"Accept": accept, "User-Agent": "goldenpath-e2e-pypi-cache"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        body: bytes = response.read()
        return body


def _write_atomically(path: Path, body: bytes) -> None:
    """Another worker may be writing the same file: each writes its own and renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(body)
    Path(temporary).replace(path)


def _handler(cache: PypiCache) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            try:
                if (page := re.fullmatch(r"/simple/([^/]+)/?", path)) and PROJECT.fullmatch(page[1].lower()):
                    body = cache.page(page[1])
                    if body is None:
                        self._send(404, b"no such project\n", "text/plain")
                    else:
                        self._send(200, body, "text/html")
                elif (file := re.fullmatch(r"/files/(.+)", path)) and FILE_PATH.fullmatch(file[1]):
                    self._send(200, cache.file(file[1]).read_bytes(), "application/octet-stream")
                else:
                    self._send(404, b"not here\n", "text/plain")
            except (urllib.error.URLError, TimeoutError) as error:
                self._send(502, f"PyPI: {error}\n".encode(), "text/plain")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the runs' logs are pip's side of it."""

    return Handler


@contextmanager
def serve_pypi_cache(root: Path, pythons: tuple[str, ...]) -> Iterator[str]:
    """The cache serving on 127.0.0.1 for the duration of the block; yields its index URL."""
    cache = PypiCache(root, installable_tags(pythons))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(cache))
    # A short poll: shutdown() waits for it.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()
