"""`ab start`, `ab promote` and `ab abort`: every check first (reads only), then the write steps.

A refusal changes nothing and says why and what to do. The writes here are in
Unity Catalog: the `challenger` and `champion` aliases and the model version's
tags. The change's `experiment` is what resources/ab.yml must then say for
the target; the command writes it there or proposes it in a pull request, and
the endpoint follows through the deploy, like every change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from goldenpath.ab import steps
from goldenpath.ab.readout import Readout
from goldenpath.ab.target import AbTarget
from goldenpath.ab_config import (
    ABORTED,
    CHALLENGER_ALIAS,
    CHALLENGER_LOWER,
    CHAMPION_ALIAS,
    COLUMN,
    ENDED_TAG,
    EXPERIMENT_TAG,
    GATE_PASSED_TAG,
    OUTCOME_TAG,
    PERCENT_MAX,
    PERCENT_MIN,
    PROMOTED,
    READOUT_TAG,
    VARIABLES,
    Experiment,
)
from goldenpath.databricks.registry import Registry
from goldenpath.errors import Refused, UsageError
from goldenpath.github.reconcile import UNCHANGED, Step

START, PROMOTE, ABORT = "start", "promote", "abort"
LatestReadout = Callable[[Experiment], Readout | None]


@dataclass
class Change:
    """What one command did (or, in a dry run, would do), and the experiment it leaves."""

    command: str
    target: str
    model: str
    challenger: str
    experiment: Experiment | None
    steps: list[Step] = field(default_factory=list)

    @property
    def title(self) -> str:
        """One line for people, the commit and the pull request."""
        if self.command == START and self.experiment:
            return (
                f"A/B test in {self.target}: challenger version {self.challenger} "
                f"for {self.experiment.percent}% of keys"
            )
        verb = "promote challenger version" if self.command == PROMOTE else "abort the test of version"
        return f"A/B test in {self.target}: {verb} {self.challenger}"

    def as_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "target": self.target,
            "model": self.model,
            "challenger": self.challenger,
            "experiment": self.experiment.variables() if self.experiment else None,
            "steps": [step.as_json() for step in self.steps],
        }


def check_request(percent: int, key: str | None) -> None:
    """What `ab start` can refuse before it asks the workspace anything (a usage error)."""
    if not PERCENT_MIN <= percent <= PERCENT_MAX:
        raise UsageError(
            f"--percent {percent} is outside {PERCENT_MIN}-{PERCENT_MAX}",
            f"give the challenger {PERCENT_MIN} to {PERCENT_MAX} percent of keys; promote it to serve everyone",
        )
    if key is not None and not COLUMN.fullmatch(key):
        raise UsageError(f"--key {key!r} is not a column name", "name the request column, e.g. customer_id")


def salt(today: date, version: str) -> str:
    """A new test's salt: its day and challenger, so each test draws its own challenger group and a
    rerun of the same start (before its pull request is merged) writes the same test."""
    return f"{today:%Y%m%d}-v{version}"


def resolve_version(registry: Registry, challenger: str) -> str:
    """A version number as given, or the version an alias names."""
    if challenger.isdigit():
        return str(int(challenger))
    version = registry.alias(challenger)
    if version is None:
        raise Refused(
            f"{registry.model} has no alias {challenger!r}",
            "pass a version number, or an alias the model has (see its page in Catalog Explorer)",
        )
    return version


def start(
    target: AbTarget,
    registry: Registry,
    challenger: str,
    percent: int,
    key: str | None,
    *,
    today: date,
    dry_run: bool = False,
) -> Change:
    """Run `challenger` beside the champion for `percent` % of keys; raise the share of a running test."""
    check_request(percent, key)
    version = resolve_version(registry, challenger)
    experiment = _planned(target, registry, version, percent, key, today)
    change = Change(START, target.name, registry.model, version, experiment)
    change.steps.append(steps.set_alias(registry, CHALLENGER_ALIAS, version, dry_run))
    return change


def _planned(
    target: AbTarget, registry: Registry, version: str, percent: int, key: str | None, today: date
) -> Experiment:
    """The experiment to write, after every refusal `ab start` has."""
    found = registry.version(version)
    if found is None:
        known = ", ".join(registry.versions()) or "none"
        raise Refused(
            f"version {version} does not exist in {registry.model} (versions: {known})",
            "pass a version the training job registered in this target's catalog",
        )
    champion = registry.alias(CHAMPION_ALIAS)
    if champion is None:
        raise Refused(
            f"{registry.model} has no champion yet: there is nothing to test a challenger against",
            "deploy until a version passes the gate and becomes champion, then start the test",
        )
    if version == champion:
        raise Refused(f"version {version} is the champion", "pick another version to challenge it")
    if found.tags.get(GATE_PASSED_TAG) != "true":
        state = found.tags.get(GATE_PASSED_TAG)
        why = "failed the champion gate" if state else "carries no gate result (the gate_passed tag)"
        raise Refused(
            f"version {version} {why}: only a version that passed the gate may serve users",
            "retrain until a version passes the gate (GATE_METRIC and GATE_THRESHOLD in config.py)",
        )
    running = target.experiment
    if running is not None:
        return _raised(target, running, version, percent, key)
    pending = registry.alias(CHALLENGER_ALIAS)
    if pending is not None and pending != version:
        raise Refused(
            f"the challenger alias names version {pending}, but resources/ab.yml runs no test in {target.name}: "
            "a test is being started on another branch, or one ended without clearing it",
            f"merge that change, or clear the alias with `goldenpath ab abort --target {target.name}`",
        )
    defaults = {name: target.config.values(target.name)[name] for name in VARIABLES}
    return Experiment(
        challenger=version,
        percent=percent,
        salt=salt(today, version),
        start_date=today,
        key=key or "",
        metric=defaults["metric"],
        metric_type=defaults["metric_type"],
        mde=float(defaults["mde"]),
        kpi_table=defaults["kpi_table"],
        kpi_join=defaults["kpi_join"],
    )


def _raised(target: AbTarget, running: Experiment, version: str, percent: int, key: str | None) -> Experiment:
    """The running test again, with a higher share when asked: same salt, so every key keeps its variant."""
    if running.challenger != version:
        raise Refused(
            f"an A/B test of version {running.challenger} runs in {target.name} since {running.start_date}",
            f"end it first: `goldenpath ab promote` or `goldenpath ab abort` (--target {target.name})",
        )
    if key and key != target.key(running):
        raise Refused(
            f"the running test assigns by {target.key(running)!r}; changing the key to {key!r} would move "
            "customers between the models",
            "keep the key, or abort this test and start a new one",
        )
    if percent < running.percent:
        raise Refused(
            f"the challenger serves {running.percent}% of keys; lowering that to {percent}% would move "
            "customers back to the champion",
            "keep or raise the share, or abort the test to send everyone back to the champion",
        )
    return replace(running, percent=percent)


def promote(
    target: AbTarget, registry: Registry, latest: LatestReadout, *, today: date, dry_run: bool = False
) -> Change:
    """Make the challenger champion on a readout that can conclude, record that readout, end the test."""
    running = target.experiment
    if running is None:
        return _already_ended(target, registry, PROMOTED)
    readout = latest(running)
    if readout is None or not readout.can_conclude:
        waiting = readout.waiting_for() if readout else "no readout yet"
        raise Refused(
            f"the test of version {running.challenger} cannot conclude yet ({waiting})",
            "wait for the scheduled readout to reach the planned sample (`goldenpath ab status`), "
            "or `goldenpath ab abort`",
        )
    if readout.verdict == CHALLENGER_LOWER:
        raise Refused(
            f"the challenger did worse on {readout.metric} (effect {readout.effect:+.4g}, p = {readout.p_value:.3g})",
            f"abort the test instead: `goldenpath ab abort --target {target.name}`",
        )
    change = Change(PROMOTE, target.name, registry.model, running.challenger, None)
    record = _record(running, PROMOTED, readout, today)
    change.steps.append(steps.tag_version(registry, running.challenger, record, dry_run))
    change.steps.append(steps.set_alias(registry, CHAMPION_ALIAS, running.challenger, dry_run))
    change.steps.append(steps.delete_alias(registry, CHALLENGER_ALIAS, dry_run))
    return change


def abort(
    target: AbTarget, registry: Registry, latest: LatestReadout, *, today: date, dry_run: bool = False
) -> Change:
    """End the test: everyone back to the champion once deployed; the challenger's version records why."""
    running = target.experiment
    pending = registry.alias(CHALLENGER_ALIAS)
    version = running.challenger if running else pending
    if version is None:
        return Change(ABORT, target.name, registry.model, "", None, [Step("test", UNCHANGED, "none runs")])
    change = Change(ABORT, target.name, registry.model, version, None)
    if running is not None:
        record = _record(running, ABORTED, latest(running), today)
        change.steps.append(steps.tag_version(registry, version, record, dry_run))
    change.steps.append(steps.delete_alias(registry, CHALLENGER_ALIAS, dry_run))
    return change


def _already_ended(target: AbTarget, registry: Registry, outcome: str) -> Change:
    """No test runs: fine when the champion is the one this command made, a refusal otherwise."""
    champion = registry.alias(CHAMPION_ALIAS)
    found = registry.version(champion) if champion else None
    if found is None or found.tags.get(OUTCOME_TAG) != outcome or registry.alias(CHALLENGER_ALIAS):
        raise Refused(
            f"no A/B test runs in {target.name}: there is nothing to promote",
            f"start one with `goldenpath ab start --target {target.name} --challenger <version> --percent <P>`",
        )
    done = Step("test", UNCHANGED, f"version {champion} was promoted on {found.tags.get(ENDED_TAG, '?')}")
    return Change(PROMOTE, target.name, registry.model, champion or "", None, [done])


def _record(experiment: Experiment, outcome: str, readout: Readout | None, today: date) -> dict[str, str]:
    """The tags that say how the test of a version ended, and on what evidence."""
    tags = {OUTCOME_TAG: outcome, EXPERIMENT_TAG: experiment.salt, ENDED_TAG: today.isoformat()}
    if readout is not None:
        tags[READOUT_TAG] = readout.compact()
    return tags
