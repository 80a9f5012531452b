"""What one act invocation left behind, and how to read its log."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# A step's duration may read "[7.7s]" or "[1m20.8s]".
STEP_END = re.compile(
    r"^\[(?P<job>[^\]]+?)\s*\]\s+\S+\s+(?P<status>Success|Failure) - Main (?P<step>.+?)(?: \[[0-9][0-9.a-zµ]*\])?$",
    re.MULTILINE,
)
LOCAL_READ = re.compile(
    r"LocalRepositoryCache read cachedir (?P<repo>[^@\s]+)\S* with ref (?P<ref>\S+) and subpath '(?P<path>[^']*)'"
)
# act pads job labels with spaces to a common width; the captured label is unpadded.
JOB_END = re.compile(r"^\[(?P<job>[^\]]+?)\s*\] \S+\s+Job (?P<status>succeeded|failed)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class ActRun:
    """What one act invocation left behind."""

    name: str
    command: list[str]
    returncode: int
    log: str
    artifacts: Path
    databricks_log: Path
    seconds: float

    @property
    def text(self) -> str:
        """The log without colour codes (poetry and pytest colour their output under act)."""
        return ANSI_ESCAPE.sub("", self.log)

    @property
    def jobs(self) -> dict[str, str]:
        """Job label as act prints it (`caller-job/workflow name/job name`) -> succeeded|failed."""
        # act pads the labels of a workflow's jobs to the longest one's length.
        return {match["job"].rstrip(): match["status"] for match in JOB_END.finditer(self.text)}

    def steps(self, job: str) -> dict[str, str]:
        """Step name -> Success|Failure for one job (top-level and composite steps alike)."""
        return {m["step"]: m["status"] for m in STEP_END.finditer(self.text) if m["job"].rstrip() == job}

    def resolved(self, repo: str) -> set[tuple[str, str]]:
        """(ref, file) pairs act read from the local directory mapped for `repo`."""
        return {
            (m["ref"], m["path"]) for m in LOCAL_READ.finditer(self.text) if m["repo"] == repo and m["path"]
        }

    def databricks_calls(self) -> list[dict[str, Any]]:
        """The fake databricks CLI's record: one dict (argv, cwd, auth) per call."""
        if not self.databricks_log.is_file():
            return []
        lines = self.databricks_log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def summary(self) -> str:
        """What the jobs appended to `$GITHUB_STEP_SUMMARY`, from the first such line to the end.

        act echoes each appended line as `Summary - <text>` (blank lines dropped).
        """
        start = self.text.find("Summary - ")
        assert start != -1, f"{self.name}: no job summary\n{self.tail()}"
        return self.text[start:]

    def tail(self, lines: int = 120) -> str:
        """The end of the log, for assertion messages."""
        return "\n".join(self.text.splitlines()[-lines:])
