"""One shape for every check's result, so each command reports, summarises and exits the same way."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from goldenpath.console import EXIT_OK, EXIT_REFUSED


@dataclass(frozen=True)
class Finding:
    """One check: what it looked at, whether it holds, and the exact fix when it does not."""

    check: str
    ok: bool
    message: str
    fix: str | None = None


@dataclass
class Report:
    """A command's findings plus the facts it established (job id, run URL, ...)."""

    command: str
    target: str
    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(finding.ok for finding in self.findings)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_REFUSED

    def add(self, finding: Finding) -> Finding:
        self.findings.append(finding)
        return finding

    def as_json(self) -> str:
        body = {"command": self.command, "target": self.target, "ok": self.ok, **self.facts}
        body["checks"] = [asdict(finding) for finding in self.findings]
        return json.dumps(body, indent=2)

    def as_text(self) -> str:
        lines = []
        for finding in self.findings:
            lines.append(f"{'ok  ' if finding.ok else 'FAIL'} {finding.check}: {finding.message}")
            if finding.fix:
                lines.append(f"     fix: {finding.fix}")
        verdict = (
            "all checks passed" if self.ok else f"{sum(not f.ok for f in self.findings)} check(s) failed"
        )
        lines.append(f"{self.command} --target {self.target}: {verdict}")
        return "\n".join(lines)

    def as_markdown(self) -> str:
        """What was established (the deployed job, the smoke run), then every check."""
        lines = [f"### goldenpath databricks {self.command} `{self.target}`", ""]
        facts = self._fact_rows()
        if facts:
            lines += ["| | |", "|---|---|", *(f"| {name} | {_cell(value)} |" for name, value in facts), ""]
        lines += ["| check | result | fix |", "|---|---|---|"]
        for finding in self.findings:
            mark = "ok" if finding.ok else "**failed**"
            fix = f"`{finding.fix}`" if finding.fix else ""
            lines.append(f"| {finding.check} | {mark}: {_cell(finding.message)} | {_cell(fix)} |")
        return "\n".join(lines) + "\n"

    def _fact_rows(self) -> list[tuple[str, str]]:
        facts = self.facts
        rows = [("target", f"`{self.target}`")] if facts else []
        if facts.get("job_url"):
            rows.append(("job", f"[{facts.get('job_name') or facts.get('job_id')}]({facts['job_url']})"))
        if facts.get("tags"):
            rows.append(
                ("tags", ", ".join(f"`{key}={value}`" for key, value in sorted(facts["tags"].items())))
            )
        for key in ("identity", "run_as", "version"):
            if facts.get(key):
                rows.append((key.replace("_", " ") if key != "run_as" else key, f"`{facts[key]}`"))
        if facts.get("result"):
            rows.append(("smoke run", f"{facts['result']} ([run page]({facts.get('run_url')}))"))
        if facts.get("monitor"):
            rows.append(("monitor", f"`{facts['monitor']['table']}` ({facts['monitor']['status']})"))
        if facts.get("alert"):
            rows.append(("drift alert", f"`{facts['alert']['name']}`"))
        if facts.get("endpoint"):
            answered = f"{facts['predictions']} predictions" if "predictions" in facts else "no predictions"
            rows.append(("endpoint", f"[`{facts['endpoint']}`]({facts.get('endpoint_url')}): {answered}"))
        return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
