"""What every concern of the fake workspace shares: errors, the call log, ids and the route table.

A concern module declares its state as a dataclass deriving from `Core` (the
`Workspace` combines them all) and its endpoints with `@route(method, pattern)`;
a handler gets a `Request` and returns the JSON body, or raises `ApiError`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the combined state; its module imports every concern, which imports this one
    from fakes.databricks.workspace import Workspace

SDK_VERSION = "0.162.0"
FAKE_TOKEN = "dapi-fake-workspace-token"


class ApiError(Exception):
    """A Databricks REST error: HTTP status plus `error_code` and `message`."""

    def __init__(self, status: HTTPStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def not_found(message: str) -> ApiError:
    return ApiError(HTTPStatus.NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", message)


def bad_request(message: str) -> ApiError:
    return ApiError(HTTPStatus.BAD_REQUEST, "INVALID_PARAMETER_VALUE", message)


def permission_denied(message: str) -> ApiError:
    return ApiError(HTTPStatus.FORBIDDEN, "PERMISSION_DENIED", message)


def already_exists(message: str) -> ApiError:
    return ApiError(HTTPStatus.CONFLICT, "RESOURCE_ALREADY_EXISTS", message)


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class Core:
    """State every concern uses: the request log, paths that answer 403, the server's URL, ids."""

    denied: set[str] = field(default_factory=set)  # paths that answer 403 PERMISSION_DENIED
    calls: list[Call] = field(default_factory=list)
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def next_id(self) -> int:
        return next(self._ids)

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [call for call in self.calls if call.method == method and call.path == path]


@dataclass
class Request:
    workspace: Workspace
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    match: re.Match[str]
    identity: str


Route = Callable[[Request], Any]
ROUTES: list[tuple[str, re.Pattern[str], Route]] = []


def route(method: str, pattern: str) -> Callable[[Route], Route]:
    """Register a handler for `method` on paths matching `pattern` (a full match)."""

    def register(handler: Route) -> Route:
        ROUTES.append((method, re.compile(pattern + "$"), handler))
        return handler

    return register
