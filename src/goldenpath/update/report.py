"""How an update reads: the status for `--check`, the result for a person, the pull request body."""

from __future__ import annotations

from goldenpath.update.apply import UpdateResult
from goldenpath.update.source import Status


def status_text(status: Status) -> str:
    lines = [
        f"current: {status.current.name} (release line {status.current.major_tag})",
        f"newest:  {status.newest.name}",
    ]
    if status.behind:
        lines.append(f"behind by {len(status.between)} release(s): run `goldenpath update`")
    else:
        lines.append(f"up to date on release line {status.current.major_tag}")
    if status.newest_major:
        lines.append(
            f"a new major release exists: {status.newest_major.name} (never automatic; read its "
            f"CHANGELOG, then `goldenpath update --to {status.newest_major.name}`)"
        )
    if status.changelog:
        lines += ["", status.changelog]
    return "\n".join(lines)


def result_markdown(result: UpdateResult) -> str:
    """The update as a pull request body and job summary: conflicts first, as a checklist."""
    lines = [
        f"Brings this repository from goldenpath {result.previous} to {result.target} (`goldenpath update`).",
        "",
    ]
    if result.conflicts:
        lines += ["## Conflicts to resolve", ""]
        lines += [f"- [ ] `{path}`" for path in result.conflicts]
        lines += [
            "",
            "Each holds `<<<<<<< before updating` ... `>>>>>>> after updating` markers: keep what you need, remove the markers.",
            "",
        ]
    else:
        lines += ["No conflicts: every local edit merged cleanly.", ""]
    lines += ["## Files changed", ""]
    lines += [f"- `{path}`" for path in result.changed] or ["- none"]
    if result.lock != "unchanged":
        lines += ["", f"poetry.lock: {result.lock}."]
    if result.migrations:
        lines += ["", "## Migrations that ran", ""]
        lines += [f"- `{migration}`" for migration in result.migrations]
    if result.changelog:
        lines += ["", "## What changed in goldenpath", "", result.changelog]
    if result.new_major:
        lines += [
            "",
            f"A new major release, {result.new_major}, exists. It is never applied by itself: "
            f"read its CHANGELOG, then run `goldenpath update --to {result.new_major}`.",
        ]
    return "\n".join(lines) + "\n"


def result_text(result: UpdateResult) -> str:
    if result.previous == result.target:
        return f"already on {result.target}; nothing to update"
    lines = [f"updated {result.previous} -> {result.target}", "files changed:"]
    lines += [f"  {path}" for path in result.changed] or ["  none"]
    lines += ["migrations that ran:"] + ([f"  {m}" for m in result.migrations] or ["  none"])
    lines += ["files with conflicts:"] + ([f"  {p}" for p in result.conflicts] or ["  none"])
    if result.lock != "unchanged":
        lines.append(f"poetry.lock: {result.lock}")
    if result.conflicts:
        lines.append("resolve the conflict markers (or .rej files), then commit")
    return "\n".join(lines)
