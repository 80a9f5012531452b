"""The workspace client, configured only by databricks-sdk's own auth: environment or a profile.

No parallel config: `DATABRICKS_HOST` with client id/secret, `ARM_*`,
`DATABRICKS_AUTH_TYPE=github-oidc`, a token, or `--profile` from
~/.databrickscfg. Only when neither the environment nor a profile names a host
does the bundle target's `workspace.host` fill it in.
"""

from __future__ import annotations

import os

from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config


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
