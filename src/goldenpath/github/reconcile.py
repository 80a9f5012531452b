"""How every goldenpath write to GitHub is spoken: one step, one result, the same failures.

A step reads GitHub's state, decides, and writes only what differs, so a dry
run is the same step not writing and a rerun after a failure finishes the
job. Its result is one of `created`, `updated`, `unchanged`, or, in a dry run,
`would create` / `would update`. create-repo, release and the update pull
request all speak it. `translated` is the one mapping of what can go wrong in
a step (GitHub, git) to the error model: an outage is resumable (exit 3), a
refused credential is not (exit 2); `Steps.run` adds the step's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from githubkit import GitHub

from goldenpath.errors import GoldenpathError
from goldenpath.git import GitError, remote_failure
from goldenpath.github.client import failure

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
WOULD_CREATE, WOULD_UPDATE = "would create", "would update"
FAILED = "failed"  # the step a run stopped at


def creating(dry_run: bool) -> str:
    """The result of a step that creates what is missing."""
    return WOULD_CREATE if dry_run else CREATED


def updating(dry_run: bool) -> str:
    """The result of a step that changes what differs."""
    return WOULD_UPDATE if dry_run else UPDATED


@dataclass(frozen=True)
class Step:
    """What one step found and did; `detail` says what, for people (a URL, the fields changed)."""

    name: str
    result: str
    detail: str = ""

    @property
    def line(self) -> str:
        return f"{self.name}: {self.result}" + (f": {self.detail}" if self.detail else "")

    def as_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Steps:
    """The steps of one run, in order, including the one it stopped at."""

    done: list[Step] = field(default_factory=list)

    def run(self, name: str, apply: Callable[[], str | Step]) -> Step:
        """Run one step; a failure is recorded as `failed` and raised naming the step."""
        try:
            with translated():
                outcome = apply()
        except GoldenpathError as exc:
            self.done.append(Step(name, FAILED))
            raise exc.within(f"step {name!r} failed") from exc
        step = outcome if isinstance(outcome, Step) else Step(name, outcome)
        self.done.append(step)
        return step


@contextmanager
def translated() -> Iterator[None]:
    """GitHub's and git's failures as the error model: an outage is resumable, a refused credential is not."""
    from githubkit.exception import RequestFailed

    try:
        yield
    except RequestFailed as exc:
        raise failure(exc) from None
    except GitError as exc:
        raise remote_failure(exc) from None


def get_or_none(
    gh: GitHub[Any], path: str, *, accept: str | None = None, params: dict[str, int] | None = None
) -> Any:
    """GET `path` as JSON; None on 404, which is how GitHub says "not there" (or not yours to know)."""
    from githubkit.exception import RequestFailed

    headers = {"Accept": accept} if accept else None
    try:
        response = gh.request("GET", path, headers=headers, params=params)
    except RequestFailed as exc:
        if exc.response.status_code == 404:
            return None
        raise
    return response.json() if response.content else {}
