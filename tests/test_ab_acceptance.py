"""The A/B story a data scientist lives, in one fresh serving repo, against the fake workspace and GitHub.

`ab start --challenger 2 --percent 10 --open-pr`, the pull request merged, `ab status`
while the readout waits and once it can conclude, then `ab promote --open-pr`: the
commands, git, the pull requests and the workspace's aliases, tags and tables are the
real ones (databricks-sdk and githubkit against the fakes, a local bare remote).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from databricks_env import SETTINGS, healthy_workspace, run
from fakes.github import start_fake_github
from goldenpath import ab_config
from goldenpath.ab_config import read_ab_file
from goldenpath.databricks.bundle import load_bundle
from goldenpath.naming import MONITOR_COLUMNS, derive_names
from rendering import EXAMPLE_ANSWERS, copier_copy

NAMES = derive_names(str(EXAMPLE_ANSWERS["repo_name"]), SETTINGS)
PASSED = {
    ab_config.GATE_PASSED_TAG: "true",
    ab_config.GATE_METRIC_TAG: "r2",
    ab_config.GATE_VALUE_TAG: "0.41",
}
BRANCH = "goldenpath/ab-prd"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def readout(
    salt: str, at: str, n_challenger: int, can_conclude: bool, verdict: str
) -> list[dict[str, object]]:
    """One readout as the ab_readout task appends it: a row per variant."""
    test = {"test": "welch_t", "effect": 4.1, "effect_ci_low": 1.2, "effect_ci_high": 7.0, "p_value": 0.006}
    shared = {
        "experiment": salt,
        "readout_at": at,
        "start_date": "2026-05-04",
        "metric": "prediction",
        "metric_type": "continuous",
        "mde": 5.0,
        "alpha": 0.05,
        "power": 0.8,
        "can_conclude": can_conclude,
        "verdict": verdict,
        **(test if can_conclude else dict.fromkeys(test)),
    }
    arms = (("champion", "1", 9 * n_challenger, 150.0), ("challenger", "2", n_challenger, 154.1))
    return [
        {
            **shared,
            "variant": v,
            "model_version": m,
            "n": n,
            "mean": mean,
            "ci_low": mean - 2,
            "ci_high": mean + 2,
            "required_n": 8100 if v == "champion" else 900,
        }
        for v, m, n, mean in arms
    ]


def test_start_merge_status_promote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "work" / str(EXAMPLE_ANSWERS["repo_name"])
    copier_copy(repo, {**EXAMPLE_ANSWERS, "project_kind": "serving"})
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(
        repo, "-c", "user.name=Ada", "-c", "user.email=ada@example.invalid", "commit", "-q", "-m", "Generated"
    )
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    prd = load_bundle(repo, "prd")
    model = prd.model_full_name
    slug = f"{SETTINGS.org}/{repo.name}"

    with healthy_workspace(prd, monkeypatch, tmp_path) as workspace, start_fake_github() as github:
        # What training left in prd: version 1 the champion the endpoint serves, version 2 passed the gate.
        for _ in range(2):
            version = workspace.workspace.add_model_version(model, "training-run")
            workspace.workspace.version_tags(model, version).update(PASSED)
        workspace.workspace.set_alias(model, "champion", 1)
        workspace.workspace.add_endpoint(NAMES.endpoint_name, {"entity_name": model, "entity_version": 1})
        monkeypatch.setenv("GITHUB_TOKEN", github.token)
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", slug)
        pulls = github.state.setdefault("pulls", {}).setdefault(slug.lower(), [])

        # 1. Start the test, as a pull request.
        code, out, err = run(repo, capsys, "ab", "start", "--challenger", "2", "--percent", "10", "--open-pr")
        assert code == 0, err
        assert "review and merge the pull request" in out
        assert workspace.workspace.aliases[model]["challenger"] == 2
        [started] = pulls
        assert started["title"] == "A/B test in prd: challenger version 2 for 10% of keys"
        assert (started["head"]["ref"], started["base"]["ref"]) == (BRANCH, "main")
        assert (
            "| share | 10% of keys |" in started["body"]
            and "`challenger` alias names version 2" in started["body"]
        )
        assert git(repo, "status", "--porcelain") == ""  # the change lives in the pull request
        assert git(remote, "log", "-1", "--format=%ae", BRANCH) == SETTINGS.bot.email
        code, out, _ = run(
            repo, capsys, "ab", "start", "--challenger", "2", "--percent", "10", "--open-pr", "--json"
        )
        assert code == 0
        assert {s["name"]: s["result"] for s in json.loads(out)["steps"]}["pull request"] == "unchanged"
        assert len(pulls) == 1, "a rerun keeps the one pull request"

        # 2. A reviewer merges it.
        git(remote, "update-ref", "refs/heads/main", f"refs/heads/{BRANCH}")
        started.update(state="closed", merged_at="2026-05-04T09:00:00Z")
        git(repo, "pull", "-q", "--ff-only", "origin", "main")
        test = read_ab_file(repo).experiment("prd")
        assert test is not None and (test.challenger, test.percent) == ("2", 10)

        # 3. Watch it: the deploy and the scheduled readout fill the workspace's tables.
        inference = f"{prd.catalog}.{prd.schema}.{NAMES.inference_table}"
        columns = {
            "customer_id": "STRING",
            MONITOR_COLUMNS.variant: "STRING",
            MONITOR_COLUMNS.timestamp: "TIMESTAMP",
        }
        requests = [("champion", 8100), ("challenger", 900), ("unassigned", 3)]
        workspace.workspace.tables.create(
            inference,
            columns,
            [
                {
                    "customer_id": f"c{n}",
                    MONITOR_COLUMNS.variant: v,
                    MONITOR_COLUMNS.timestamp: f"{test.start_date} 12:00:00",
                }
                for v, count in requests
                for n in range(count)
            ],
        )
        readouts = f"{prd.catalog}.{prd.schema}.{NAMES.readout_table}"
        workspace.workspace.tables.create(readouts, dict(ab_config.READOUT_COLUMNS))
        workspace.workspace.tables.insert(
            readouts, readout(test.salt, "2026-05-10 06:00:00", 400, False, ab_config.NOT_ENOUGH_DATA)
        )
        code, out, _ = run(repo, capsys, "ab", "status")
        assert code == 1
        assert "traffic: champion 8100, challenger 900, unassigned 3" in out
        assert "verdict: not enough data yet - cannot conclude yet" in out
        code, _, err = run(repo, capsys, "ab", "promote")
        assert code == 1 and "cannot conclude yet (champion 3600 of 8100, challenger 400 of 900)" in err

        workspace.workspace.tables.insert(
            readouts, readout(test.salt, "2026-05-20 06:00:00", 900, True, ab_config.CHALLENGER_HIGHER)
        )
        code, out, _ = run(repo, capsys, "ab", "status", "--json")
        assert code == 0
        status = json.loads(out)
        assert (status["can_conclude"], status["verdict"]) == (True, ab_config.CHALLENGER_HIGHER)
        assert status["readout"]["arms"][1] == {
            "variant": "challenger",
            "model_version": "2",
            "n": 900,
            "mean": 154.1,
            "ci_low": 152.1,
            "ci_high": 156.1,
            "required_n": 900,
        }

        # 4. Promote, as a pull request that ends the test.
        code, out, err = run(repo, capsys, "ab", "promote", "--open-pr")
        assert code == 0, err
        assert workspace.workspace.aliases[model] == {"champion": 2}
        tags = workspace.workspace.version_tags(model, 2)
        assert tags[ab_config.OUTCOME_TAG] == ab_config.PROMOTED
        assert json.loads(tags[ab_config.READOUT_TAG])["p_value"] == 0.006
        [_, promoted] = pulls
        assert promoted["title"] == "A/B test in prd: promote challenger version 2"
        assert promoted["state"] == "open" and promoted["head"]["ref"] == BRANCH
        ended = git(remote, "show", f"{BRANCH}:{ab_config.AB_FILE}")
        assert "\ntargets:" not in ended and git(remote, "show", f"main:{ab_config.AB_FILE}") != ended
        code, out, _ = run(repo, capsys, "ab", "promote", "--open-pr", "--json")
        assert code == 0
        assert {s["result"] for s in json.loads(out)["steps"]} <= {"unchanged"}
        assert len(pulls) == 2
