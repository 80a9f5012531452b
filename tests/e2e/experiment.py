"""An A/B test a serving repo configures before its deploy, and what the deploy must leave on the endpoint.

The deploy run of a serving repo proves both kinds of rollout at once: the
repo's `resources/ab.yml` tests version 2 against the champion in acc, so the
job's rollout task (the fake workspace's, as the generated one does it) serves
the router, and the endpoint config must name both versions.
"""

from __future__ import annotations

from datetime import date

from e2e.repos import GeneratedRepo
from fakes.databricks import Workspace
from goldenpath import ab_config
from goldenpath.ab_config import Experiment, read_ab_file, write_target
from goldenpath.naming import DerivedNames, derive_names
from goldenpath.settings import load_settings

TARGET = "acc"
CHAMPION, CHALLENGER = 1, 2


def configure(repo: GeneratedRepo, workspace: Workspace) -> None:
    """Training left versions 1 (the champion) and 2, both past the gate; the repo tests 2 on 10 % of keys."""
    model = derive_names(repo.name, load_settings()).uc_model_path(TARGET)
    for _ in (CHAMPION, CHALLENGER):
        version = workspace.add_model_version(model, "training-run")
        workspace.version_tags(model, version)[ab_config.GATE_PASSED_TAG] = "true"
    workspace.set_alias(model, ab_config.CHAMPION_ALIAS, CHAMPION)
    values = read_ab_file(repo.path).values(TARGET)
    test = Experiment(
        challenger=str(CHALLENGER),
        percent=10,
        salt=f"20260504-v{CHALLENGER}",
        start_date=date(2026, 5, 4),
        key="",
        metric=values["metric"],
        metric_type=values["metric_type"],
        mde=float(values["mde"]),
        kpi_table=values["kpi_table"],
        kpi_join=values["kpi_join"],
    )
    assert write_target(repo.path, TARGET, test)
    repo.commit(f"A/B test version {CHALLENGER} in {TARGET}")


def assert_both_versions_served(repo: GeneratedRepo, workspace: Workspace, names: DerivedNames) -> None:
    """The endpoint serves one router version, and its config names the champion and the challenger."""
    test = read_ab_file(repo.path).experiment(TARGET)
    assert test is not None, "the repo's resources/ab.yml runs no test in acc"
    model = names.uc_model_path(TARGET)
    [served] = workspace.endpoints[names.endpoint_name]["served_entities"]
    assert served["entity_name"] == model
    environment = ab_config.ENVIRONMENT
    assert served["environment_vars"] == {
        environment["champion"]: str(CHAMPION),
        environment["challenger"]: test.challenger,
        environment["percent"]: str(test.percent),
        environment["salt"]: test.salt,
        environment["key"]: ab_config.DEFAULT_KEY_COLUMN,
    }
    router = int(served["entity_version"])
    assert router not in (CHAMPION, CHALLENGER)
    assert workspace.version_tags(model, router)[ab_config.ROUTER_TAG] == "true"
