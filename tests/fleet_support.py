"""What the fleet tests share: the template render the fake fleet starts from, running the CLI, the schema.

Test modules bind the fixtures they use by name (`template_base = fleet_support.template_base`).
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from fakes.github import FakeGitHub, start_fake_github
from fakes.github.fleet import push_files
from fakes.github.fleet_seed import Fleet, seed_fleet, template_files
from goldenpath.cli import main
from goldenpath.fleet.statements import STATEMENTS
from goldenpath.settings import SERVING_KIND, load_settings
from rendering import BIN, EXAMPLE_ANSWERS, MATRIX, REPO_ROOT, copier_copy

SETTINGS = load_settings(REPO_ROOT / "goldenpath.yml")
ORG = SETTINGS.org
STATEMENT_IDS = [statement.info.id for statement in STATEMENTS]
SCHEMA = REPO_ROOT / "docs" / "fleet-report.v1.schema.json"


@pytest.fixture(scope="session")
def template_base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A real copier render of the example answers: the files every fake fleet repo starts from."""
    rendered = tmp_path_factory.mktemp("render") / EXAMPLE_ANSWERS["repo_name"]
    copier_copy(rendered, EXAMPLE_ANSWERS)
    return template_files(rendered)


@pytest.fixture(scope="session")
def serving_base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A real copier render of a serving repo (its endpoint logs requests, its monitoring job unpacks them)."""
    answers = next(answers for answers in MATRIX if answers["project_kind"] == SERVING_KIND)
    rendered = tmp_path_factory.mktemp("render-serving") / answers["repo_name"]
    copier_copy(rendered, answers)
    return template_files(rendered)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_fleet(
    fake: FakeGitHub, argv: list[str], monkeypatch: pytest.MonkeyPatch, summary: Path | None = None
) -> Run:
    """`goldenpath <argv>` against `fake`, as a workflow step would run it."""
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    if summary is None:
        monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    else:
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    return Run(code, stdout.getvalue(), stderr.getvalue())


def read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def assert_valid(*reports: Path) -> None:
    """Every report validates against the documented schema (check-jsonschema, as the docs say)."""
    checked = subprocess.run(
        [str(BIN / "check-jsonschema"), "--schemafile", str(SCHEMA), *map(str, reports)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def settings_with_fleet(directory: Path, fleet: dict[str, Any]) -> Path:
    """The shipped settings with a `fleet:` section of the test's own."""
    raw = yaml.safe_load((REPO_ROOT / "goldenpath.yml").read_text(encoding="utf-8"))
    raw["fleet"] = fleet
    path = directory / "goldenpath.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def results(repo: dict[str, Any]) -> dict[str, str]:
    return {key: verdict["result"] for key, verdict in repo["maturity"].items()}


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {repo["name"]: repo for repo in report["repos"]}


@dataclass
class Scorecard:
    """Three scans a second or more apart, with pushes between them; the last reads the first two."""

    fake: FakeGitHub
    fleet: Fleet
    out: Path
    reports: list[dict[str, Any]]  # oldest first; the last is the one with trends and campaigns
    run: Run
    settings_day: date  # the UTC day the campaigns were dated from; reports are stamped in UTC

    @property
    def report(self) -> dict[str, Any]:
        return self.reports[-1]


def campaigns(today: date) -> list[dict[str, Any]]:
    """Two campaigns around `today`: one due in 30 days, one a day overdue."""
    return [
        {
            "name": "Lock files everywhere",
            "goal": {"statements": [20]},
            "start": (today - timedelta(days=14)).isoformat(),
            "due": (today + timedelta(days=30)).isoformat(),
        },
        {
            "name": "Everyone on v1.2",
            "goal": {"template_at_least": "v1.2.0"},
            "start": (today - timedelta(days=7)).isoformat(),
            "due": (today - timedelta(days=1)).isoformat(),
        },
    ]


@pytest.fixture(scope="session")
def scorecard(template_base: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scorecard]:
    out = tmp_path_factory.mktemp("scorecard")
    history = out / "history"
    history.mkdir()
    settings_day = datetime.now(UTC).date()
    settings = settings_with_fleet(out, {"campaigns": campaigns(settings_day)})
    with start_fake_github() as fake, pytest.MonkeyPatch.context() as env:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=45)
        reports = []
        steps: list[dict[str, dict[str, str | None]]] = [
            {fleet.kinds["behind"][0]: {"poetry.lock": "# locked\n"}},
            {
                fleet.kinds["behind"][1]: {"poetry.lock": "# locked\n"},
                fleet.first("compliant"): {"poetry.lock": None},
            },
        ]
        for number in range(1, 4):
            target = history / f"{number}.json" if number < 3 else out / "fleet.json"
            argv = ["fleet", "--settings", str(settings), "--json", str(target)]
            if number == 3:
                argv += [
                    "--history",
                    str(history),
                    "--html",
                    str(out / "fleet.html"),
                    "--markdown",
                    str(out / "fleet.md"),
                ]
                argv += ["--campaign-issues", str(out / "issues")]
            run = run_fleet(fake, argv, env)
            assert run.code == 0, run.stderr
            reports.append(read_json(target))
            if number < 3:
                for name, changes in steps[number - 1].items():
                    push_files(fake, ORG, name, changes)
                time.sleep(1.05)  # reports are stamped to the second
        yield Scorecard(fake, fleet, out, reports, run, settings_day)
