"""The org's package index on loopback: goldenpath wheels uploaded to it, every other project upstream.

Generated repositories resolve everything from `python.package_index`, where the
release workflow uploads the goldenpath wheel (`goldenpath release upload`).
Tests cannot publish to a real index, so this serves a PEP 503 simple index of
the wheels uploaded through the upload API uv and twine speak (a multipart POST
to `/upload/`, with a token as basic auth), and answers every other project
with a redirect to the real index, whose pages poetry then reads as usual.
goldenpath is the org's own project: without a wheel of it the index answers
404, never the public index's page. With `tls`, it speaks https, as settings
require, and it can fail every upload from some point on (`failing`).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loopback_http import QuietHandler, serving
from loopback_tls import LoopbackTls

OWN_PROJECT = "goldenpath"


class PlatformIndex:
    """Wheels under `root`, served at `url` (`.../simple/`); other projects redirect to `upstream`."""

    def __init__(self, root: Path, upstream: str, token: str | None = None) -> None:
        self.root = root
        self.upstream = upstream.rstrip("/") + "/"
        self.token = token  # the upload token (user __token__); None: uploads are refused
        self.failing = False  # an outage: from now on every upload answers 503
        self.uploads: list[str] = []  # file names stored by uploads, in order
        self.read_authorizations: list[str | None] = []  # the Authorization header of each page read
        self.url = ""  # .../simple/
        self.upload_url = ""  # .../upload/

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


def _handler(index: PlatformIndex) -> type[QuietHandler]:
    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path.split("?", 1)[0].rstrip("/") != "/upload":
                self.send_body(404, b"not here\n", "text/plain")
            elif index.failing:
                self.send_body(503, b"the index is down\n", "text/plain")
            elif self.headers.get("Authorization") != _basic("__token__", index.token):
                self.send_body(403, b"Invalid or non-existent authentication information.\n", "text/plain")
            else:
                name, content = _uploaded_file(self.headers.get("Content-Type", ""), body)
                (index.root / name).write_bytes(content)
                index.uploads.append(name)
                self.send_body(200, b"OK\n", "text/plain")

        def do_GET(self) -> None:
            parts = [part for part in self.path.split("?", 1)[0].split("/") if part]
            if parts[:1] == ["files"] and len(parts) == 2 and (index.root / parts[1]).is_file():
                self.send_body(200, (index.root / parts[1]).read_bytes(), "application/octet-stream")
            elif parts[:1] == ["simple"] and len(parts) == 2:
                index.read_authorizations.append(self.headers.get("Authorization"))
                project = re.sub(r"[-_.]+", "-", parts[1]).lower()
                page = index.page(project)
                if page is not None:
                    self.send_body(200, page, "text/html")
                elif project == OWN_PROJECT:
                    self.send_body(404, b"no such project\n", "text/plain")
                else:
                    self.send_response(302)
                    self.send_header("Location", f"{index.upstream}{project}/")
                    self.end_headers()
            else:
                self.send_body(404, b"not here\n", "text/plain")

    return Handler


def _basic(user: str, password: str | None) -> str | None:
    if password is None:
        return None
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _uploaded_file(content_type: str, body: bytes) -> tuple[str, bytes]:
    """The file name and bytes of the `content` field of an upload's multipart form."""
    form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    for part in form.iter_parts():
        if part.get_param("name", header="content-disposition") == "content":
            filename = part.get_filename()
            payload = part.get_payload(decode=True)
            assert filename and isinstance(payload, bytes), "an upload names and carries its file"
            return Path(filename).name, payload
    raise AssertionError("an upload has a `content` field")


@contextmanager
def serve_platform_index(
    root: Path, upstream: str, *, token: str | None = None, tls: LoopbackTls | None = None
) -> Iterator[PlatformIndex]:
    """A running index on 127.0.0.1 for the duration of the block."""
    root.mkdir(parents=True, exist_ok=True)
    index = PlatformIndex(root, upstream, token)
    with serving(_handler(index), tls) as base:
        index.url, index.upload_url = f"{base}/simple/", f"{base}/upload/"
        yield index
