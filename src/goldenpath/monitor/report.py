"""What `goldenpath monitor status` found, and how it shows it: text, JSON and a step summary.

The JSON fields are a contract for workflows (docs/monitoring.md). The verdict:
drift above the threshold, or a failing monitor (missing, in error, or its
last refresh failed), exits 1 so a workflow can gate on it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from goldenpath.errors import EXIT_OK, EXIT_REFUSED

FAILING_MONITOR = ("MONITOR_STATUS_ERROR", "MONITOR_STATUS_FAILED")


@dataclass(frozen=True)
class Refresh:
    refresh_id: int
    state: str  # PENDING, RUNNING, SUCCESS, FAILED, CANCELED, UNKNOWN
    started_at: str | None
    ended_at: str | None
    message: str | None


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    drift: float | None
    above_threshold: bool


@dataclass(frozen=True)
class AlertState:
    name: str
    id: str | None
    state: str | None  # OK, TRIGGERED, UNKNOWN, ERROR; None when the alert is missing
    last_evaluated_at: str | None


@dataclass(frozen=True)
class DriftCheck:
    """The last decision of the drift_check task, from its MLflow run."""

    decision: str | None  # retrain, alert_only, ok, no_metrics
    reason: str | None
    max_drift: float | None
    mlflow_run_id: str | None
    at: str | None
    training_job_run_id: str | None


@dataclass
class MonitorStatus:
    target: str
    table: str
    monitor: str | None  # the monitor's status; None when there is no monitor on the table
    monitor_failure: str | None
    last_refresh: Refresh | None
    drift_table: str
    drift_metric: str
    threshold: float
    window_start: str | None = None
    features: list[FeatureDrift] = field(default_factory=list)
    drift_error: str | None = None  # why drift could not be read (no metrics yet, no alert query)
    alert: AlertState | None = None
    drift_check: DriftCheck | None = None

    @property
    def drifted(self) -> list[FeatureDrift]:
        return [feature for feature in self.features if feature.above_threshold]

    @property
    def monitor_failing(self) -> bool:
        failed_refresh = self.last_refresh is not None and self.last_refresh.state == "FAILED"
        return self.monitor is None or self.monitor in FAILING_MONITOR or failed_refresh

    @property
    def ok(self) -> bool:
        return not self.drifted and not self.monitor_failing

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_REFUSED

    def verdict(self) -> str:
        problems = []
        if self.monitor is None:
            problems.append(f"no monitor on {self.table}")
        elif self.monitor_failing:
            problems.append("the monitor is failing")
        if self.drifted:
            listed = ", ".join(f"{f.feature} {f.drift:.3f}" for f in self.drifted if f.drift is not None)
            problems.append(f"{self.drift_metric} above {self.threshold} for {listed}")
        return "; ".join(problems) if problems else "no drift above the threshold, monitor healthy"

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": "monitor status",
            "target": self.target,
            "ok": self.ok,
            "verdict": self.verdict(),
            "table": self.table,
            "monitor": {
                "status": self.monitor,
                "failure": self.monitor_failure,
                "failing": self.monitor_failing,
            },
            "last_refresh": asdict(self.last_refresh) if self.last_refresh else None,
            "drift": {
                "table": self.drift_table,
                "metric": self.drift_metric,
                "threshold": self.threshold,
                "window_start": self.window_start,
                "features": [asdict(feature) for feature in self.features],
                "above_threshold": [feature.feature for feature in self.drifted],
                "unavailable": self.drift_error,
            },
            "alert": asdict(self.alert) if self.alert else None,
            "drift_check": asdict(self.drift_check) if self.drift_check else None,
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)

    def as_text(self) -> str:
        lines = [f"monitor      {self.table}: {self._monitor_line()}", f"last refresh {self._refresh_line()}"]
        lines.append(f"drift        {self._drift_line()}")
        width = max((len(f.feature) for f in self.features), default=0)
        for feature in self.features:
            value = "-" if feature.drift is None else f"{feature.drift:.3f}"
            mark = "ABOVE" if feature.above_threshold else "ok"
            lines.append(f"  {feature.feature.ljust(width)}  {value:>7}  {mark}")
        lines.append(f"alert        {self._alert_line()}")
        lines.append(f"drift_check  {self._drift_check_line()}")
        lines.append(f"monitor status --target {self.target}: {self.verdict()}")
        return "\n".join(lines)

    def as_markdown(self) -> str:
        rows = [
            ("monitor", f"`{self.table}`: {self._monitor_line()}"),
            ("last refresh", self._refresh_line()),
            ("drift", self._drift_line()),
            ("alert", self._alert_line()),
            ("last drift_check", self._drift_check_line()),
        ]
        lines = [f"### goldenpath monitor status `{self.target}`", "", f"**{self.verdict()}**", ""]
        lines += ["| | |", "|---|---|", *(f"| {name} | {_cell(value)} |" for name, value in rows)]
        if self.features:
            lines += ["", f"| feature | {self.drift_metric} | above {self.threshold} |", "|---|---|---|"]
            for feature in self.features:
                value = "-" if feature.drift is None else f"{feature.drift:.3f}"
                lines.append(
                    f"| {_cell(feature.feature)} | {value} | {'**yes**' if feature.above_threshold else 'no'} |"
                )
        return "\n".join(lines) + "\n"

    def _monitor_line(self) -> str:
        if self.monitor is None:
            return "missing (deploy the bundle: its quality_monitors resource creates it)"
        return f"{self.monitor}: {self.monitor_failure}" if self.monitor_failure else self.monitor

    def _refresh_line(self) -> str:
        refresh = self.last_refresh
        if refresh is None:
            return "none yet" if self.monitor is not None else "-"
        ended = f", ended {refresh.ended_at}" if refresh.ended_at else ""
        message = f": {refresh.message}" if refresh.message else ""
        return f"{refresh.state} (refresh {refresh.refresh_id}, started {refresh.started_at}{ended}){message}"

    def _drift_line(self) -> str:
        where = f"{self.drift_metric} against the baseline, threshold {self.threshold}"
        if self.drift_error:
            return f"{where}: {self.drift_error}"
        window = f", window from {self.window_start}" if self.window_start else ""
        return f"{where}{window}: {len(self.drifted)} of {len(self.features)} features above"

    def _alert_line(self) -> str:
        if self.alert is None or self.alert.state is None:
            name = self.alert.name if self.alert else "the drift alert"
            return f"{name}: missing (deploy the bundle: its alerts resource creates it)"
        evaluated = f" (evaluated {self.alert.last_evaluated_at})" if self.alert.last_evaluated_at else ""
        return f"{self.alert.name}: {self.alert.state}{evaluated}"

    def _drift_check_line(self) -> str:
        check = self.drift_check
        if check is None:
            return "none yet (the monitoring job's drift_check task logs each decision to MLflow)"
        return f"{check.decision}: {check.reason} (MLflow run {check.mlflow_run_id}, {check.at})"


def iso_from_ms(epoch_ms: int | None) -> str | None:
    """An API's epoch milliseconds as ISO 8601 UTC."""
    if epoch_ms is None:
        return None
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
