"""The GitHub side of `--open-pr`: the one client, GITHUB_REPOSITORY, the settings' bot, failures translated."""

from __future__ import annotations

from goldenpath.ab.lifecycle import Change
from goldenpath.ab.pull_request import propose
from goldenpath.ab.target import AbTarget
from goldenpath.github.client import api_client, github_env, required_repository
from goldenpath.github.reconcile import Step, translated
from goldenpath.settings import load_settings


def open_pull_request(target: AbTarget, change: Change, *, dry_run: bool) -> list[Step]:
    """The change's branch and pull request in GITHUB_REPOSITORY, committed as the settings' bot."""
    env = github_env()
    slug = required_repository()
    bot = load_settings().bot
    with translated():
        return propose(
            target, change, api_client(env), slug, (bot.name, bot.email), env.git_environ(), dry_run
        )
