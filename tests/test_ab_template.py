"""A/B testing in a rendered serving repo: the sticky assignment's properties and the experiment config.

The assignment is the generated repo's own module (standard library only), imported
from a fresh render, so these properties hold for exactly the code the endpoint runs.
"""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from goldenpath import ab_config
from goldenpath.ab_config import Experiment, read_ab_file, write_target
from rendering import BIN, BUNDLE_SCHEMA, render

PACKAGE = "rtl_forecasting_demand_weekly"
KEYS = st.one_of(st.integers(), st.text(min_size=1, max_size=40).filter(str.strip))
SALTS = st.text(alphabet="abcdef0123456789-", min_size=4, max_size=24)


@pytest.fixture(scope="module")
def serving_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("ab"), {"project_kind": "serving"})


@pytest.fixture(scope="module")
def assignment(serving_repo: Path) -> ModuleType:
    path = serving_repo / "src" / PACKAGE / "assignment.py"
    spec = importlib.util.spec_from_file_location("generated_assignment", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@settings(max_examples=300, deadline=None)
@given(key=KEYS, salt=SALTS, percent=st.integers(1, 50))
def test_the_same_key_always_gets_the_same_variant(
    assignment: ModuleType, key: int | str, salt: str, percent: int
) -> None:
    variant = assignment.assign(key, salt, percent)
    assert variant in (ab_config.CHAMPION, ab_config.CHALLENGER)
    assert all(assignment.assign(key, salt, percent) == variant for _ in range(3))
    if isinstance(key, int):  # the same id as JSON or pandas may deliver it
        assert assignment.assign(str(key), salt, percent) == variant
        assert abs(key) > 2**53 or assignment.assign(float(key), salt, percent) == variant


def test_the_assignment_does_not_depend_on_the_process(assignment: ModuleType, serving_repo: Path) -> None:
    """Every serving replica and the readout agree: no per-process hash seed is involved."""
    keys = [f"customer-{n}" for n in range(200)]
    here = [assignment.assign(key, "s41t", 30) for key in keys]
    script = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); import assignment; "
        f"print(json.dumps([assignment.assign(k, 's41t', 30) for k in {keys!r}]))"
    )
    package = str(serving_repo / "src" / PACKAGE)
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script, package], capture_output=True, text=True, check=True, env=env
        )
        assert yaml.safe_load(done.stdout) == here


@settings(max_examples=25, deadline=None)
@given(salt=SALTS, percent=st.integers(1, 50))
def test_the_challenger_share_over_many_keys_is_close_to_the_percent(
    assignment: ModuleType, salt: str, percent: int
) -> None:
    keys = 20_000
    share = sum(assignment.assign(n, salt, percent) == ab_config.CHALLENGER for n in range(keys)) / keys
    p = percent / 100
    assert abs(share - p) <= 5 * math.sqrt(p * (1 - p) / keys)


@settings(max_examples=100, deadline=None)
@given(
    keys=st.lists(KEYS, min_size=1, max_size=200, unique=True),
    salt=SALTS,
    shares=st.tuples(st.integers(1, 50), st.integers(1, 50)).map(sorted),
)
def test_raising_the_share_only_moves_keys_from_champion_to_challenger(
    assignment: ModuleType, keys: list[int | str], salt: str, shares: list[int]
) -> None:
    lower, higher = shares
    before = {key: assignment.assign(key, salt, lower) for key in keys}
    after = {key: assignment.assign(key, salt, higher) for key in keys}
    moved = {key for key in keys if before[key] != after[key]}
    assert all(before[key] == ab_config.CHAMPION and after[key] == ab_config.CHALLENGER for key in moved)


def test_a_new_salt_draws_a_fresh_challenger_group(assignment: ModuleType) -> None:
    """Two experiments at 20 %: their challenger groups overlap by chance only (about 4 % of keys)."""
    keys = range(20_000)
    first = {n for n in keys if assignment.assign(n, "2026-05-04-v2", 20) == ab_config.CHALLENGER}
    second = {n for n in keys if assignment.assign(n, "2026-06-01-v3", 20) == ab_config.CHALLENGER}
    overlap = len(first & second) / len(keys)
    assert abs(overlap - 0.04) < 5 * math.sqrt(0.04 * 0.96 / len(keys))


EXPERIMENT = Experiment(
    challenger="2",
    percent=10,
    salt="2026-05-04-v2-a1b2",
    start_date=date(2026, 5, 4),
    key="",
    metric="prediction",
    metric_type=ab_config.CONTINUOUS,
    mde=5.0,
    kpi_table="",
    kpi_join="request_id",
)


def bundle_files(repo: Path) -> list[str]:
    return ["databricks.yml", *sorted(f"resources/{p.name}" for p in (repo / "resources").glob("*.yml"))]


def test_the_rendered_experiment_config_runs_none_and_declares_every_variable(serving_repo: Path) -> None:
    config = read_ab_file(serving_repo)
    assert set(config.defaults) == set(ab_config.VARIABLES.values())
    assert config.targets == {}
    assert config.problems(None) == []
    assert not any(config.running(target) for target in ("dev", "acc", "prd"))
    job = (serving_repo / "resources" / "pipeline_job.yml").read_text(encoding="utf-8")
    for name in ("challenger", "percent", "salt", "key"):
        assert f"- --ab-{name}\n              - ${{var.ab_{name}}}" in job


def test_an_experiment_written_to_the_bundle_is_schema_valid_and_reads_back(
    serving_repo: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-r", str(serving_repo), str(repo)], check=True)
    before = (repo / ab_config.AB_FILE).read_text(encoding="utf-8")
    assert write_target(repo, "acc", EXPERIMENT)
    assert not write_target(repo, "acc", EXPERIMENT)  # already so: nothing written
    written = (repo / ab_config.AB_FILE).read_text(encoding="utf-8")
    assert written.startswith(before)  # the variables and their comments are kept
    assert read_ab_file(repo).experiment("acc") == EXPERIMENT
    assert read_ab_file(repo).experiment("prd") is None
    subprocess.run(
        [str(BIN / "check-jsonschema"), "--schemafile", str(BUNDLE_SCHEMA), *bundle_files(repo)],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    assert write_target(repo, "acc", None)
    assert (repo / ab_config.AB_FILE).read_text(encoding="utf-8") == before
