"""`goldenpath create-repo` against the fake GitHub: the whole contract, refusals, dry runs and resumes.

Every test runs the real command (argparse, githubkit over HTTP, copier, git
pushing to a bare repository) and asserts the fake's end state and call log.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_generated_repo import poetry, run

from fakes.github import FakeGitHub, start_fake_github
from fakes.github.access import add_org_secret, org_secret, team_repos
from fakes.github.environments import branch_policies, environments
from fakes.github.orgs import add_team
from fakes.github.repos import add_repo, find_repo, git_dir
from fakes.github.rulesets import rulesets
from goldenpath.cli import main
from goldenpath.create_repo.required_checks import required_checks
from goldenpath.settings import load_settings
from rendering import REPO_ROOT, copy_template, git, render

SETTINGS = load_settings()
ORG = SETTINGS.org
NAME = "rtl-forecasting-demand-weekly"
COMMAND = ["create-repo", NAME, "--team", "ds-rtl", "--requester", "alice"]
SECRETS = [
    name
    for env in ("acc", "prd")
    for name in (
        SETTINGS.environments[env].deployment.client_id_secret,  # type: ignore[union-attr]
        SETTINGS.environments[env].deployment.client_secret_secret,  # type: ignore[union-attr]
    )
]
# The generated ci.yml opts in to reusable-test.yml's docs job, so its check is required too.
CHECKS = ["test / Lint and test", "test / Docs site", "build / Build wheel"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of this checkout with its release tag, as the workflow's checkout has it."""
    central = copy_template(tmp_path_factory.mktemp("central"))
    git(central, "tag", "v1.0.0")
    return central


@dataclass
class GitHubWorld:
    fake: FakeGitHub
    template: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def run(self, *extra: str, command: list[str] | None = None) -> tuple[int, str, str]:
        code = main([*(command or COMMAND), "--template", str(self.template), *extra])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json_run(self, *extra: str, command: list[str] | None = None) -> tuple[int, dict[str, Any]]:
        code, out, _ = self.run("--json", *extra, command=command)
        return code, json.loads(out)


@pytest.fixture
def world(
    tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[GitHubWorld]:
    with start_fake_github(git_root=tmp_path / "git") as fake:
        add_team(fake, ORG, "ds-rtl", {"alice": "active", "bob": "pending"})
        add_team(fake, ORG, "ds-ecm", {"carol": "active"})
        add_team(fake, ORG, SETTINGS.platform_team)
        if SETTINGS.prd_reviewers != SETTINGS.platform_team:
            add_team(fake, ORG, SETTINGS.prd_reviewers)
        for secret in SECRETS:
            add_org_secret(fake, ORG, secret)
        monkeypatch.setenv("GITHUB_TOKEN", fake.token)
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        monkeypatch.setenv("GITHUB_SERVER_URL", f"file://{tmp_path / 'git'}")
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
        yield GitHubWorld(fake, template, monkeypatch, capsys)


def end_state(fake: FakeGitHub) -> dict[str, Any]:
    """Everything create-repo decides, without ids, timestamps or commit dates."""
    repo = find_repo(fake, ORG, NAME)
    assert repo is not None
    bare = git_dir(fake, ORG, NAME)
    log = git(bare, "log", "--format=%an <%ae>|%s", "main").splitlines()
    teams = {
        slug: team_repos(fake, ORG, slug).get(f"{ORG}/{NAME}") for slug in ("ds-rtl", "ds-ecm", "ml-platform")
    }
    envs = environments(fake, ORG, NAME)
    prd = envs["prd"]
    (ruleset,) = rulesets(fake, ORG, NAME).values()
    return {
        "repo": {k: repo[k] for k in ("visibility", "delete_branch_on_merge", "auto_init", "description")},
        "topics": repo["topics"],
        "main": {"tree": git(bare, "rev-parse", "main^{tree}").strip(), "log": log},
        "teams": teams,
        "environments": sorted(envs),
        "prd": {
            "reviewers": [
                r["reviewer"]["slug"] for rule in prd["protection_rules"] for r in rule["reviewers"]
            ],
            "policy": prd["deployment_branch_policy"],
            "branch_policies": [(p["name"], p["type"]) for p in branch_policies(fake, ORG, NAME, "prd")],
        },
        "secrets": {s: org_secret(fake, ORG, s)["repository_ids"] == [repo["id"]] for s in SECRETS},  # type: ignore[index]
        "ruleset": {k: ruleset[k] for k in ("name", "target", "enforcement", "conditions", "rules")},
    }


def assert_happy_end_state(fake: FakeGitHub) -> dict[str, Any]:
    state = end_state(fake)
    assert state["repo"] == {
        "visibility": SETTINGS.repo_visibility,
        "delete_branch_on_merge": True,
        "auto_init": False,
        "description": f"{NAME}: an ML project on the goldenpath",
    }
    assert state["topics"] == ["goldenpath", "rtl", "forecasting"]
    assert state["main"]["log"] == [
        f"goldenpath[bot] <goldenpath[bot]@users.noreply.github.com>|Create {NAME} from goldenpath 1.0.0"
    ]
    assert state["teams"] == {"ds-rtl": "maintain", "ds-ecm": None, "ml-platform": "admin"}
    assert state["environments"] == ["acc", "prd"]
    assert state["prd"] == {
        "reviewers": [SETTINGS.prd_reviewers],
        "policy": {"protected_branches": False, "custom_branch_policies": True},
        "branch_policies": [("v*", "tag")],
    }
    assert all(state["secrets"].values()), state["secrets"]
    ruleset = state["ruleset"]
    assert (ruleset["name"], ruleset["target"], ruleset["enforcement"]) == (
        "goldenpath-main",
        "branch",
        "active",
    )
    assert ruleset["conditions"]["ref_name"]["include"] == ["~DEFAULT_BRANCH"]
    rules = {rule["type"]: rule.get("parameters") for rule in ruleset["rules"]}
    assert set(rules) == {"deletion", "non_fast_forward", "pull_request", "required_status_checks"}
    assert rules["pull_request"]["required_approving_review_count"] >= 1
    assert rules["pull_request"]["dismiss_stale_reviews_on_push"] is True
    assert [c["context"] for c in rules["required_status_checks"]["required_status_checks"]] == CHECKS
    return state


def test_happy_path_creates_everything_and_a_rerun_writes_nothing(world: GitHubWorld, tmp_path: Path) -> None:
    code, result = world.json_run()
    assert code == 0, result
    assert result["repo"] == NAME
    assert result["url"] == f"file://{tmp_path / 'git'}/{ORG}/{NAME}"
    assert result["status"] == "created"
    assert {step["result"] for step in result["steps"]} == {"created", "updated"}
    assert [s["name"] for s in result["steps"]][:3] == ["repository", "topics", "first-commit"]
    state = assert_happy_end_state(world.fake)
    assert "| ruleset | created |" in (tmp_path / "summary.md").read_text()

    writes = len(world.fake.writes())
    code, again = world.json_run()
    assert code == 0
    assert again["status"] == "converged"
    assert {step["result"] for step in again["steps"]} == {"unchanged"}
    assert len(world.fake.writes()) == writes, "a rerun after success writes nothing"
    assert end_state(world.fake) == state


def test_the_answers_file_names_the_central_repo_so_copier_update_works_in_a_clone(
    world: GitHubWorld, tmp_path: Path
) -> None:
    central_remote = tmp_path / "git" / ORG / f"{SETTINGS.central_repo}.git"
    git(tmp_path, "clone", "-q", "--bare", str(world.template), str(central_remote))
    assert world.run()[0] == 0
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(git_dir(world.fake, ORG, NAME)), str(clone))
    answers = yaml.safe_load((clone / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == f"file://{tmp_path / 'git'}/{ORG}/{SETTINGS.central_repo}.git"
    assert answers["_commit"] == "v1.0.0"
    assert answers["repo_name"] == NAME
    copier = Path(__file__).parent.parent / ".venv" / "bin" / "copier"
    update = subprocess.run(
        [str(copier), "update", "--trust", "--defaults", "--quiet"], cwd=clone, capture_output=True, text=True
    )
    assert update.returncode == 0, update.stderr
    assert git(clone, "status", "--porcelain") == ""


def test_dry_run_reads_only_and_prints_the_plan(world: GitHubWorld, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    code, out, err = world.run("--dry-run")
    assert code == 0, err
    assert world.fake.writes() == []
    assert "repository: would create" in out and "ruleset: would create" in out, "the plan is the result"
    assert "would create" not in err, "a dry run prints its plan once (stdout), not as progress too"
    assert "dry run, nothing written" in out
    assert "| first-commit | would create |" in summary.read_text()

    assert world.run()[0] == 0
    writes = len(world.fake.writes())
    code, result = world.json_run("--dry-run")
    assert code == 0
    assert result["status"] == "planned"
    assert {s["result"] for s in result["steps"]} == {"unchanged"}
    assert len(world.fake.writes()) == writes


def test_dry_run_of_a_drifted_repo_plans_the_fixes(world: GitHubWorld) -> None:
    assert world.run()[0] == 0
    team_repos(world.fake, ORG, "ds-rtl")[f"{ORG}/{NAME}"] = "push"
    environments(world.fake, ORG, NAME).pop("prd")
    writes = len(world.fake.writes())
    code, out, _ = world.run("--dry-run")
    assert code == 0
    assert "team:ds-rtl: would update" in out
    assert "environment:prd: would create" in out
    assert "first-commit: exists" in out
    assert len(world.fake.writes()) == writes
    assert world.run()[0] == 0
    assert_happy_end_state(world.fake)


REFUSALS = {
    "unknown requester": ["--requester", "mallory"],
    "pending membership": ["--requester", "bob"],
    "team not allowed for the unit": ["--team", "ds-ecm", "--requester", "carol"],
    "bad answer": ["--cost-center", "free"],
    "malicious requester": ["--requester", "alice/../../admin"],
}


@pytest.mark.parametrize("extra", REFUSALS.values(), ids=REFUSALS.keys())
def test_refusals_write_nothing(world: GitHubWorld, extra: list[str]) -> None:
    code, result = world.json_run(*extra)
    assert code == 1
    assert result["status"] == "refused"
    assert world.fake.writes() == []


NAMES = [
    "rtl-forecasting",
    "RTL-Forecasting-Demand",
    "rtl-forecasting-demand-weekly-per-store",
    "$(id)",
    "`id`",
    "${{ secrets.X }}",
    '"; curl x | sh; "',
    "rtl-forecasting-demand/../../admin",
]


@pytest.mark.parametrize("name", NAMES)
def test_invalid_and_malicious_names_are_refused_before_any_call(world: GitHubWorld, name: str) -> None:
    code, _out, err = world.run(command=["create-repo", name, "--team", "ds-rtl", "--requester", "alice"])
    assert code == 1
    assert "expected <unit>-<domain>-<usecase>" in err
    assert world.fake.calls == []


FOREIGN = {
    "other topics": {"topics": ["legacy"], "description": "someone else's"},
    "empty and bare": {"topics": [], "description": None},
}


@pytest.mark.parametrize("fields", FOREIGN.values(), ids=FOREIGN.keys())
def test_a_foreign_repo_of_the_same_name_is_refused(world: GitHubWorld, fields: dict[str, Any]) -> None:
    add_repo(world.fake, ORG, NAME, **fields)
    code, _out, err = world.run()
    assert code == 1
    assert "not made by goldenpath" in err
    assert world.fake.writes() == []


def test_missing_tag_and_token_are_usage_errors(world: GitHubWorld) -> None:
    code, _, err = world.run("--vcs-ref", "v9.9.9")
    assert code == 2
    assert "no git ref 'v9.9.9'" in err
    world.monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = world.run()
    assert code == 2
    assert "GITHUB_TOKEN is not set" in err
    assert world.fake.calls == []


def test_a_missing_org_secret_fails_part_way_with_the_fix(world: GitHubWorld) -> None:
    del world.fake.state["org_secrets"][f"{ORG}/{SECRETS[-1]}".lower()]
    code, result = world.json_run()
    assert code == 3
    assert result["status"] == "failed"
    assert result["steps"][-1] == {"name": f"secret:{SECRETS[-1]}", "result": "failed"}
    add_org_secret(world.fake, ORG, SECRETS[-1])
    assert world.run()[0] == 0
    assert_happy_end_state(world.fake)


def _fail_at(world: GitHubWorld, number: int) -> None:
    """An outage from the `number`th write of a run on: exit 3 naming the step, then a clean rerun."""
    before = len(world.fake.writes())
    world.fake.fail_writes_from = before + number
    code, out, err = world.run("--json")
    result = json.loads(out)
    assert code == 3, err
    failed = result["steps"][-1]
    assert failed["result"] == "failed"
    assert f"step {failed['name']!r} failed" in err
    assert "run the same command again" in err
    world.fake.fail_writes_from = None
    code, _, err = world.run()
    assert code == 0, err


def test_a_fault_at_one_write_resumes(world: GitHubWorld) -> None:
    _fail_at(world, 2)  # the topics, right after the create: the rerun must still know the repo as ours
    assert_happy_end_state(world.fake)


@pytest.mark.slow
def test_a_fault_at_every_write_resumes_to_the_happy_end_state(
    world: GitHubWorld, tmp_path: Path, template: Path
) -> None:
    assert world.run()[0] == 0
    happy = end_state(world.fake)
    total = len(world.fake.writes())
    for number in range(1, total + 1):
        with start_fake_github(git_root=tmp_path / f"git{number}") as fake:
            for slug, members in (
                ("ds-rtl", {"alice": "active"}),
                ("ds-ecm", {}),
                (SETTINGS.platform_team, {}),
            ):
                add_team(fake, ORG, slug, members)
            for secret in SECRETS:
                add_org_secret(fake, ORG, secret)
            world.monkeypatch.setenv("GITHUB_API_URL", fake.url)
            world.monkeypatch.setenv("GITHUB_SERVER_URL", f"file://{tmp_path / f'git{number}'}")
            world.fake = fake
            _fail_at(world, number)
            state = end_state(fake)
            assert state == happy | {"main": state["main"]}, f"outage from write {number}"
            assert state["main"]["log"] == happy["main"]["log"]


def test_the_token_never_leaves_the_headers(world: GitHubWorld, tmp_path: Path) -> None:
    world.fake.fail_writes_from = 4
    code, out, err = world.run()
    assert code == 3
    world.fake.fail_writes_from = None
    code, out2, err2 = world.run()
    assert code == 0
    token = world.fake.token
    assert token not in out + err + out2 + err2
    assert token not in (tmp_path / "summary.md").read_text()
    for call in world.fake.calls:
        assert token not in call.path + json.dumps(call.query) + json.dumps(call.body)
    bare = git_dir(world.fake, ORG, NAME)
    assert (
        token not in subprocess.run(["grep", "-r", token, str(bare)], capture_output=True, text=True).stdout
    )


def test_required_checks_are_the_names_the_generated_ci_reports(tmp_path: Path) -> None:
    """`<caller job> / <called job>`: read from the generated ci.yml and the central workflows it calls."""
    ci = (render(tmp_path) / ".github/workflows/ci.yml").read_text()
    central = {
        path: (REPO_ROOT / path).read_text()
        for path in (".github/workflows/reusable-test.yml", ".github/workflows/reusable-build.yml")
    }
    assert required_checks(ci, SETTINGS.central_slug, central.__getitem__) == CHECKS
    renamed = {path: text.replace("name: Lint and test", "name: Tests") for path, text in central.items()}
    assert required_checks(ci, SETTINGS.central_slug, renamed.__getitem__)[0] == "test / Tests"


@pytest.mark.slow
def test_a_clone_of_the_created_repo_installs_tests_and_checks_clean(
    world: GitHubWorld, tmp_path: Path
) -> None:
    assert world.run()[0] == 0
    clone = tmp_path / "work" / NAME
    git(tmp_path, "clone", "-q", str(git_dir(world.fake, ORG, NAME)), str(clone))
    poetry(clone, "install", "--no-interaction")
    assert " passed" in poetry(clone, "run", "pytest").stdout
    run(clone, str(Path(sys.executable).parent / "goldenpath"), "check-repo", ".")


def test_the_platform_team_as_owner_gets_one_grant_admin_and_converges(world: GitHubWorld) -> None:
    add_team(world.fake, ORG, SETTINGS.platform_team, {"dave": "active"})
    command = ["create-repo", NAME, "--team", SETTINGS.platform_team, "--requester", "dave"]
    code, result = world.json_run(command=command)
    assert code == 0
    assert [s["name"] for s in result["steps"]].count(f"team:{SETTINGS.platform_team}") == 1
    assert team_repos(world.fake, ORG, SETTINGS.platform_team)[f"{ORG}/{NAME}"] == "admin"
    writes = len(world.fake.writes())
    assert world.run(command=command)[0] == 0
    assert len(world.fake.writes()) == writes


# The REST contract: the only endpoints create-repo may write to.
CONTRACT_WRITES = [
    ("POST", r"/orgs/[^/]+/repos"),
    ("PUT", r"/repos/[^/]+/[^/]+/topics"),
    ("PUT", r"/orgs/[^/]+/teams/[^/]+/repos/[^/]+/[^/]+"),
    ("PUT", r"/repos/[^/]+/[^/]+/environments/[^/]+"),
    ("POST", r"/repos/[^/]+/[^/]+/environments/prd/deployment-branch-policies"),
    ("PUT", r"/orgs/[^/]+/actions/secrets/[^/]+/repositories/\d+"),
    ("POST", r"/repos/[^/]+/[^/]+/rulesets"),
    ("PUT", r"/repos/[^/]+/[^/]+/rulesets/\d+"),
]


def test_every_write_is_a_contract_endpoint(world: GitHubWorld) -> None:
    assert world.run()[0] == 0
    (ruleset,) = rulesets(world.fake, ORG, NAME).values()
    ruleset["enforcement"] = "evaluate"  # drift, so the rerun takes the update path too
    assert world.run()[0] == 0
    assert rulesets(world.fake, ORG, NAME)[ruleset["id"]]["enforcement"] == "active"
    writes = [(call.method, call.path) for call in world.fake.writes()]
    assert ("PUT", f"/repos/{ORG}/{NAME}/rulesets/{ruleset['id']}") in writes
    for method, path in writes:
        assert any(method == m and re.fullmatch(p, path) for m, p in CONTRACT_WRITES), f"{method} {path}"
