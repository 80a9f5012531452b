"""Where `bundle deploy` puts a target's resources: their deployed names, and finding them again."""

from __future__ import annotations

import re

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.jobs import BaseJob

from goldenpath.databricks.bundle import BundleTarget

# The CLI keeps letters and digits of the dev prefix in an endpoint name; anything else becomes `_`.
NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]")


def deployed_job_name(client: WorkspaceClient, bundle: BundleTarget) -> str:
    """The name `bundle deploy` gives the job: development mode prefixes `[dev <user>] `."""
    return deployed_name(client, bundle, bundle.job_name)


def deployed_name(client: WorkspaceClient, bundle: BundleTarget, name: str) -> str:
    """The name `bundle deploy` gives a job or alert: development mode prefixes `[dev <user>] `."""
    if not bundle.development:
        return name
    return f"[dev {_short_user_name(client)}] {name}"


def deployed_endpoint_name(client: WorkspaceClient, bundle: BundleTarget, endpoint: str) -> str:
    """The name `bundle deploy` gives a serving endpoint: development mode prefixes `dev_<user>_`."""
    if not bundle.development:
        return endpoint
    return f"dev_{NOT_LETTER_OR_DIGIT.sub('_', _short_user_name(client).lower())}_{endpoint}"


def _short_user_name(client: WorkspaceClient) -> str:
    return (client.current_user.me().user_name or "").split("@")[0]


def find_jobs(client: WorkspaceClient, name: str) -> list[BaseJob]:
    return [job for job in client.jobs.list(name=name) if job.settings and job.settings.name == name]


def job_url(client: WorkspaceClient, job_id: int) -> str:
    return f"{(client.config.host or '').rstrip('/')}/jobs/{job_id}"
