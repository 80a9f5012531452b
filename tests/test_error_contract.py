"""The exit-code contract of every command: bad usage, bad credential, unreachable service, refusal.

0 ok, 1 refused or a check found problems, 2 usage or configuration (a wrong
credential too: running again cannot help), 3 a service failed: run again.
Each case runs the real command line in-process against the one fake GitHub,
the one fake Databricks workspace, or a closed loopback port, and checks the
code, a one-paragraph `goldenpath <command>: ...` message, no traceback (an
exception escaping `main` fails the test) and no token in anything printed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from test_cli_help import COMMANDS

from contract_world import (
    AB_COMMANDS,
    CREATE_REPO,
    DATABRICKS_COMMANDS,
    MONITOR_COMMANDS,
    NAME,
    RELEASED,
    SDK_VARIABLES,
    SETTINGS,
    WRONG_DATABRICKS_TOKEN,
    WRONG_GITHUB_TOKEN,
    WRONG_UPLOAD_TOKEN,
    Case,
    World,
    answers_repo,
    serving_repo,
    start_world,
)
from goldenpath.cli import main
from rendering import REPO_ROOT


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from start_world(tmp_path_factory)


def usage_cases(w: World) -> dict[str, Case]:
    no_answers = w.scratch / "empty"
    no_answers.mkdir(exist_ok=True)
    profiles = w.scratch / "databrickscfg"
    profiles.write_text("[dev]\nhost = https://adb-1.azuredatabricks.net\ntoken = x\n")
    repo = str(w.repo)
    return {
        "new": Case(["new", "--data", "team"], 2, says="is not KEY=VALUE"),
        "check-name": Case(["check-name", "x", "--kind", "nope"], 2, says="invalid choice"),
        "check-repo": Case(["check-repo", "/nonexistent"], 2, says="/nonexistent does not exist"),
        "update": Case(["update", "--check", "--path", str(no_answers)], 2, says=".copier-answers.yml"),
        "databricks preflight": Case(
            ["databricks", "preflight", "--target", "nosuch", "--path", repo], 2, says="target 'nosuch'"
        ),
        "databricks verify": Case(
            [
                "databricks",
                "verify",
                "--target",
                "acc",
                "--git-sha",
                "x",
                "--version",
                "1",
                "--path",
                repo,
                "--profile",
                "nosuch",
            ],
            2,
            {"DATABRICKS_CONFIG_FILE": str(profiles)},
            "no profile 'nosuch'",
        ),
        "databricks smoke": Case(
            ["databricks", "smoke", "--target", "acc", "--timeout", "soon", "--path", repo],
            2,
            says="--timeout",
        ),
        "databricks trace": Case(["databricks", "trace", "not a query!", "--path", repo], 2, says="git sha"),
        "trace": Case(
            ["trace", "abcdef1", "--path", repo, "--request-timeout", "0"], 2, says="--request-timeout"
        ),
        "monitor status": Case(
            ["monitor", "status", "--target", "nosuch", "--path", repo], 2, says="target 'nosuch'"
        ),
        "monitor prepare": Case(
            ["monitor", "prepare", "--target", "acc", "--path", repo, "--profile", "nosuch"],
            2,
            {"DATABRICKS_CONFIG_FILE": str(profiles)},
            "no profile 'nosuch'",
        ),
        "create-repo": Case([*CREATE_REPO], 2, says="GITHUB_TOKEN"),
        "fleet": Case(["fleet", "--concurrency", "0"], 2, says="at least 1"),
        "fleet merge": Case(["fleet", "merge", str(w.scratch / "missing.json")], 2, says="missing.json"),
        "fleet plan": Case(["fleet", "plan"], 2, says="GITHUB_TOKEN"),
        "release verify": Case(
            ["release", "verify", "--tag", "v1.0.0", "--root", str(no_answers)], 2, says="goldenpath.yml"
        ),
        "release notes": Case(
            ["release", "notes", "--tag", "1.1", "--root", str(REPO_ROOT)], 2, says="not a release tag"
        ),
        "release publish": Case(
            ["release", "publish", "--tag", "v1.0.0", "--root", str(REPO_ROOT)],
            2,
            w.github_env,
            "GITHUB_REPOSITORY",
        ),
        "release rollback": Case(
            ["release", "rollback", "--to", "main"],
            2,
            {**w.github_env, "GITHUB_REPOSITORY": SETTINGS.central_slug},
            "not a release tag",
        ),
        "release upload": Case(
            w.upload(RELEASED, w.index.url, w.index.upload_url),
            2,
            {"SSL_CERT_FILE": str(w.tls.bundle)},
            "no credentials to upload",
        ),
        "pin-refs": Case(["pin-refs", "--root", str(no_answers)], 2, says="goldenpath.yml"),
        "ab start": Case(
            ["ab", "start", "--challenger", "2", "--percent", "60", "--path", serving_repo(w)],
            2,
            says="--percent 60 is outside 1-50",
        ),
        "ab status": Case(["ab", "status", "--path", repo], 2, says="is a batch repository"),
        "ab promote": Case(
            ["ab", "promote", "--target", "nosuch", "--path", serving_repo(w)], 2, says="target 'nosuch'"
        ),
        "ab abort": Case(["ab", "abort", "--path", repo], 2, says="is a batch repository"),
    }


def credential_cases(w: World) -> dict[str, Case]:
    """A token the service refuses: exit 2, whatever the command."""
    repo = str(w.repo)
    github = {
        **w.github_env,
        "GITHUB_TOKEN": WRONG_GITHUB_TOKEN,
        "GITHUB_REPOSITORY": f"{SETTINGS.org}/{NAME}",
    }
    databricks = {**w.databricks_env, "DATABRICKS_TOKEN": WRONG_DATABRICKS_TOKEN}
    release = {**github, "GITHUB_SERVER_URL": w.github.url, "GITHUB_REPOSITORY": SETTINGS.central_slug}
    source = f"{w.github.url}/{SETTINGS.central_slug}.git"  # the fake refuses git's token too
    return {
        "update": Case(
            ["update", "--check", "--path", answers_repo(w, "cred", source)], 2, github, "cannot list"
        ),
        "update --open-pr": Case(["update", "--open-pr", "--path", repo], 2, github, "refused the token"),
        **{
            f"databricks {name}": Case(
                ["databricks", name, *extra, "--path", repo], 2, databricks, "refused the credentials"
            )
            for name, extra in DATABRICKS_COMMANDS.items()
        },
        "trace": Case(["trace", "abcdef1", "--path", repo], 2, databricks, "refused the credentials"),
        **{
            f"monitor {name}": Case(
                ["monitor", name, "--target", "acc", "--path", repo], 2, databricks, "refused the credentials"
            )
            for name in MONITOR_COMMANDS
        },
        **{
            f"ab {name}": Case(
                ["ab", name, *extra, "--path", serving_repo(w)], 2, databricks, "refused the credentials"
            )
            for name, extra in AB_COMMANDS.items()
        },
        "create-repo": Case([*CREATE_REPO], 2, github, "refused the token"),
        "fleet": Case(["fleet"], 2, github, "refused the token"),
        "fleet plan": Case(["fleet", "plan"], 2, github, "refused the token"),
        "release publish": Case(
            ["release", "publish", "--tag", "v1.0.0", "--root", str(REPO_ROOT)], 2, release
        ),
        "release rollback": Case(
            ["release", "rollback", "--to", "v1.0.0", "--root", str(REPO_ROOT)], 2, release
        ),
        "release upload": Case(
            w.upload(RELEASED, w.index.url, w.index.upload_url),
            2,
            {"SSL_CERT_FILE": str(w.tls.bundle), "UV_PUBLISH_TOKEN": WRONG_UPLOAD_TOKEN},
            "403",
        ),
    }


def unreachable_cases(w: World) -> dict[str, Case]:
    """A service that does not answer: exit 3 ("run again"), naming where it was looked for."""
    repo = str(w.repo)
    host = w.closed.removeprefix("http://")
    github = {
        "GITHUB_API_URL": w.closed,
        "GITHUB_TOKEN": "ghs_x",
        "GITHUB_REPOSITORY": f"{SETTINGS.org}/{NAME}",
    }
    databricks = {"DATABRICKS_HOST": w.closed, "DATABRICKS_TOKEN": "dapi-x"}
    release = {**github, "GITHUB_SERVER_URL": w.closed, "GITHUB_REPOSITORY": SETTINGS.central_slug}
    source = f"{w.closed}/{SETTINGS.central_slug}.git"
    return {
        "update": Case(["update", "--check", "--path", answers_repo(w, "down", source)], 3, says=host),
        "update --open-pr": Case(["update", "--open-pr", "--path", repo], 3, github, host),
        **{
            f"databricks {name}": Case(["databricks", name, *extra, "--path", repo], 3, databricks, host)
            for name, extra in DATABRICKS_COMMANDS.items()
        },
        "trace": Case(["trace", "abcdef1", "--path", repo], 3, databricks, host),
        **{
            f"monitor {name}": Case(["monitor", name, "--target", "acc", "--path", repo], 3, databricks, host)
            for name in MONITOR_COMMANDS
        },
        **{
            f"ab {name}": Case(["ab", name, *extra, "--path", serving_repo(w)], 3, databricks, host)
            for name, extra in AB_COMMANDS.items()
        },
        "create-repo": Case([*CREATE_REPO], 3, github, host),
        "fleet": Case(["fleet"], 3, github, host),
        "fleet plan": Case(["fleet", "plan"], 3, github, host),
        "release publish": Case(
            ["release", "publish", "--tag", "v1.0.0", "--root", str(REPO_ROOT)], 3, release, host
        ),
        "release rollback": Case(
            ["release", "rollback", "--to", "v1.0.0", "--root", str(REPO_ROOT)], 3, release, host
        ),
        "release upload": Case(
            w.upload(RELEASED, f"https://{host}/simple/", f"https://{host}/upload/"),
            3,
            {"UV_PUBLISH_TOKEN": "pypi-x"},
            host,
        ),
    }


def refusal_cases(w: World) -> dict[str, Case]:
    """Refused, or a check that found problems: exit 1, nothing changed."""
    repo = str(w.repo)
    renamed = w.scratch / "renamed" / NAME
    if not renamed.exists():
        shutil.copytree(w.repo, renamed)
        job = renamed / "resources" / "pipeline_job.yml"
        job.write_text(job.read_text().replace(f"{NAME}-pipeline", "my-job"))
    other_org = w.scratch / "other-org.yml"
    other_org.write_text(
        (REPO_ROOT / "goldenpath.yml").read_text().replace("org: acme-retail", "org: another-org")
    )
    databricks = w.databricks_env  # an empty workspace: every check fails, nothing is deployed
    return {
        "new": Case(
            [
                "new",
                str(w.scratch / "new"),
                "--defaults",
                "--data",
                f"repo_name={NAME}",
                "--data",
                "team=ds-ecm",
            ],
            1,
            says="may only create repositories of unit ecm",
        ),
        "check-name": Case(["check-name", "RTL-Forecasting"], 1),
        "check-repo": Case(["check-repo", str(renamed)], 1),
        **{
            f"databricks {name}": Case(["databricks", name, *extra, "--path", repo], 1, databricks)
            for name, extra in DATABRICKS_COMMANDS.items()
        },
        "trace": Case(["trace", "abcdef1", "--path", repo], 1, databricks),
        # No monitor deployed (status gates on it); no warehouse to create the tables on (prepare).
        **{
            f"monitor {name}": Case(["monitor", name, "--target", "acc", "--path", repo], 1, databricks)
            for name in MONITOR_COMMANDS
        },
        # An empty workspace: no such version, no test to watch, promote or abort.
        "ab start": Case(
            ["ab", "start", *AB_COMMANDS["start"], "--path", serving_repo(w)], 1, databricks, "does not exist"
        ),
        "ab status": Case(["ab", "status", "--path", serving_repo(w)], 1, databricks),
        "ab promote": Case(["ab", "promote", "--path", serving_repo(w)], 1, databricks, "no A/B test runs"),
        "create-repo": Case(
            [*CREATE_REPO[:1], "$(id)", *CREATE_REPO[2:]],
            1,
            w.github_env,
            "expected <unit>-<domain>-<usecase>",
        ),
        "release verify": Case(["release", "verify", "--tag", "v9.9.9", "--root", str(REPO_ROOT)], 1),
        "release notes": Case(
            ["release", "notes", "--tag", "v0.0.1", "--root", str(REPO_ROOT)], 1, says="no section for 0.0.1"
        ),
        "release publish": Case(
            ["release", "publish", "--tag", "v9.9.9", "--root", str(REPO_ROOT)],
            1,
            {**w.github_env, "GITHUB_REPOSITORY": SETTINGS.central_slug},
            "nothing was changed",
        ),
        "release upload": Case(
            w.upload("v9.9.9", w.index.url, w.index.upload_url),
            1,
            {"SSL_CERT_FILE": str(w.tls.bundle), "UV_PUBLISH_TOKEN": "pypi-right"},
            "is not v + the pyproject.toml version",
        ),
        "pin-refs": Case(["pin-refs", "--check", "--root", str(REPO_ROOT), "--settings", str(other_org)], 1),
    }


KINDS: dict[str, Callable[[World], dict[str, Case]]] = {
    "usage": usage_cases,
    "credential": credential_cases,
    "unreachable": unreachable_cases,
    "refusal": refusal_cases,
}
# Commands a kind cannot apply to: no service to refuse a credential or be down, nothing to refuse.
LOCAL = {"new", "check-name", "check-repo", "pin-refs", "release verify", "release notes", "fleet merge"}
NOT_APPLICABLE = {
    "credential": LOCAL,
    "unreachable": LOCAL,
    # Refusals of these are tested in their own files; `ab abort` with no test is done (exit 0), not refused.
    "refusal": {"update", "fleet", "fleet merge", "fleet plan", "release rollback", "ab abort"},
}
# Every command that runs something: a leaf, or a command that also has subcommands (`fleet`).
LEAVES = sorted(name for name, command in COMMANDS.items() if command.get_default("handler") is not None)
CASE_IDS = [(kind, name) for kind in KINDS for name in LEAVES if name not in NOT_APPLICABLE.get(kind, set())]


@pytest.mark.parametrize(("kind", "name"), CASE_IDS, ids=[f"{kind}:{name}" for kind, name in CASE_IDS])
def test_the_exit_code_contract(
    world: World, kind: str, name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = KINDS[kind](world)
    extra = [key for key in cases if key.startswith(f"{name} ")]  # e.g. `update --open-pr`
    assert name in cases, f"no {kind} case for {name}"
    for key in (name, *extra):
        case = cases[key]
        for variable in [v for v in os.environ if v.startswith(SDK_VARIABLES)]:
            monkeypatch.delenv(variable)
        monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(world.scratch / "no-databrickscfg"))
        monkeypatch.setenv("GOLDENPATH_REQUEST_TIMEOUT", "5")
        for variable, value in case.env.items():
            monkeypatch.setenv(variable, value)
        code, out, err = run(case.argv, capsys)
        assert code == case.code, f"{key}: exit {code}, expected {case.code}\n{err}"
        assert_one_paragraph(key, err, case)
        secrets = (WRONG_GITHUB_TOKEN, WRONG_DATABRICKS_TOKEN, WRONG_UPLOAD_TOKEN)
        for secret in (*secrets, world.github.token, world.workspace.token):
            assert secret not in out + err, f"{key} printed a token"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_paragraph(key: str, err: str, case: Case) -> None:
    assert "Traceback" not in err, err
    command = key.split(" --")[0]
    lines = err.rstrip("\n").split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith(f"goldenpath {command}: ")]
    if case.code in (2, 3) or case.says:
        assert starts, f"{key}: no 'goldenpath {command}: ...' message in\n{err}"
        message = "\n".join(lines[starts[-1] :])
        assert "\n\n" not in message, f"{key}: the message is more than one paragraph:\n{message}"
        assert case.says in message, f"{key}: {case.says!r} not in {message!r}"


def test_every_command_has_a_case_of_every_kind_that_applies(world: World) -> None:
    for kind, cases in KINDS.items():
        covered = {key.split(" --")[0] for key in cases(world)}
        assert covered == set(LEAVES) - NOT_APPLICABLE.get(kind, set()), kind
