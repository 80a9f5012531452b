"""One GitHub client for every command, configured as GitHub Actions configures jobs.

`GITHUB_TOKEN`, `GITHUB_API_URL`, `GITHUB_SERVER_URL` and `GITHUB_REPOSITORY`
work the same on github.com and GitHub Enterprise Server. The token travels
only in HTTP headers: githubkit sends it to the API, and git gets it through
`GIT_CONFIG_*` environment entries (an `http.extraheader`), never through argv
or a URL.

This is also the one place GitHub's failures become the project's errors.
Every request is bounded (`goldenpath.timeouts`) and retried once after a 5xx
or a rate limit that resets within the bound. Then a 401 is a
`CredentialError` and an unreachable API an `Outage` naming it, whoever made
the request; other statuses stay githubkit's `RequestFailed` for the caller
that expects them (a 404 that means "not there"), and `failure` translates
the ones nobody expected.
"""

from __future__ import annotations

import base64
import functools
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # githubkit takes ~2 s to import: only commands that call GitHub pay for it
    import httpx
    from githubkit import GitHub, TokenAuthStrategy
    from githubkit.exception import GitHubException, RateLimitExceeded, RequestFailed
    from githubkit.retry import RetryOption

from goldenpath.errors import CredentialError, GoldenpathError, Outage, Refused, UsageError
from goldenpath.settings import DEFAULT_GITHUB_SERVER_URL
from goldenpath.timeouts import REQUEST_TIMEOUT_ENV, request_timeout

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = DEFAULT_GITHUB_SERVER_URL
HOW_TO_AUTHENTICATE = "set GITHUB_TOKEN to a valid token (in a workflow, the GitHub App installation token from actions/create-github-app-token)"


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
        raise GitHubConfigError("GITHUB_TOKEN is not set", HOW_TO_AUTHENTICATE)
    return GitHubEnv(
        token=token,
        api_url=(environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        server_url=(environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
    )


def repository_from_environ(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """`GITHUB_REPOSITORY` as (owner, repo); None when unset; a `UsageError` when malformed."""
    environ = os.environ if environ is None else environ
    slug = environ.get("GITHUB_REPOSITORY", "")
    if not slug:
        return None
    owner, _, repo = slug.partition("/")
    if not owner or not repo or "/" in repo:
        raise UsageError(f"GITHUB_REPOSITORY is {slug!r}", "set it to <owner>/<repo>, as GitHub Actions does")
    return owner, repo


def required_repository(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """`GITHUB_REPOSITORY` as (owner, repo) for a command that writes to that repository."""
    found = repository_from_environ(environ)
    if found is None:
        raise UsageError("GITHUB_REPOSITORY is ''", "set it to <owner>/<repo>, as GitHub Actions does")
    return found


def api_client(
    env: GitHubEnv, *, http_cache: bool = False, transport: httpx.BaseTransport | None = None
) -> GitHub[TokenAuthStrategy]:
    """A githubkit client for `env`, bounded and translating failures as the module docstring says.

    The HTTP cache is off by default: a command that writes must read what it
    just wrote, not a cached copy. Read-only scans may turn it on (ETags), or
    bring their own `transport` over `bounded_transport` (the fleet's persistent
    conditional-request cache).
    """
    from githubkit import TokenAuthStrategy

    bound = request_timeout()
    return _client_class()(
        TokenAuthStrategy(env.token),
        base_url=env.api_url,
        http_cache=http_cache,
        timeout=bound,
        transport=transport or bounded_transport(env.api_url),
        auto_retry=_RetryOnce(bound),
    )


def bounded_transport(api_url: str) -> httpx.BaseTransport:
    """The HTTP transport, sending every request with the bound.

    githubkit's HTTP cache (hishel) re-creates each request without httpx's
    timeout, which would let a hung server hold a command for ever; this
    transport, below the cache, puts the bound back. Given a transport, httpx
    no longer applies the proxy environment itself, so it is applied here.
    githubkit hands this one transport to every client it makes (one per
    thread inside `with gh:`, else one per request), and each client closes it
    when done: the connections are therefore kept per thread, and closing
    closes only the calling thread's.
    """
    import httpx

    bound = request_timeout()

    class Bounded(httpx.BaseTransport):
        def __init__(self) -> None:
            self.timeout = httpx.Timeout(bound).as_dict()
            self.local = threading.local()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            request.extensions.setdefault("timeout", self.timeout)
            sender: httpx.HTTPTransport | None = getattr(self.local, "sender", None)
            if sender is None:
                sender = self.local.sender = httpx.HTTPTransport(proxy=_proxy_for(api_url))
            return sender.handle_request(request)

        def close(self) -> None:
            sender: httpx.HTTPTransport | None = getattr(self.local, "sender", None)
            self.local.sender = None
            if sender is not None:
                sender.close()

    return Bounded()


def _proxy_for(url: str) -> str | None:
    """The proxy `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` name for `url`, unless `NO_PROXY` exempts its host."""
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parts.scheme) or proxies.get("all")


class _RetryOnce:
    """One retry after a 5xx (after 1 s) and one after a rate limit that resets within the bound.

    A rate limit whose reset time has already passed is retried after 1 s:
    githubkit would read its zero wait as "unknown" and sleep 60 s. One that
    resets later than the bound is not waited for; it becomes an `Outage`
    saying when to run again.
    """

    def __init__(self, bound: float) -> None:
        self.bound = bound

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        from githubkit.exception import RateLimitExceeded, RequestFailed
        from githubkit.log import logger
        from githubkit.retry import RetryOption

        if retry_count >= 1 or not isinstance(exc, RequestFailed):
            return RetryOption(False)
        if isinstance(exc, RateLimitExceeded):
            wait = exc.retry_after.total_seconds()
            if wait > self.bound:
                return RetryOption(False)
            delay = timedelta(seconds=max(wait, 1.0))
        elif exc.response.status_code >= 500:
            delay = timedelta(seconds=1)
        else:
            return RetryOption(False)
        logger.warning(f"{type(exc).__name__} for request {exc.request.method} {exc.request.url}")
        return RetryOption(True, delay)


@functools.cache
def _client_class() -> type[GitHub[TokenAuthStrategy]]:
    """githubkit's client whose requests raise the project's errors for 401 and an unreachable API."""
    from githubkit import GitHub, TokenAuthStrategy
    from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed

    class TranslatingGitHub(GitHub[TokenAuthStrategy]):
        def request(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().request(*args, **kwargs)
            except RateLimitExceeded as exc:
                raise _rate_limited(exc, self.config.base_url) from None
            except RequestFailed as exc:
                if exc.response.status_code == 401:
                    raise CredentialError(
                        f"GitHub refused the token: {describe(exc)}", HOW_TO_AUTHENTICATE
                    ) from None
                raise
            except RequestError as exc:
                raise unreachable(str(self.config.base_url), exc.exc) from None

    return TranslatingGitHub


def unreachable(api_url: str, cause: BaseException) -> Outage:
    """The API did not answer (refused, timed out, no such host) within the bound."""
    reason = str(cause).strip() or type(cause).__name__
    return Outage(
        f"cannot reach GitHub at {api_url.rstrip('/')} ({reason})",
        f"check GITHUB_API_URL and the network ({REQUEST_TIMEOUT_ENV}={request_timeout():g} seconds is "
        "how long each request may take; raise it for a slow server), then run the same command again",
    )


def _rate_limited(exc: RateLimitExceeded, api_url: Any) -> Outage:
    """A rate limit that resets later than the bound: say when to run again."""
    resets = datetime.now(UTC) + exc.retry_after
    return Outage(
        f"GitHub at {str(api_url).rstrip('/')} rate-limits this token until {resets:%H:%M:%S} UTC: {describe(exc)}",
        "run the same command again after that; finished steps are kept and skipped",
    )


def failure(exc: RequestFailed) -> GoldenpathError:
    """A GitHub answer the caller did not expect, in the one error model."""
    status = exc.response.status_code
    if status in (401, 403):
        return CredentialError(
            f"GitHub refused {describe(exc)}",
            "give the token (the GitHub App) the permission this needs, then run the same command again",
        )
    if status == 404:
        return UsageError(
            f"GitHub has nothing at {describe(exc)}",
            "check GITHUB_REPOSITORY and the org in goldenpath.yml, and that the token may see it",
        )
    if status >= 500 or status == 429:
        return Outage(f"GitHub failed: {describe(exc)}")
    return Refused(f"GitHub refused {describe(exc)}")


def describe(exc: RequestFailed) -> str:
    """`METHOD /path answered STATUS: message`; the request's headers (the token) are never shown."""
    response = exc.response
    request = response.raw_request
    try:
        body = response.json()
        message = str(body.get("message", "")) if isinstance(body, dict) else ""
    except ValueError:
        message = ""
    return f"{request.method} {request.url.path} answered {response.status_code}" + (
        f": {message}" if message else ""
    )
