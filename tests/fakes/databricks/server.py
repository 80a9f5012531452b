"""The HTTP side of the fake workspace: auth, routing, Databricks error bodies, the server thread."""

from __future__ import annotations

import base64
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fakes.databricks.core import FAKE_TOKEN, ROUTES, ApiError, Call, Request
from fakes.databricks.workspace import Workspace

UNAUTHENTICATED = ("/oidc/", "/github-oidc-token", "/.well-known/")


class _Handler(BaseHTTPRequestHandler):
    workspace: Workspace

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the calls are recorded in the workspace instead."""

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = self._body(raw)
        self.workspace.calls.append(Call(self.command, path, query, body))
        try:
            identity = self._identity(path)
            if path in self.workspace.denied:
                raise ApiError(HTTPStatus.FORBIDDEN, "PERMISSION_DENIED", f"{identity} may not call {path}")
            for method, pattern, handler in ROUTES:
                match = pattern.fullmatch(path)
                if match and method == self.command:
                    self._reply(
                        HTTPStatus.OK,
                        handler(Request(self.workspace, method, path, query, body, match, identity)),
                    )
                    return
            raise ApiError(
                HTTPStatus.NOT_FOUND, "ENDPOINT_NOT_FOUND", f"No API found for '{self.command} {path}'"
            )
        except ApiError as error:
            if path.startswith("/oidc/"):  # OAuth endpoints answer in RFC 6749 form
                self._reply(error.status, {"error": error.code, "error_description": str(error)})
            else:
                self._reply(error.status, {"error_code": error.code, "message": str(error)})

    def _body(self, raw: bytes) -> dict[str, Any]:
        if not raw:
            return {}
        if "application/x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            form = {key: values[-1] for key, values in parse_qs(raw.decode()).items()}
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                form.setdefault("client_id", client_id)
                form.setdefault("client_secret", secret)
            return form
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {}

    def _identity(self, path: str) -> str:
        if path.startswith(UNAUTHENTICATED):
            return ""
        header = self.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        if not header.startswith("Bearer ") or token not in self.workspace.tokens:
            raise ApiError(HTTPStatus.UNAUTHORIZED, "UNAUTHENTICATED", "Invalid access token.")
        return self.workspace.tokens[token]

    def _reply(self, status: HTTPStatus, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


class FakeWorkspaceServer:
    """The server around a `Workspace`, on 127.0.0.1 and a free port, in a background thread."""

    def __init__(self, workspace: Workspace | None = None, port: int = 0) -> None:
        self.workspace = workspace or Workspace()
        handler = type("Handler", (_Handler,), {"workspace": self.workspace})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.workspace.url = self.url
        self.token = FAKE_TOKEN
        # A short poll: shutdown() waits for it, and every test that starts a workspace stops one.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeWorkspaceServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        self._server.serve_forever()
