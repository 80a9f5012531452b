"""One GitHub client for every command, configured as GitHub Actions configures jobs.

`GITHUB_TOKEN`, `GITHUB_API_URL` and `GITHUB_SERVER_URL` work the same on
github.com and GitHub Enterprise Server. The token travels only in HTTP headers:
githubkit sends it to the API, and git gets it through `GIT_CONFIG_*`
environment entries (an `http.extraheader`), never through argv or a URL.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # githubkit takes ~2 s to import: only commands that call GitHub pay for it
    import httpx
    from githubkit import GitHub, TokenAuthStrategy

from goldenpath.errors import CredentialError
from goldenpath.settings import DEFAULT_GITHUB_SERVER_URL

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = DEFAULT_GITHUB_SERVER_URL


class GitHubConfigError(CredentialError):
    """The environment does not say how to reach GitHub."""


@dataclass(frozen=True)
class GitHubEnv:
    """Where GitHub is and the token to use there (the token is never shown)."""

    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    server_url: str = DEFAULT_SERVER_URL

    def repo_git_url(self, org: str, repo: str) -> str:
        """The git remote of `org/repo`; for `file://` servers, a bare repository path."""
        return f"{self.server_url}/{org}/{repo}.git"

    def repo_html_url(self, org: str, repo: str) -> str:
        return f"{self.server_url}/{org}/{repo}"

    def git_environ(self) -> dict[str, str]:
        """Environment entries that make git send the token as a header to this server only."""
        if self.server_url.startswith("file://"):
            return {}
        basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"http.{self.server_url}/.extraheader",
            "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
            "GIT_TERMINAL_PROMPT": "0",
        }


def github_env(environ: Mapping[str, str] | None = None) -> GitHubEnv:
    """Read the GitHub Actions variables; a missing token is a configuration error."""
    environ = os.environ if environ is None else environ
    token = environ.get("GITHUB_TOKEN", "")
    if not token:
        raise GitHubConfigError(
            "GITHUB_TOKEN is not set: export a token (in a workflow, the GitHub App "
            "installation token from actions/create-github-app-token)"
        )
    return GitHubEnv(
        token=token,
        api_url=(environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        server_url=(environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
    )


def api_client(
    env: GitHubEnv, *, http_cache: bool = False, transport: httpx.BaseTransport | None = None
) -> GitHub[TokenAuthStrategy]:
    """A githubkit client for `env`.

    The HTTP cache is off by default: a command that writes must read what it
    just wrote, not a cached copy. Read-only scans may turn it on (ETags), or
    bring their own `transport` (the fleet's persistent conditional-request cache).
    """
    from githubkit import GitHub, TokenAuthStrategy
    from githubkit.retry import RetryChainDecision, RetryRateLimit, RetryServerError

    # One retry after a rate limit (at the time GitHub names) and one after a 5xx
    # (after 1 s): enough for a blip; an outage is reported, and a rerun resumes.
    retry = RetryChainDecision(RetryRateLimit(max_retry=1), RetryServerError(max_retry=1))
    return GitHub(
        TokenAuthStrategy(env.token),
        base_url=env.api_url,
        http_cache=http_cache,
        auto_retry=retry,
        transport=transport,
    )
