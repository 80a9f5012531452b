"""The GitHub side of `--open-pr`: the one client, the repository and the bot, GitHub's failures translated."""

from __future__ import annotations

import os

from goldenpath.ab.lifecycle import Change
from goldenpath.ab.pull_request import propose
from goldenpath.ab.steps import Step
from goldenpath.ab.target import AbTarget
from goldenpath.errors import CredentialError, Outage, UsageError
from goldenpath.git import GitError
from goldenpath.github.client import api_client, github_env
from goldenpath.github.update_pr import BOT_EMAIL, BOT_NAME


def open_pull_request(target: AbTarget, change: Change, *, dry_run: bool) -> list[Step]:
    """The change's branch and pull request in GITHUB_REPOSITORY, as the bot."""
    from githubkit.exception import RequestError, RequestFailed

    env = github_env()
    slug = os.environ.get("GITHUB_REPOSITORY", "")
    owner, _, name = slug.partition("/")
    if not owner or not name or "/" in name:
        raise UsageError(f"GITHUB_REPOSITORY is {slug!r}", "set it to <owner>/<repo>, as GitHub Actions does")
    try:
        gh = api_client(env)
        return propose(target, change, gh, (owner, name), (BOT_NAME, BOT_EMAIL), env.git_environ(), dry_run)
    except RequestFailed as exc:
        status = exc.response.status_code
        if status in (401, 403):
            raise CredentialError(
                f"GitHub refused the request: {exc}", "check GITHUB_TOKEN may write pull requests"
            ) from None
        raise Outage(f"GitHub failed a request ({status}): {exc}") from None
    except RequestError as exc:
        raise Outage(f"cannot reach GitHub at {env.api_url}: {exc}") from None
    except GitError as exc:
        raise Outage(f"pushing the branch failed: {exc}") from None
