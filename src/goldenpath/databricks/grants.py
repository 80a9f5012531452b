"""Unity Catalog privileges as preflight checks them: effective grants, and the GRANT that fixes a gap."""

from __future__ import annotations

from collections.abc import Iterable

from databricks.sdk import WorkspaceClient

from goldenpath.databricks.findings import Finding

ALL_PRIVILEGES = "ALL_PRIVILEGES"
SHOWN_OPTIONS = 8


def effective_privileges(client: WorkspaceClient, securable: str, name: str, principal: str) -> set[str]:
    """The principal's effective privileges on a securable (inherited ones included)."""
    result = client.grants.get_effective(securable, name, principal=principal)
    held: set[str] = set()
    for assignment in result.privilege_assignments or []:
        if assignment.principal == principal:
            held |= {p.privilege.value for p in assignment.privileges or [] if p.privilege}
    return held


def grants_finding(
    check: str, securable: str, name: str, principal: str, needed: Iterable[str], client: WorkspaceClient
) -> Finding:
    held = effective_privileges(client, securable, name, principal)
    missing = [] if ALL_PRIVILEGES in held else [p for p in needed if p not in held]
    if not missing:
        return Finding(
            check, True, f"{principal} has {', '.join(sql_privilege(p) for p in needed)} on {name}"
        )
    privileges = ", ".join(sql_privilege(p) for p in missing)
    return Finding(
        check,
        False,
        f"{principal} lacks {privileges} on {securable.lower()} {name}",
        f"GRANT {privileges} ON {securable} {name} TO `{principal}`",
    )


def sql_privilege(privilege: str) -> str:
    return privilege.replace("_", " ")


def some_of(options: list[str]) -> str:
    """A few of the options a setting may take, for a fix message."""
    shown = ", ".join(sorted(options)[:SHOWN_OPTIONS])
    return shown + (", ..." if len(options) > SHOWN_OPTIONS else "") if options else "(none listed)"
