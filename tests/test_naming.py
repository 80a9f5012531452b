"""The naming rules, their suggestions and the names derived from them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from goldenpath.naming import (
    MONITOR_COLUMNS,
    REQUIRED_TAGS,
    check_endpoint_name,
    check_github_repo,
    check_job_name,
    check_name,
    check_python_package,
    check_repo_name,
    check_tag_value,
    check_uc_identifier,
    derive_names,
    format_problems,
    may_create,
    suggest_repo_name,
)
from goldenpath.project import Project
from goldenpath.settings import Settings, load_settings

SETTINGS = load_settings()

# (name, rules that must fire); an empty set means the name is valid.
CASES: list[tuple[str, set[str]]] = [
    ("rtl-forecasting-demand-weekly", set()),
    ("rtl-forecasting-demand", set()),
    ("ecm-pricing-promo-uplift-v2", set()),
    ("sup-fraud-a", set()),
    ("sup-search-ranking2", set()),
    ("ecm-personalization-recs-home-pg", set()),
    ("rtl-pricing-x1-y2-z3", set()),
    ("rtl-forecasting-" + "a" * 24, set()),  # exactly 40 characters
    ("rtl-forecasting-" + "a" * 25, {"max-length"}),  # 41 characters
    ("", {"empty"}),
    ("RTL-forecasting-demand", {"charset"}),
    ("rtl-Forecasting-demand", {"charset"}),
    ("rtl_forecasting_demand", {"charset"}),
    ("rtl forecasting demand", {"charset"}),
    ("rtl-forecasting--demand", {"hyphens"}),
    ("-rtl-forecasting-demand", {"hyphens"}),
    ("rtl-forecasting-demand-", {"hyphens"}),
    ("rtl.forecasting.demand", {"charset"}),
    ("rtl-forecasting-dеmand", {"charset"}),  # Cyrillic 'е' look-alike
    ("rtl-forecаsting-demand", {"charset"}),  # Cyrillic 'а' in the domain
    ("ｒｔｌ-forecasting-demand", {"charset"}),  # full-width letters
    ("rtl-forecasting-démand", {"charset"}),
    ("rtll-forecasting-demand", {"unit"}),
    ("xyz-forecasting-demand", {"unit"}),
    ("rtl-forecast-demand", {"domain"}),
    ("rtl-marketing-demand", {"domain"}),
    ("rtl-forecasting", {"usecase"}),
    ("rtl", {"domain", "usecase"}),
    ("rtl-forecasting-a-b-c-d", {"usecase"}),
    ("rtl-forecasting-1demand", {"usecase-segment"}),
    ("1rtl-forecasting-demand", {"unit"}),
    ("rtl-forecasting-demand-2024", {"usecase-segment"}),
    ("rtl-forecasting-tmp", {"reserved-word"}),
    ("rtl-forecasting-demand-test", {"reserved-word"}),
    ("rtl-forecasting-temp-model", {"reserved-word"}),
    ("rtl-forecasting-demand;rm -rf", {"charset"}),
    ("rtl-forecasting-$(id)", {"charset"}),
    ("rtl-forecasting-`id`", {"charset"}),
    ("rtl-forecasting-demand\nweekly", {"charset"}),
    ("rtl-forecasting-demand&&reboot", {"charset"}),
    ("rtl-forecasting-demand|cat", {"charset"}),
    ("rtl-forecasting-../../etc", {"charset"}),
    ("rtl-forecasting-demand'quoted'", {"charset"}),
    ("a;rm -rf", {"charset"}),
    ("$(id)", {"charset"}),
]


@pytest.mark.parametrize(("name", "rules"), CASES, ids=[repr(c[0]) for c in CASES])
def test_repo_name_rules(name: str, rules: set[str]) -> None:
    fired = {violation.rule for violation in check_repo_name(name, SETTINGS)}
    assert rules <= fired
    assert bool(fired) == bool(rules)


def test_table_is_large_and_mixed() -> None:
    assert len(CASES) >= 40
    assert {len(name) for name, _ in CASES} >= {40, 41}
    assert sum(1 for _, rules in CASES if not rules) >= 8


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("RTL_Forecasting--Demand", "rtl-forecasting-demand"),
        ("rtll-forecasting-demand", "rtl-forecasting-demand"),
        ("rtl forecasting demand weekly", "rtl-forecasting-demand-weekly"),
        ("rtl-forecast-demand", "rtl-forecasting-demand"),
        ("rtl-forecasting-demand-test", "rtl-forecasting-demand"),
        ("rtl-forecasting-a-b-c-d", "rtl-forecasting-a-b-c"),
        ("Rtl-Forecasting-Démand", "rtl-forecasting-demand"),
    ],
)
def test_suggestions(name: str, suggestion: str) -> None:
    assert suggest_repo_name(name, SETTINGS) == suggestion


def test_unknown_unit_says_did_you_mean() -> None:
    [violation] = check_repo_name("rtll-forecasting-demand", SETTINGS)
    assert violation.message == "unit 'rtll' is not one of ecm, rtl, sup; did you mean 'rtl'?"


def test_message_names_rules_and_shows_a_valid_example() -> None:
    message = format_problems(
        "RTL_Forecasting--Demand", check_repo_name("RTL_Forecasting--Demand", SETTINGS), SETTINGS
    )
    assert "charset:" in message
    assert "did you mean 'rtl-forecasting-demand'?" in message
    assert "for example 'rtl-forecasting-demand-weekly'" in message


def test_derived_names_table() -> None:
    names = derive_names("rtl-forecasting-demand-weekly", SETTINGS)
    assert names.package == "rtl_forecasting_demand_weekly"
    assert names.uc_schema == "forecasting_demand_weekly"
    assert names.uc_model == "demand_weekly_model"
    assert names.job_name == "rtl-forecasting-demand-weekly-pipeline"
    assert names.endpoint_name == "rtl-forecasting-demand-weekly-serving"
    assert names.inference_table_prefix == "demand_weekly_model"
    assert names.catalogs == {"dev": "dev_rtl", "acc": "acc_rtl", "prd": "prd_rtl"}
    assert names.uc_model_path("prd") == "prd_rtl.forecasting_demand_weekly.demand_weekly_model"


def test_monitoring_names_table() -> None:
    """The tables, jobs and alert that monitoring reads and writes (docs/monitoring.md)."""
    names = derive_names("rtl-forecasting-demand-weekly", SETTINGS)
    package = "rtl_forecasting_demand_weekly"
    assert names.predictions_table == f"{package}_predictions"
    assert names.baseline_table == f"{package}_baseline"
    assert names.input_table == f"{package}_input"
    assert names.payload_table == "demand_weekly_model_payload"
    assert names.inference_table == f"{package}_inference"
    assert names.readout_table == f"{package}_ab_readout"
    assert names.monitored_table(serving=False) == names.predictions_table
    assert names.monitored_table(serving=True) == names.inference_table
    assert names.drift_metrics_table(serving=False) == f"{package}_predictions_drift_metrics"
    assert names.profile_metrics_table(serving=True) == f"{package}_inference_profile_metrics"
    assert names.table_path("acc", names.predictions_table) == (
        f"acc_rtl.forecasting_demand_weekly.{package}_predictions"
    )
    assert names.monitoring_job_name == "rtl-forecasting-demand-weekly-monitoring"
    assert names.drift_alert_name == "rtl-forecasting-demand-weekly-drift"
    assert names.job_names == {
        "pipeline": "rtl-forecasting-demand-weekly-pipeline",
        "monitoring": "rtl-forecasting-demand-weekly-monitoring",
    }


def test_monitor_columns_are_one_contract() -> None:
    assert MONITOR_COLUMNS.batch == (
        "row_id",
        "prediction",
        "model_version",
        "predicted_at",
        "label",
        "job_run_id",
    )
    assert MONITOR_COLUMNS.serving == (
        *MONITOR_COLUMNS.batch,
        "status_code",
        "latency_ms",
        "request_id",
        "variant",
    )
    assert all(check_uc_identifier(column) == [] for column in MONITOR_COLUMNS.serving)
    assert list(MONITOR_COLUMNS.sql_types(serving=True)) == list(MONITOR_COLUMNS.serving)


def test_the_monitored_tables_can_be_created_before_the_first_deploy() -> None:
    names = derive_names("rtl-forecasting-demand-weekly", SETTINGS)
    batch, baseline = names.monitored_tables_ddl("acc", serving=False)
    schema = "acc_rtl.forecasting_demand_weekly"
    assert batch == (
        f"CREATE TABLE IF NOT EXISTS {schema}.rtl_forecasting_demand_weekly_predictions "
        "(row_id STRING, prediction DOUBLE, model_version STRING, predicted_at TIMESTAMP, "
        "label DOUBLE, job_run_id STRING)"
    )
    assert baseline.startswith(
        f"CREATE TABLE IF NOT EXISTS {schema}.rtl_forecasting_demand_weekly_baseline ("
    )
    unpacked, _ = names.monitored_tables_ddl("prd", serving=True)
    assert "prd_rtl.forecasting_demand_weekly.rtl_forecasting_demand_weekly_inference" in unpacked
    assert unpacked.endswith("status_code INT, latency_ms BIGINT, request_id STRING, variant STRING)")


def test_derive_refuses_invalid_names() -> None:
    with pytest.raises(ValueError, match="unit 'xyz'"):
        derive_names("xyz-forecasting-demand", SETTINGS)


@pytest.mark.parametrize(
    ("team", "name", "allowed"),
    [
        ("ml-platform", "sup-fraud-cards", True),
        ("ds-rtl", "rtl-forecasting-demand", True),
        ("ds-rtl", "ecm-pricing-promo", False),
        ("ds-nope", "rtl-forecasting-demand", False),
    ],
)
def test_who_may_create_what(team: str, name: str, allowed: bool) -> None:
    assert (may_create(team, name, SETTINGS) is None) is allowed


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (check_python_package, "rtl_forecasting", ["class", "1abc", "a-b", "Abc"]),
        (check_uc_identifier, "forecasting_demand", ["Forecasting", "a.b", "a b", "x" * 256]),
        (check_job_name, "rtl-forecasting-demand-pipeline", ["", "Job", "a/b", "x" * 101]),
        (check_tag_value, "CC-1234", ["", "a<b", "a/b", "x" * 257, "a\nb"]),
        (check_github_repo, "rtl-forecasting", ["", ".", "..", "a b", "x" * 101]),
    ],
)
def test_target_system_rules(check, good: str, bad: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert check(good) == []
    for value in bad:
        assert check(value), value


@pytest.mark.parametrize(
    ("name", "rules"),
    [
        ("rtl-forecasting-demand-weekly-serving", set()),
        ("a", set()),
        ("0_model-v2", set()),
        ("x" * 63, set()),
        ("x" * 64, {"endpoint-length"}),
        ("rtl-" + "y" * 70, {"endpoint-length"}),
        ("", {"endpoint-name"}),
        ("-serving", {"endpoint-name"}),
        ("_serving", {"endpoint-name"}),
        ("Demand-Serving", {"endpoint-name"}),
        ("demand.serving", {"endpoint-name"}),
        ("demand serving", {"endpoint-name"}),
        ("demand/serving", {"endpoint-name"}),
        ("demand\nserving", {"endpoint-name"}),
        ("démand", {"endpoint-name"}),
        ("databricks-demand", {"endpoint-reserved"}),
        ("databricks-" + "x" * 60, {"endpoint-reserved", "endpoint-length"}),
        ("databricks_demand", set()),
    ],
)
def test_endpoint_name_rules(name: str, rules: set[str]) -> None:
    assert {v.rule for v in check_endpoint_name(name)} == rules


def test_check_name_dispatches_on_kind() -> None:
    assert check_name("rtl_forecasting_demand", "package", SETTINGS) == []
    assert check_name("rtl_forecasting_demand", "repo", SETTINGS)
    assert check_name("rtl-forecasting-demand-serving", "endpoint", SETTINGS) == []
    assert check_name("Demand.Serving", "endpoint", SETTINGS)


def _valid_names(settings: Settings) -> st.SearchStrategy[str]:
    segment = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True).filter(
        lambda s: s not in settings.naming.reserved_words
    )
    usecase = st.lists(segment, min_size=settings.naming.usecase_min, max_size=settings.naming.usecase_max)
    names = st.builds(
        lambda unit, domain, parts: "-".join([unit, domain, *parts]),
        st.sampled_from(sorted(settings.units)),
        st.sampled_from(list(settings.domains)),
        usecase,
    )
    return names.filter(lambda n: len(n) <= settings.naming.max_length)


@hypothesis_settings(max_examples=300)
@given(_valid_names(SETTINGS))
def test_every_accepted_name_derives_valid_names_everywhere(name: str) -> None:
    assert check_repo_name(name, SETTINGS) == []
    names = derive_names(name, SETTINGS)
    assert check_python_package(names.package) == []
    assert check_github_repo(names.repo) == []
    assert check_job_name(names.job_name) == []
    assert check_endpoint_name(names.endpoint_name) == []
    assert check_uc_identifier(names.inference_table_prefix + "_payload") == []
    assert check_job_name(names.monitoring_job_name) == []
    for serving in (False, True):
        for table in (names.drift_metrics_table(serving), names.profile_metrics_table(serving)):
            assert check_uc_identifier(table) == []
    for table in (names.baseline_table, names.input_table, names.payload_table, names.readout_table):
        assert check_uc_identifier(table) == []
    for identifier in [names.uc_schema, names.uc_model, *names.catalogs.values()]:
        assert check_uc_identifier(identifier) == []
    project = Project(answers=_answers(name), names=names, settings=SETTINGS, template_version="1.2.3")
    assert set(project.job_tags) == set(REQUIRED_TAGS)
    for env in SETTINGS.environments:
        for template in project.job_tags.values():
            value = template.replace("${bundle.target}", env).replace("${var.git_sha}", "f" * 40)
            assert check_tag_value(value) == []


@hypothesis_settings(max_examples=500)
@given(st.text(max_size=60))
def test_every_suggestion_is_itself_accepted(text: str) -> None:
    suggestion = suggest_repo_name(text, SETTINGS)
    if suggestion is not None:
        assert check_repo_name(suggestion, SETTINGS) == []


@hypothesis_settings(max_examples=200)
@given(_valid_names(SETTINGS), st.sampled_from(["_", " ", "--", "__"]), st.booleans())
def test_mangled_valid_names_are_suggested_back(name: str, separator: str, upper: bool) -> None:
    mangled = name.replace("-", separator)
    mangled = mangled.upper() if upper else mangled
    assert suggest_repo_name(mangled, SETTINGS) == name


def _answers(name: str) -> dict[str, object]:
    return {
        "repo_name": name,
        "description": "d",
        "team": "ml-platform",
        "cost_center": "CC-1234",
        "python_version": "3.11",
        "project_kind": "serving",
        "auth_mode": "oidc",
        "include_example": True,
    }


def test_the_rules_have_one_home() -> None:
    """No second implementation of a naming pattern hides in the template, hooks, workflows or tooling."""
    from rendering import REPO_ROOT

    pattern_like = re.compile(r"\[a-z|cost_center_pattern|reserved_words|max_length|usecase_segments")
    places = [REPO_ROOT / "copier.yml", REPO_ROOT / "template" / "cookiecutter.json"]
    for folder in ("template", "hooks", "actions", ".github", "src/goldenpath"):
        places += [
            p
            for p in (REPO_ROOT / folder).rglob("*")
            if p.is_file() and p.suffix in {".py", ".yml", ".json", ".toml"}
        ]
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in places
        if path.name
        not in {"naming.py", "settings.py"}  # the rules, and the file that loads their parameters
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern_like.search(line)
    ]
    assert offenders == []
