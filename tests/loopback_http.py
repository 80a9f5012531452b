"""A quiet HTTP(S) server on 127.0.0.1 for the test doubles of package indexes.

The org's index (`platform_index.py`) and the act runs' PyPI cache
(`e2e/pypi_cache.py`) answer differently, and serve the same way: a threaded
server on a free port for the duration of a block, that logs nothing (a test's
output is for its own findings), optionally speaking https (`loopback_tls.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from loopback_tls import LoopbackTls


class QuietHandler(BaseHTTPRequestHandler):
    def send_body(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@contextmanager
def serving(handler: type[QuietHandler], tls: LoopbackTls | None = None) -> Iterator[str]:
    """`handler` serving until the block ends; yields the base URL, `http(s)://127.0.0.1:<port>`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.server_context().wrap_socket(server.socket, server_side=True)
    # A short poll: shutdown() waits for it.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
