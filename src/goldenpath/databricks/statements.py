"""One SQL statement on a SQL warehouse through the statement execution API, answered within 30 s.

Rows come back inline as strings (JSON_ARRAY), each a mapping by column name.
A statement the warehouse refuses raises `SqlRefused` (its message carries the
Databricks error class, e.g. `[TABLE_OR_VIEW_NOT_FOUND]`); a caller without
CAN USE on the warehouse gets `CredentialError` (HTTP 403); a warehouse that
does not finish in time has the statement cancelled and raises `Outage`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import PermissionDenied
from databricks.sdk.service.sql import (
    Disposition,
    ExecuteStatementRequestOnWaitTimeout,
    Format,
    StatementParameterListItem,
    StatementState,
)

from goldenpath.errors import CredentialError, Outage, Refused

WAIT = "30s"  # the API waits at most 50 s; a command answers within 30 s
UNFINISHED = (StatementState.PENDING, StatementState.RUNNING, StatementState.CANCELED)


class SqlRefused(Refused):
    """The warehouse ran the statement and refused it."""


@dataclass(frozen=True)
class SqlResult:
    columns: list[str]
    rows: list[dict[str, str | None]]


def run_sql(
    client: WorkspaceClient,
    warehouse_id: str,
    statement: str,
    *,
    setting: str,
    parameters: Mapping[str, str] | None = None,
) -> SqlResult:
    """Run `statement` on `warehouse_id` (named by `setting` in goldenpath.yml, for the fix),
    with named `:parameters` bound by the warehouse, never spliced into the text."""
    try:
        response = client.statement_execution.execute_statement(
            statement,
            warehouse_id,
            parameters=[StatementParameterListItem(name, value=v) for name, v in (parameters or {}).items()]
            or None,
            wait_timeout=WAIT,
            on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CANCEL,
            format=Format.JSON_ARRAY,
            disposition=Disposition.INLINE,
        )
    except PermissionDenied as exc:  # 403: the caller's identity lacks CAN USE
        reason = str(exc).split(". Config: ")[0]  # the SDK appends its auth config to a 403
        raise CredentialError(
            f"SQL warehouse {warehouse_id} refused the statement: {reason}",
            f"grant CAN USE on it to the identity these credentials authenticate, or fix {setting}",
        ) from exc
    state = response.status.state if response.status else None
    if state == StatementState.SUCCEEDED:
        schema = response.manifest.schema if response.manifest else None
        names = [column.name or "" for column in (schema.columns if schema else None) or []]
        data = (response.result.data_array if response.result else None) or []
        return SqlResult(names, [dict(zip(names, row, strict=True)) for row in data])
    if state in UNFINISHED:
        raise Outage(f"SQL warehouse {warehouse_id} did not finish a statement within {WAIT}")
    error = response.status.error if response.status else None
    raise SqlRefused(
        f"SQL warehouse {warehouse_id} refused a statement: {(error.message if error else None) or state}",
        "check the statement in the warehouse's query history",
    )
