"""The org settings file: shipped example values and errors that say what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldenpath.settings import SETTINGS_ENV_VAR, SettingsError, load_settings
from goldenpath.settings_monitoring import MonitoringDefaults, TeamAlerts
from rendering import REPO_ROOT

SHIPPED = (REPO_ROOT / "goldenpath.yml").read_text()


def test_shipped_example_values() -> None:
    settings = load_settings()
    assert settings.org == "acme-retail"
    assert list(settings.units) == ["rtl", "ecm", "sup"]
    assert settings.domains == ("forecasting", "pricing", "personalization", "search", "fraud")
    assert settings.teams["ml-platform"] == ("all",)
    assert (settings.repo_visibility, settings.platform_team, settings.prd_reviewers) == (
        "private",
        "ml-platform",
        "ml-platform",
    )
    assert {t: u for t, u in settings.teams.items() if t != "ml-platform"} == {
        f"ds-{unit}": (unit,) for unit in settings.units
    }
    assert list(settings.environments) == ["dev", "acc", "prd"]
    assert all(e.host.endswith(".azuredatabricks.net") for e in settings.environments.values())
    assert settings.workflow_uses("reusable-test.yml") == (
        "acme-retail/goldenpath/.github/workflows/reusable-test.yml@v1"
    )


def test_shipped_monitoring_settings() -> None:
    settings = load_settings()
    assert {env: e.warehouse_id for env, e in settings.environments.items()} == {
        "dev": "a1b2c3d4e5f60001",
        "acc": "a1b2c3d4e5f60002",
        "prd": "a1b2c3d4e5f60003",
    }
    assert settings.team_alerts.keys() == settings.teams.keys()
    assert settings.team_alerts["ds-rtl"] == TeamAlerts(
        destinations=("00000000-0000-0000-0000-0000000d0002",), emails=("retail-ml-oncall@example.com",)
    )
    assert settings.team_alerts["ds-sup"].emails == ()
    assert settings.monitoring == MonitoringDefaults(
        schedule="0 0 6 * * ?",
        timezone="UTC",
        granularities=("1 day",),
        drift_metric="js_distance",
        drift_threshold=0.2,
        max_run_minutes=120,
    )


def test_project_kinds_are_offered_in_order_and_default_to_all(tmp_path: Path) -> None:
    assert load_settings().project_kinds == ("batch", "serving")
    fork = tmp_path / "goldenpath.yml"
    fork.write_text(SHIPPED.replace("project_kinds: [batch, serving]", "project_kinds: [serving]"))
    assert load_settings(fork).project_kinds == ("serving",)
    fork.write_text(SHIPPED.replace("project_kinds: [batch, serving]", ""))
    assert load_settings(fork).project_kinds == ("batch", "serving")


def test_env_var_selects_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "goldenpath.yml"
    other.write_text(SHIPPED.replace("org: acme-retail", "org: globex"))
    monkeypatch.setenv(SETTINGS_ENV_VAR, str(other))
    assert load_settings().org == "globex"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("org: acme-retail\n", ""), "github.org is missing"),
        (("    units: [rtl]", "    units: [rtll]"), "teams.ds-rtl.units names unknown units ['rtll']"),
        (("    units: all", "    units: [rtl]"), "needs one team with 'units: all'"),
        (('  default: "3.11"', '  default: "3.9"'), "python.default '3.9' must be one of python.runtimes"),
        (("  num_workers: 1", "  num_workers: many"), "compute.num_workers must be a whole number"),
        (
            ("cost_center_default: CC-0000", "cost_center_default: zero"),
            "does not match tags.cost_center_pattern",
        ),
        (("https://adb-2222", "http://adb-2222"), "environments.acc.host must be an https:// URL"),
        (("    client_secret: DATABRICKS_PRD_CLIENT_SECRET", ""), "secrets.prd.client_secret is missing"),
        (
            ("    service_principal: 00000000-0000-0000-0000-00000000a001\n", ""),
            "environments.acc.service_principal is missing",
        ),
        (
            ("secrets:\n", "secrets:\n  dev:\n    client_id: X\n"),
            "secrets.dev is not used: CI deploys only acc, prd; remove it",
        ),
        (("domains:\n", "domains: oops\nold_domains:\n"), "domains must be a non-empty list"),
        (
            ("  platform_team: ml-platform", "  platform_team: ds-rtl"),
            "github.platform_team 'ds-rtl' must be a team with 'units: all': ['ml-platform']",
        ),
        (
            ("  repo_visibility: private", "  repo_visibility: public"),
            "github.repo_visibility must be one of private, internal, got 'public'",
        ),
        (
            ("  prd_reviewers: ml-platform", "  prd_reviewers: ML Platform"),
            "github.prd_reviewers must be a GitHub team slug",
        ),
        (
            ("project_kinds: [batch, serving]", "project_kinds: [batch, online]"),
            "project_kinds must list distinct kinds from ['batch', 'serving'], got ['batch', 'online']",
        ),
        (
            ("project_kinds: [batch, serving]", "project_kinds: [serving, serving]"),
            "project_kinds must list distinct kinds",
        ),
        (("project_kinds: [batch, serving]", "project_kinds: []"), "project_kinds must be a non-empty list"),
        (
            ("      emails: [ecommerce-ml@example.com]", "      emails: [ecommerce-ml]"),
            "teams.ds-ecm.alerts.emails entry 'ecommerce-ml' is not an email address",
        ),
        (
            ("      emails: [ecommerce-ml@example.com]", '      emails: ["oncall@${var.domain}.com"]'),
            "teams.ds-ecm.alerts.emails entry 'oncall@${var.domain}.com' is not an email address",
        ),
        (
            ("      destinations: [00000000-0000-0000-0000-0000000d0004]", "      destinations: [slack]"),
            "teams.ds-sup.alerts.destinations entry 'slack' is not a notification destination id",
        ),
        (
            ("      destinations: [00000000-0000-0000-0000-0000000d0004]", "      destinations: []"),
            "teams.ds-sup.alerts needs at least one notification destination id or email",
        ),
        (
            (
                "      emails: [ecommerce-ml@example.com]",
                "      emails: [a@x.io, b@x.io, c@x.io, d@x.io, e@x.io, f@x.io]",
            ),
            "teams.ds-ecm.alerts.emails lists 6; a monitor notifies at most 5",
        ),
        (
            ("    units: [ecm]\n    alerts:", "    units: [ecm]\n    old_alerts:"),
            "teams.ds-ecm.alerts is missing",
        ),
        (
            ('    warehouse_id: "a1b2c3d4e5f60002"', "    warehouse_id: 1234"),
            "environments.acc.warehouse_id must be a SQL warehouse id in quotes",
        ),
        (
            ('  schedule: "0 0 6 * * ?"', '  schedule: "0 6 * * *"'),
            "monitoring.schedule must be a Quartz cron",
        ),
        (("  timezone: UTC", "  timezone: Mars/Olympus"), "monitoring.timezone must be an IANA time zone"),
        (
            ('  granularities: ["1 day"]', '  granularities: ["1 day", "2 days"]'),
            "monitoring.granularities has ['2 days']; allowed:",
        ),
        (
            ("  drift_metric: js_distance", "  drift_metric: ks_test"),
            "monitoring.drift_metric must be one of js_distance",
        ),
        (
            ("  drift_threshold: 0.2", "  drift_threshold: -1"),
            "monitoring.drift_threshold must be a number above 0",
        ),
        (
            ("  drift_threshold: 0.2", "  drift_threshold: high"),
            "monitoring.drift_threshold must be a number above 0",
        ),
        (
            ("  max_run_minutes: 120", "  max_run_minutes: 0"),
            "monitoring.max_run_minutes must be a whole number",
        ),
        (("monitoring:\n", "old_monitoring:\n"), "monitoring.schedule is missing"),
    ],
)
def test_errors_name_the_key_and_the_fix(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    broken = tmp_path / "goldenpath.yml"
    assert edit[0] in SHIPPED
    broken.write_text(SHIPPED.replace(edit[0], edit[1], 1))
    with pytest.raises(SettingsError) as caught:
        load_settings(broken)
    assert message in str(caught.value)
    assert str(broken) in str(caught.value)


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read settings file"):
        load_settings(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("github: [unclosed")
    with pytest.raises(SettingsError, match="is not valid YAML"):
        load_settings(bad)


def test_repo_visibility_defaults_to_private(tmp_path: Path) -> None:
    edited = tmp_path / "goldenpath.yml"
    edited.write_text(SHIPPED.replace("  repo_visibility: private\n", "", 1))
    assert load_settings(edited).repo_visibility == "private"
