"""The workspace client, configured only by databricks-sdk's own auth: environment or a profile.

No parallel config: `DATABRICKS_HOST` with client id/secret, `ARM_*`,
`DATABRICKS_AUTH_TYPE=github-oidc`, a token, or `--profile` from
~/.databrickscfg. Only when neither the environment nor a profile names a host
does the bundle target's `workspace.host` fill it in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors import (
    InternalError,
    PermissionDenied,
    TemporarilyUnavailable,
    TooManyRequests,
    Unauthenticated,
)
from databricks.sdk.errors.base import DatabricksError

from goldenpath.errors import CredentialError, Outage, Refused


class ClientConfigError(ValueError):
    """The SDK could not be configured (no host, no credentials): a usage/config error."""


def workspace_client(profile: str | None, target_host: str | None) -> WorkspaceClient:
    """A client for the workspace the SDK's auth environment (or `profile`) points at."""
    host = None if profile or os.environ.get("DATABRICKS_HOST") else target_host
    try:
        return WorkspaceClient(config=Config(profile=profile, host=host))
    except ValueError as exc:
        raise ClientConfigError(
            f"cannot configure Databricks auth: {exc}. Set the SDK's environment "
            "(DATABRICKS_HOST with DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET, ARM_*, "
            "or DATABRICKS_AUTH_TYPE=github-oidc) or pass --profile"
        ) from None


@contextmanager
def workspace_failures(host: str | None) -> Iterator[None]:
    """The workspace's failures as the error model, naming the host.

    401/403 is a credential the workspace refused (running again cannot help);
    another 4xx a request it refused; a 5xx, a rate limit after the SDK's
    retries, or no answer at all an outage, after which a rerun resumes.
    """
    where = host or "the Databricks workspace"
    try:
        yield
    except (Unauthenticated, PermissionDenied) as exc:
        raise CredentialError(
            f"{where} refused the request: {exc}",
            "check the SDK's auth environment or --profile, and that this identity has the privilege named",
        ) from None
    except (TooManyRequests, InternalError, TemporarilyUnavailable) as exc:
        raise Outage(f"{where} failed a request: {exc}") from None
    except DatabricksError as exc:
        raise Refused(
            f"{where} refused a request: {exc}", "fix what it names, then run the same command again"
        ) from None
    except OSError as exc:  # requests' connection errors and timeouts
        raise Outage(f"cannot reach {where}: {exc}") from None
