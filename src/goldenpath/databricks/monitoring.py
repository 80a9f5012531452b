"""What one bundle target's monitoring must be, from goldenpath's one source of names and settings.

preflight, verify and `goldenpath monitor status` compare the workspace with
this: the monitored table and its columns (`naming`), the SQL warehouse of the
target's environment, the owning team's alert destinations and the drift
threshold (`goldenpath.yml`). The team is the bundle's `team` tag; the kind is
serving when the bundle declares an endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from goldenpath.databricks.bundle import BundleTarget
from goldenpath.errors import UsageError
from goldenpath.naming import MONITOR_COLUMNS, DerivedNames, MonitorColumns, derive_names
from goldenpath.settings import Settings
from goldenpath.settings_monitoring import MonitoringDefaults, TeamAlerts

SETTINGS_FIX = "fix goldenpath.yml (docs/settings.md), or pass --target with an environment it declares"


@dataclass(frozen=True)
class MonitoringTarget:
    """The monitoring a target's deploy creates, every name resolved for that target."""

    environment: str  # the bundle target, an environment of goldenpath.yml
    development: bool  # deployed in development mode: prefixed names, no monitor schedule
    names: DerivedNames
    serving: bool
    catalog: str
    schema: str
    team: str
    alerts: TeamAlerts
    warehouse_id: str
    defaults: MonitoringDefaults
    columns: MonitorColumns = MONITOR_COLUMNS

    def table(self, name: str) -> str:
        """`<catalog>.<schema>.<name>` of this target."""
        return f"{self.catalog}.{self.schema}.{name}"

    @property
    def output_schema(self) -> str:
        """Where the monitor writes its metric tables: the project's schema."""
        return f"{self.catalog}.{self.schema}"

    @property
    def monitored_table(self) -> str:
        return self.table(self.names.monitored_table(self.serving))

    @property
    def baseline_table(self) -> str:
        return self.table(self.names.baseline_table)

    @property
    def drift_metrics_table(self) -> str:
        return self.table(self.names.drift_metrics_table(self.serving))

    @property
    def warehouse_setting(self) -> str:
        """Where goldenpath.yml sets this target's warehouse."""
        return f"environments.{self.environment}.warehouse_id"

    @property
    def max_run_seconds(self) -> int:
        return self.defaults.max_run_minutes * 60


def monitoring_target(bundle: BundleTarget, settings: Settings) -> MonitoringTarget:
    """The expectations for `bundle`'s target; a target or team the settings do not know is a usage error."""
    environment = settings.environments.get(bundle.target)
    if environment is None:
        raise UsageError(
            f"target {bundle.target!r} is not an environment of {settings.source} "
            f"({', '.join(settings.environments)}), so it names no SQL warehouse for monitoring",
            SETTINGS_FIX,
        )
    team = bundle.tags.get("team", "")
    if team not in settings.team_alerts:
        raise UsageError(
            f"the bundle's team tag {team!r} is not a team of {settings.source}, so no alert destinations are known",
            "keep the job's team tag as generated (goldenpath check-repo), or add the team to goldenpath.yml",
        )
    try:
        names = derive_names(bundle.name, settings)
    except ValueError as exc:
        raise UsageError(f"the bundle name is not a goldenpath repository name: {exc}") from None
    return MonitoringTarget(
        environment=bundle.target,
        development=bundle.development,
        names=names,
        serving=bundle.endpoint_name is not None,
        catalog=bundle.catalog,
        schema=bundle.schema,
        team=team,
        alerts=settings.team_alerts[team],
        warehouse_id=environment.warehouse_id,
        defaults=settings.monitoring,
    )
