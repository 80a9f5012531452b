"""The one fake GitHub REST API shared by every test that needs GitHub.

`FakeGitHub` is the server core (state, call log, outage injection, ETags,
pagination); each module beside it adds the routes of one concern:

| module | endpoints |
|---|---|
| `repos.py` | repos (get, create in org, list org repos), topics, branches |
| `orgs.py` | teams, team memberships |
| `releases.py` | releases (get by tag, create, update, list) |
| `fleet.py` | git trees, contents, tags, branch rules, branch protection, workflow runs |
| `history.py` | commits of the default branch that changed a path (each push of `fleet.push_files` is one, with its files) |
| `fleet_seed.py` | `seed_fleet`: the synthetic fleet of every kind of repo (no routes) |
| `access.py` | team repository permissions, org secrets' selected repositories |
| `environments.py` | deployment environments, deployment branch policies |
| `rulesets.py` | repository rulesets |
| `pulls.py` | pull requests: list (head/base/state filters), create, get, update |

Add a concern as a module with `install(fake)` and list it in `CONCERNS`.
"""

from __future__ import annotations

from fakes.github import access, environments, fleet, history, orgs, pulls, releases, repos, rulesets
from fakes.github.server import Call, FakeGitHub, Reply, Request

CONCERNS = [repos, orgs, access, environments, rulesets, releases, pulls, fleet, history]


def start_fake_github(**kwargs: object) -> FakeGitHub:
    """A running fake with every concern's routes; stop it with `.stop()` (or use `with`)."""
    fake = FakeGitHub(**kwargs)  # type: ignore[arg-type]
    for concern in CONCERNS:
        concern.install(fake)
    return fake.start()


__all__ = ["Call", "FakeGitHub", "Reply", "Request", "start_fake_github"]
