"""The workspace client, configured only by databricks-sdk's own auth: environment or a profile.

No parallel config: `DATABRICKS_HOST` with client id/secret, `ARM_*`,
`DATABRICKS_AUTH_TYPE=github-oidc`, a token, or `--profile` from
~/.databrickscfg. Only when neither the environment nor a profile names a host
does the bundle target's `workspace.host` fill it in.

This is also the one place the workspace's failures become the project's
errors. Every client is bounded (`goldenpath.timeouts`: each HTTP request, the
SDK's retries of one call, and its host-metadata lookup), so a dead host fails
within seconds, and `workspace_failures` names the host: a refused credential
(401/403, a failed token exchange) is a `CredentialError`, a host that does not
answer or answers 5xx an `Outage`, any other refusal `Refused`.
"""

from __future__ import annotations

import configparser
import logging
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from goldenpath.errors import CredentialError, Outage, Refused, UsageError
from goldenpath.timeouts import REQUEST_TIMEOUT_ENV, request_timeout

if TYPE_CHECKING:  # databricks-sdk loads only in the commands that talk to a workspace
    from databricks.sdk import WorkspaceClient

AUTH_HELP = (
    "set the SDK's environment (DATABRICKS_HOST with DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET, "
    "ARM_*, or DATABRICKS_AUTH_TYPE=github-oidc) or pass --profile"
)
DEFAULT_CONFIG_FILE = "~/.databrickscfg"


def workspace_client(
    profile: str | None, target_host: str | None, timeout: float | None = None
) -> WorkspaceClient:
    """A client for the workspace the SDK's auth environment (or `profile`) points at, authenticated."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.config import Config

    logging.getLogger("databricks.sdk").setLevel(logging.ERROR)  # its retry warnings are not for people
    profile_host = _check_profile(profile) if profile else None
    host = None if profile or os.environ.get("DATABRICKS_HOST") else target_host
    bound = request_timeout(timeout)
    named = host or os.environ.get("DATABRICKS_HOST") or profile_host
    if named and not _answers(named, bound):  # before the SDK's own lookups, which each retry
        raise unreachable(named, bound)
    try:
        config = Config(
            profile=profile, host=host, http_timeout_seconds=bound, retry_timeout_seconds=math.ceil(bound)
        )
    except ValueError as exc:
        raise UsageError(f"cannot configure Databricks auth: {_said(exc)}", AUTH_HELP) from None
    with workspace_failures(config.host or "the workspace"):
        config.authenticate()  # a token exchange happens here, so a refused credential is reported once
    return WorkspaceClient(config=config)


@contextmanager
def workspace_failures(host: str) -> Iterator[None]:
    """The SDK's failures inside as the error model, naming the workspace."""
    import requests
    from databricks.sdk.errors import (
        DeadlineExceeded,
        InternalError,
        PermissionDenied,
        TemporarilyUnavailable,
        TooManyRequests,
        Unauthenticated,
    )
    from databricks.sdk.errors.base import DatabricksError

    try:
        yield
    except Unauthenticated as exc:
        raise CredentialError(
            f"{host} refused the credentials: {_said(exc)}",
            f"check the credentials for this workspace; {AUTH_HELP}",
        ) from None
    except PermissionDenied as exc:
        raise CredentialError(
            f"{host} denied the request: {_said(exc)}",
            "grant the identity these credentials authenticate what the request needs, or use another",
        ) from None
    except (InternalError, TemporarilyUnavailable, DeadlineExceeded, TooManyRequests) as exc:
        raise Outage(f"{host} failed: {_said(exc)}") from None
    except DatabricksError as exc:
        raise Refused(f"{host} failed the request: {_said(exc)}", "nothing was changed") from None
    except (TimeoutError, requests.ConnectionError, requests.Timeout):
        raise unreachable(host) from None
    except ValueError as exc:
        if not _raised_by_sdk(exc):
            raise
        # How the SDK reports a refused OAuth token exchange (or refresh, in a long smoke run).
        raise CredentialError(f"{host} refused the credentials: {_said(exc)}", AUTH_HELP) from None


def unreachable(host: str, bound: float | None = None) -> Outage:
    """The workspace did not answer (refused, timed out, no such host) within the bound."""
    return Outage(
        f"cannot reach the Databricks workspace {host}",
        "check DATABRICKS_HOST (or the target's workspace.host) and the network (each request may take "
        f"{request_timeout(bound):g} seconds; raise --request-timeout or {REQUEST_TIMEOUT_ENV} for a slow "
        "workspace), then run the same command again",
    )


def _check_profile(profile: str) -> str | None:
    """A named profile must be in the config file (the SDK's message does not say which is missing); its host."""
    path = Path(os.environ.get("DATABRICKS_CONFIG_FILE") or DEFAULT_CONFIG_FILE).expanduser()
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise UsageError(f"{path} is not a valid Databricks config file: {exc}", AUTH_HELP) from None
    if not parser.has_section(profile):
        known = ", ".join(parser.sections()) or "none"
        raise UsageError(
            f"no profile {profile!r} in {path} (profiles: {known})",
            "pass one of them with --profile, or create it with `databricks auth login --profile NAME`",
        )
    return parser.get(profile, "host", fallback=None)


def _answers(host: str, bound: float) -> bool:
    """Whether anything answers HTTP at `host` within the bound (proxies as the SDK uses them)."""
    import requests

    url = host if "://" in host else f"https://{host}"
    try:
        requests.head(url, timeout=bound, allow_redirects=False)
    except requests.exceptions.SSLError:
        return True  # it answered; the SDK says what is wrong with its certificate
    except (requests.ConnectionError, requests.Timeout):
        return False
    except requests.RequestException:
        return True  # not a URL requests can send to: the SDK's configuration error says so
    return True


def _raised_by_sdk(exc: BaseException) -> bool:
    """Whether the innermost frame of `exc`'s traceback is databricks-sdk's code."""
    trace = exc.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    return trace is not None and str(trace.tb_frame.f_globals.get("__name__", "")).startswith(
        "databricks.sdk"
    )


def _said(exc: BaseException) -> str:
    """The SDK's message without the config dump it appends (secrets there are masked, but it is noise)."""
    return str(exc).split(". Config: ", 1)[0].strip() or type(exc).__name__
