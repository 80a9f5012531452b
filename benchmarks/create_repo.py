"""API calls and wall time of one `goldenpath create-repo` against the fake GitHub, render apart.

Run: .venv/bin/python benchmarks/create_repo.py [--runs N]
Prints figures; asserts nothing. Each run creates the repository on a fresh
fake, then runs again (the converge that changes nothing). Redundant calls,
the same method and path twice in one run, are listed by name.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.github import FakeGitHub, start_fake_github
from fakes.github.access import add_org_secret
from fakes.github.orgs import add_team
from goldenpath.create_repo import checks, steps
from goldenpath.create_repo.context import Run
from goldenpath.create_repo.request import NewRepo
from goldenpath.create_repo.steps import Outcome
from goldenpath.github.client import GitHubEnv, api_client
from goldenpath.settings import DEPLOYED_ENVIRONMENTS, load_settings
from rendering import EXAMPLE_ANSWERS, copy_template, git

SETTINGS = load_settings()


def seeded(git_root: Path) -> FakeGitHub:
    fake = start_fake_github(git_root=git_root)
    add_team(fake, SETTINGS.org, str(EXAMPLE_ANSWERS["team"]), {"alice": "active"})
    for team in {SETTINGS.platform_team, SETTINGS.prd_reviewers}:
        add_team(fake, SETTINGS.org, team)
    for env in DEPLOYED_ENVIRONMENTS:
        deployment = SETTINGS.environments[env].deployment
        assert deployment is not None
        for secret in (deployment.client_id_secret, deployment.client_secret_secret):
            add_org_secret(fake, SETTINGS.org, secret)
    return fake


def one_run(fake: FakeGitHub, git_root: Path, template: Path, render_seconds: list[float]) -> dict[str, Any]:
    env = GitHubEnv(token=fake.token, api_url=fake.url, server_url=f"file://{git_root}")
    new = NewRepo(answers=dict(EXAMPLE_ANSWERS), requester="alice", template=template, vcs_ref="v1.0.0")
    before = len(fake.calls)
    start = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # the per-step progress lines
        outcome = Outcome(new.name, env.repo_html_url(SETTINGS.org, new.name), "converged")
        steps.create_repo(api_client(env), env, SETTINGS, new, outcome, dry_run=False)
    seconds = time.perf_counter() - start
    calls = fake.calls[before:]
    repeated = [f"{m} {p}" for (m, p), n in Counter((c.method, c.path) for c in calls).items() if n > 1]
    return {
        "status": outcome.status,
        "seconds": seconds - render_seconds[-1],
        "render": render_seconds[-1],
        "reads": sum(not c.is_write for c in calls),
        "writes": sum(c.is_write for c in calls),
        "repeated": repeated,
    }


def timing_render(render_seconds: list[float]) -> Callable[[Run, Path], None]:
    """Wrap the render step so its time is reported apart from the API work."""
    original = checks.prepare_render

    def prepare(run: Run, workdir: Path) -> None:
        start = time.perf_counter()
        original(run, workdir)
        render_seconds.append(time.perf_counter() - start)

    return prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    render_seconds: list[float] = []
    # create_repo() calls the name its module imported: that is the one to wrap.
    setattr(steps, "prepare_render", timing_render(render_seconds))  # noqa: B010
    results: dict[str, list[dict[str, Any]]] = {"create": [], "rerun": []}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        template = copy_template(work / "central")
        git(template, "tag", "v1.0.0")
        os.environ.pop("GITHUB_STEP_SUMMARY", None)
        for index in range(args.runs):
            git_root = work / f"git{index}"
            fake = seeded(git_root)
            try:
                results["create"].append(one_run(fake, git_root, template, render_seconds))
                results["rerun"].append(one_run(fake, git_root, template, render_seconds))
            finally:
                fake.stop()
    print(f"create-repo against the fake GitHub, median of {args.runs} (render timed apart)")
    print(f"{'run':8} {'status':10} {'API work':>9} {'render':>8} {'GETs':>5} {'writes':>7}  repeated calls")
    for kind, runs in results.items():
        first = runs[0]
        print(
            f"{kind:8} {first['status']:10} "
            f"{statistics.median(r['seconds'] for r in runs):8.2f}s "
            f"{statistics.median(r['render'] for r in runs):7.2f}s "
            f"{first['reads']:5d} {first['writes']:7d}  {', '.join(first['repeated']) or 'none'}"
        )


if __name__ == "__main__":
    main()
