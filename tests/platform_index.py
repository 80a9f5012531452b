"""The org's package index on loopback: goldenpath wheels built here, every other project upstream.

Generated repositories resolve everything from `python.package_index`, where the
release workflow publishes the goldenpath wheel. Tests cannot publish to a real
index, so this serves a PEP 503 simple index of wheels built from checkouts
with poetry, and answers every other project with a redirect to the real
index, whose pages poetry then reads as usual. `use_platform_index` points a
rendered repository at it, as if the org's index were this one.
"""

from __future__ import annotations

import hashlib
import html
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

POETRY = Path(sys.executable).parent / "poetry"
_SOURCE_URL = re.compile(r'(?m)^(name = "platform-index"\nurl = )"[^"]*"')


class PlatformIndex:
    """Wheels under `root`, served at `url` (`.../simple/`); other projects redirect to `upstream`."""

    def __init__(self, root: Path, upstream: str) -> None:
        self.root = root
        self.upstream = upstream.rstrip("/") + "/"
        self.url = ""

    def add(self, checkout: Path) -> Path:
        """Build the wheel of a goldenpath checkout (its working tree) into the index."""
        subprocess.run(
            [str(POETRY), "build", "--format", "wheel", "--output", str(self.root)],
            cwd=checkout,
            capture_output=True,
            check=True,
        )
        return max(self.root.glob("goldenpath-*.whl"), key=lambda wheel: wheel.stat().st_mtime)

    def page(self, project: str) -> bytes | None:
        """The simple-index page of `project`, or None when it is not served here."""
        prefix = project.replace("-", "_") + "-"
        wheels = sorted(wheel for wheel in self.root.glob("*.whl") if wheel.name.startswith(prefix))
        if not wheels:
            return None
        links = "".join(
            f'<a href="../../files/{html.escape(wheel.name)}#sha256='
            f'{hashlib.sha256(wheel.read_bytes()).hexdigest()}">{html.escape(wheel.name)}</a>\n'
            for wheel in wheels
        )
        return f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode()


def _handler(index: PlatformIndex) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = [part for part in self.path.split("?", 1)[0].split("/") if part]
            if parts[:1] == ["files"] and len(parts) == 2 and (index.root / parts[1]).is_file():
                self._send(200, (index.root / parts[1]).read_bytes(), "application/octet-stream")
            elif parts[:1] == ["simple"] and len(parts) == 2:
                project = re.sub(r"[-_.]+", "-", parts[1]).lower()
                page = index.page(project)
                if page is not None:
                    self._send(200, page, "text/html")
                else:
                    self.send_response(302)
                    self.send_header("Location", f"{index.upstream}{project}/")
                    self.end_headers()
            else:
                self._send(404, b"not here\n", "text/plain")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: a test's output is for its own findings."""

    return Handler


@contextmanager
def serve_platform_index(root: Path, upstream: str) -> Iterator[PlatformIndex]:
    """A running index on 127.0.0.1 for the duration of the block."""
    root.mkdir(parents=True, exist_ok=True)
    index = PlatformIndex(root, upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(index))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    index.url = f"http://127.0.0.1:{server.server_address[1]}/simple/"
    try:
        yield index
    finally:
        server.shutdown()
        server.server_close()


def use_platform_index(repo: Path, index: PlatformIndex) -> None:
    """Point a rendered repository's primary poetry source at `index`, as the org's index."""
    pyproject = repo / "pyproject.toml"
    text, count = _SOURCE_URL.subn(rf'\1"{index.url}"', pyproject.read_text(encoding="utf-8"))
    assert count == 1, f"{pyproject} has no platform-index source"
    pyproject.write_text(text, encoding="utf-8")
