"""Who must approve a change to the default branch, and who must approve a prd deployment.

Approvals come from rulesets (`GET .../rules/branches/{branch}`) or classic
branch protection; whichever required approvals last scan is asked first, and
the other only when the first requires none. Classic protection is read only
when the branch says it is `protected`: GitHub answers an unprotected branch's
protection with a 404, which no conditional request can make free, while the
branch itself revalidates to a 304. For the same reason the prd environment is
found in the environment list, not by a GET that answers 404 when it is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from githubkit import GitHub, Response, TokenAuthStrategy
from githubkit.exception import RequestFailed

from goldenpath.fleet.model import Evidence
from goldenpath.fleet.store import Store

PRD_ENVIRONMENT = "prd"
APPROVAL_SOURCE = "approval-source"  # store memo kind: repo -> where approvals were required last scan


@dataclass(frozen=True)
class Approvals:
    """The strongest pull-request rule on the default branch, and where it is set."""

    count: int | None  # required approving reviews; None when no rule requires pull requests
    evidence: tuple[Evidence, ...] = ()
    unreadable: str | None = None  # why a source could not be read (then "none" is not proven)


Source = Callable[[GitHub[TokenAuthStrategy], str, str, str, str], Approvals]


def approvals(
    gh: GitHub[TokenAuthStrategy], store: Store, owner: str, name: str, branch: str, html_url: str
) -> Approvals:
    sources: list[Source] = [ruleset_approvals, protection_if_protected]
    if store.memo(APPROVAL_SOURCE, f"{owner}/{name}") == "branch_protection":
        sources = [protection_approvals, ruleset_approvals]  # known to be protected: no need to ask
    best = Approvals(None)
    for source in sources:
        found = source(gh, owner, name, branch, html_url)
        if found.count is not None and (best.count is None or found.count > best.count):
            best = replace(found, unreadable=best.unreadable)
        elif found.unreadable:
            best = replace(best, unreadable=found.unreadable)
        if best.count:
            store.put_memo(APPROVAL_SOURCE, f"{owner}/{name}", best.evidence[0].source)
            return best
    return best


def ruleset_approvals(
    gh: GitHub[TokenAuthStrategy], owner: str, name: str, branch: str, html_url: str
) -> Approvals:
    rules: list[Any] = or_absent(lambda: gh.rest.repos.get_branch_rules(owner, name, branch), [])
    best = Approvals(None)
    for rule in rules:
        if rule.get("type") != "pull_request":
            continue
        count = int((rule.get("parameters") or {}).get("required_approving_review_count") or 0)
        if best.count is None or count > best.count:
            ruleset = rule.get("ruleset_id")
            own = rule.get("ruleset_source_type", "Repository") == "Repository"
            evidence = Evidence(
                "ruleset",
                f"ruleset {ruleset} ({rule.get('ruleset_source', f'{owner}/{name}')})",
                f"pull_request.required_approving_review_count={count}",
                f"{html_url}/rules/{ruleset}" if ruleset and own else None,
            )
            best = Approvals(count, (evidence,))
    return best


def protection_if_protected(
    gh: GitHub[TokenAuthStrategy], owner: str, name: str, branch: str, html_url: str
) -> Approvals:
    """Classic protection, read only when the branch says it is protected (see the module docstring)."""
    about: Any = or_absent(lambda: gh.rest.repos.get_branch(owner, name, branch), {})
    if not about.get("protected"):
        return Approvals(None)
    return protection_approvals(gh, owner, name, branch, html_url)


def protection_approvals(
    gh: GitHub[TokenAuthStrategy], owner: str, name: str, branch: str, html_url: str
) -> Approvals:
    try:
        protection: Any = gh.rest.repos.get_branch_protection(owner, name, branch).json()
    except RequestFailed as exc:
        if exc.response.status_code == 404:  # "Branch not protected"
            return Approvals(None)
        if exc.response.status_code == 403:  # the token lacks Administration: read
            return Approvals(None, unreadable=f"branch protection of {branch} is not readable (HTTP 403)")
        raise
    reviews = protection.get("required_pull_request_reviews")
    if reviews is None:
        return Approvals(None)
    count = int(reviews.get("required_approving_review_count") or 0)
    evidence = Evidence(
        "branch_protection",
        f"branches/{branch}/protection",
        f"required_pull_request_reviews.required_approving_review_count={count}",
        f"{html_url}/settings/branches",
    )
    return Approvals(count, (evidence,))


def prd_reviewers(
    gh: GitHub[TokenAuthStrategy], owner: str, name: str, html_url: str
) -> tuple[Evidence, ...]:
    listed: Any = or_absent(lambda: gh.rest.repos.get_all_environments(owner, name, per_page=100), {})
    found_env = next((e for e in listed.get("environments") or [] if e.get("name") == PRD_ENVIRONMENT), None)
    if found_env is None and int(listed.get("total_count") or 0) > len(listed.get("environments") or []):
        found_env = or_absent(lambda: gh.rest.repos.get_environment(owner, name, PRD_ENVIRONMENT), None)
    if found_env is None:
        return ()
    found = []
    for rule in found_env.get("protection_rules") or []:
        if rule.get("type") == "required_reviewers" and rule.get("reviewers"):
            who = ", ".join(_reviewer(reviewer) for reviewer in rule["reviewers"])
            found.append(
                Evidence(
                    "api",
                    f"environments/{PRD_ENVIRONMENT} protection_rules",
                    f"required_reviewers: {who}",
                    f"{html_url}/settings/environments",
                )
            )
    return tuple(found)


def _reviewer(reviewer: dict[str, Any]) -> str:
    who = reviewer.get("reviewer") or {}
    return str(who.get("slug") or who.get("login") or "?")


def or_absent(request: Callable[[], Response[Any, Any]], absent: Any) -> Any:
    """The JSON a GET answers, or `absent` on 404: GitHub's way of saying the thing does not exist."""
    try:
        return request().json()
    except RequestFailed as exc:
        if exc.response.status_code == 404:
            return absent
        raise
