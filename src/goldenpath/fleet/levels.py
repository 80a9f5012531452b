"""Levels: each repo's highest level reached, and what it lacks for the next one.

A level is reached when every statement of it and of the levels below passes
(`unknown` is not a pass). A number no automated statement covers cannot
pass: it is listed as `not-checked`, so a level that asks for it is shown as
out of reach until the scan checks it, rather than granted on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from goldenpath.fleet.config import Level, statement_ids
from goldenpath.fleet.statements import STATEMENTS

NONE = "none"  # the level of a repo that has not reached the first
NOT_CHECKED = "not-checked"
_TITLES = {statement.info.id: statement.info.title for statement in STATEMENTS}


@dataclass(frozen=True)
class Requirement:
    """One thing a level asks: an automated statement id, or a number the scan does not check."""

    id: str
    title: str | None
    checked: bool


@dataclass(frozen=True)
class LevelDefinition:
    name: str
    requirements: tuple[Requirement, ...]  # its own, the levels below are implied

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "statements": [r.id for r in self.requirements if r.checked],
            "not_checked": [int(r.id) for r in self.requirements if not r.checked],
        }


@dataclass(frozen=True)
class Lack:
    id: str
    title: str | None
    result: str  # fail | unknown | not-checked

    def text(self) -> str:
        return f"{self.id} {self.title}" if self.title else f"{self.id} (not checked by the scan)"


@dataclass(frozen=True)
class RepoLevel:
    name: str  # the highest level reached, or "none"
    next: str | None
    lacks: tuple[Lack, ...]  # what the next level still needs

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "next": self.next,
            "lacks": [{"id": lack.id, "title": lack.title, "result": lack.result} for lack in self.lacks],
        }


def definitions(levels: tuple[Level, ...]) -> tuple[LevelDefinition, ...]:
    found = []
    for level in levels:
        requirements: dict[str, Requirement] = {}
        for number, statement in zip(level.numbers, statement_ids(level.numbers), strict=True):
            key = statement or str(number)
            requirements.setdefault(key, Requirement(key, _TITLES.get(key), statement is not None))
        found.append(LevelDefinition(level.name, tuple(requirements.values())))
    return tuple(found)


def level_of(results: dict[str, str], levels: tuple[LevelDefinition, ...]) -> RepoLevel:
    """The highest level whose statements (and those of every level below) all pass."""
    reached = NONE
    for level in levels:
        lacks = tuple(
            Lack(r.id, r.title, results.get(r.id, "unknown") if r.checked else NOT_CHECKED)
            for r in level.requirements
            if not r.checked or results.get(r.id) != "pass"
        )
        if lacks:
            return RepoLevel(reached, level.name, lacks)
        reached = level.name
    return RepoLevel(reached, None, ())


def counts(levels: tuple[LevelDefinition, ...], reached: list[str]) -> dict[str, int]:
    """Repos per level reached, lowest first, with "none" first."""
    return {name: reached.count(name) for name in (NONE, *(level.name for level in levels))}
