"""`ab status`: the split, what the endpoint serves, the traffic per variant, the newest readout.

The JSON fields are a contract for workflows (docs/ab-testing.md). Exit 0 once
the readout can conclude (promote or abort now), 1 before that, and when no
test runs: a workflow can wait on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound

from goldenpath.ab.readout import Readout, Warehouse, latest_readout, traffic
from goldenpath.ab.target import AbTarget
from goldenpath.ab_config import (
    CHALLENGER,
    CHALLENGER_ALIAS,
    CHAMPION,
    CHAMPION_ALIAS,
    ENVIRONMENT,
    NOT_ENOUGH_DATA,
    UNASSIGNED,
    Experiment,
)
from goldenpath.databricks.deployed import deployed_endpoint_name
from goldenpath.databricks.registry import Registry
from goldenpath.errors import EXIT_OK, EXIT_REFUSED

NO_TEST = "no test runs"


@dataclass
class Status:
    target: str
    model: str
    key: str | None
    experiment: Experiment | None
    aliases: dict[str, str | None]
    endpoint: str
    serving: dict[str, str] = field(default_factory=dict)  # the split on the served entity, if any
    traffic: dict[str, int] = field(default_factory=dict)
    readout: Readout | None = None

    @property
    def applied(self) -> bool:
        """Whether the endpoint serves this test's split (the config is merged and deployed)."""
        return bool(self.experiment) and self.serving == _wanted(self)

    @property
    def can_conclude(self) -> bool:
        return self.readout is not None and self.readout.can_conclude

    @property
    def verdict(self) -> str:
        if self.experiment is None:
            return NO_TEST
        return self.readout.verdict if self.readout else NOT_ENOUGH_DATA

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.experiment and self.can_conclude else EXIT_REFUSED

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "model": self.model,
            "experiment": self.experiment.variables() if self.experiment else None,
            "key": self.key,
            "aliases": self.aliases,
            "endpoint": {"name": self.endpoint, "serving": self.serving or None, "applied": self.applied},
            "traffic": self.traffic,
            "readout": self.readout.as_dict() if self.readout else None,
            "can_conclude": self.can_conclude,
            "verdict": self.verdict,
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)

    def lines(self) -> list[str]:
        if self.experiment is None:
            champion = self.aliases.get(CHAMPION_ALIAS) or "none yet"
            return [f"{self.target}: {NO_TEST}; {self.model} champion version {champion}"]
        test = self.experiment
        lines = [
            f"{self.target}: challenger version {test.challenger} against champion version "
            f"{self.aliases.get(CHAMPION_ALIAS) or '?'}, {test.percent}% of keys by {self.key!r} "
            f"since {test.start_date} (salt {test.salt})",
            "endpoint: " + (f"{self.endpoint} serves this split" if self.applied else self._pending()),
            "traffic: "
            + (
                ", ".join(f"{v} {self.traffic.get(v, 0)}" for v in (CHAMPION, CHALLENGER, UNASSIGNED))
                if self.traffic
                else "no requests unpacked since the start"
            ),
        ]
        readout = self.readout
        if readout is None:
            lines.append("readout: none yet (the monitoring job's ab_readout task writes one per run)")
        else:
            lines.append(
                f"readout {readout.readout_at}: {readout.metric} ({readout.metric_type}, minimum "
                f"detectable effect {readout.mde:g}, alpha {readout.alpha:g}, power {readout.power:g})"
            )
            lines += [_arm_line(readout, variant) for variant in (CHAMPION, CHALLENGER)]
            if readout.can_conclude and readout.effect is not None:
                lines.append(
                    f"effect {readout.effect:+.4g} [{readout.effect_ci_low:.4g}, {readout.effect_ci_high:.4g}], "
                    f"p = {readout.p_value:.3g} ({readout.test})"
                )
        lines.append(
            f"verdict: {self.verdict}"
            + (" - promote or abort now" if self.can_conclude else " - cannot conclude yet")
        )
        return lines

    def _pending(self) -> str:
        if self.serving:
            return f"{self.endpoint} serves another split: deploy the merged config"
        return f"{self.endpoint} serves the champion only until the merged config is deployed"

    def as_text(self) -> str:
        return "\n".join(self.lines())

    def as_markdown(self) -> str:
        body = "\n".join(f"- {line}" for line in self.lines())
        return f"### goldenpath ab status `{self.target}`\n\n{body}\n"


def _wanted(status: Status) -> dict[str, str]:
    test = status.experiment
    if test is None:
        return {}
    values = {
        "champion": status.aliases.get(CHAMPION_ALIAS) or "",
        "challenger": test.challenger,
        "percent": str(test.percent),
        "salt": test.salt,
        "key": status.key or "",
    }
    return {ENVIRONMENT[name]: value for name, value in values.items()}


def _arm_line(readout: Readout, variant: str) -> str:
    arm = readout.arm(variant)
    if arm is None:
        return f"  {variant}: no observations"
    interval = (
        f" [{arm.ci_low:.4g}, {arm.ci_high:.4g}]"
        if arm.ci_low is not None and arm.ci_high is not None
        else ""
    )
    needed = f" of {arm.required_n} needed" if arm.required_n else ""
    mean = f"{arm.mean:.4g}" if arm.mean is not None else "-"
    return f"  {variant} (version {arm.model_version}): n {arm.n}{needed}, mean {mean}{interval}"


def ab_status(
    client: WorkspaceClient,
    target: AbTarget,
    registry: Registry,
    warehouse: Warehouse,
    tables: dict[str, str],
) -> Status:
    """Everything `ab status` shows; `tables` holds the full names of the `readout` and `inference` tables."""
    experiment = target.experiment
    status = Status(
        target=target.name,
        model=registry.model,
        key=target.key(experiment) if experiment else None,
        experiment=experiment,
        aliases={alias: registry.alias(alias) for alias in (CHAMPION_ALIAS, CHALLENGER_ALIAS)},
        endpoint=deployed_endpoint_name(client, target.bundle, target.bundle.endpoint_name or ""),
    )
    status.serving = _served_split(client, status.endpoint)
    if experiment is not None:
        status.traffic = traffic(warehouse, tables["inference"], experiment)
        status.readout = latest_readout(warehouse, tables["readout"], experiment)
    return status


def _served_split(client: WorkspaceClient, endpoint: str) -> dict[str, str]:
    """The split on the endpoint's served entity: the environment the rollout gave the router."""
    try:
        found = client.serving_endpoints.get(endpoint)
    except NotFound:
        return {}
    entities = (found.config.served_entities if found.config else None) or []
    names = set(ENVIRONMENT.values())
    for entity in entities:
        split = {k: v for k, v in (entity.environment_vars or {}).items() if k in names}
        if split:
            return split
    return {}
