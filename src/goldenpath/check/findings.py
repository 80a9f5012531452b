"""What check-repo reports: a rule broken at a place in a file, printed as `file:line: rule: message`."""

from __future__ import annotations

from dataclasses import dataclass

from goldenpath.bundle import YamlFile


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


def finding_at(file: YamlFile, keys: tuple[str, ...], rule: str, message: str) -> Finding:
    """A finding at the line of `keys` in `file` (or of the deepest of them that exists)."""
    return Finding(file.path, file.line(*keys), rule, message)
