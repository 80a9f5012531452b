"""Unity Catalog tables and their rows, in one in-memory sqlite database that really evaluates SQL.

The SQL statement API, SQL alerts and quality monitors read and write tables
here, so a test seeds rows (predictions, drift metrics) and the product's own
SQL runs on them. Databricks SQL maps onto sqlite with one rule: a dotted
name is one sqlite identifier. `catalog.schema.table` (backticked or not) is
the sqlite table `"catalog.schema.table"`, and a struct field `window.start`
is the column `"window.start"` (struct columns are stored flattened). Table
aliases (`t.col`) therefore do not resolve: write plain column names. A
trailing `USING DELTA` of a CREATE TABLE is dropped. Column types are the
declared Databricks types (STRING, DOUBLE, BIGINT, TIMESTAMP, ...), which the
statement API reports back; values come back as strings, as in JSON_ARRAY.

The table routes are Unity Catalog 2.1 `tables/{full_name}` (get) and
`tables/{full_name}/exists`.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any

from fakes.databricks.core import ApiError, Core, Request, route

PART = r"(?:`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)"
DOTTED = re.compile(rf"(?<![\w:`]){PART}(?:\s*\.\s*{PART})+|`[^`]+`")
STRING_LITERAL = re.compile(r"'(?:[^'\\]|''|\\.)*'")
USING_FORMAT = re.compile(r"\)\s*USING\s+\w+\s*;?\s*$", re.IGNORECASE)
NUMERIC_TYPES = ("DOUBLE", "FLOAT", "DECIMAL")
INTEGER_TYPES = ("BIGINT", "INT", "LONG", "SMALLINT", "TINYINT")


class SqlError(Exception):
    """A statement Databricks would refuse: its error class (`[TABLE_OR_VIEW_NOT_FOUND] ...`) and SQLSTATE."""

    def __init__(self, message: str, sql_state: str) -> None:
        super().__init__(message)
        self.sql_state = sql_state


@dataclass(frozen=True)
class Result:
    columns: list[tuple[str, str]]  # (name, Databricks type)
    rows: list[list[str | None]]


def to_sqlite(statement: str) -> str:
    """Databricks SQL to sqlite: every dotted or backticked name becomes one double-quoted identifier."""
    out, last = [], 0
    for literal in STRING_LITERAL.finditer(statement):
        out.append(_names(statement[last : literal.start()]))
        out.append(literal.group())
        last = literal.end()
    out.append(_names(statement[last:]))
    return USING_FORMAT.sub(")", "".join(out))


def _names(code: str) -> str:
    def quoted(match: re.Match[str]) -> str:
        parts = [part.strip().strip("`") for part in match.group().split(".")]
        return '"' + ".".join(parts) + '"'

    return DOTTED.sub(quoted, code)


def _text(value: Any, kind: str) -> str | None:
    """A value as the statement API's JSON_ARRAY format writes it."""
    if value is None:
        return None
    if kind == "BOOLEAN":
        return "true" if value else "false"
    return str(value)


def _quoted(name: str) -> str:
    """One sqlite identifier, whatever it holds (names come from tests, never from a request)."""
    return '"' + name.replace('"', '""') + '"'


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


class Tables:
    """The workspace's tables: create, insert, read, and run SQL over them (thread-safe)."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()

    def create(
        self, full_name: str, columns: Mapping[str, str], rows: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        """A table with `columns` (name -> Databricks type; a struct field as `window.start`)."""
        spec = ", ".join(f"{_quoted(name)} {kind}" for name, kind in columns.items())
        with self._lock:
            self._db.execute(f"CREATE TABLE {_quoted(full_name)} ({spec})")
        self.insert(full_name, rows)

    def insert(self, full_name: str, rows: Iterable[Mapping[str, Any]]) -> None:
        with self._lock:
            for row in rows:
                names = ", ".join(_quoted(name) for name in row)
                marks = ", ".join("?" for _ in row)
                values = [_stored(value) for value in row.values()]
                self._db.execute(f"INSERT INTO {_quoted(full_name)} ({names}) VALUES ({marks})", values)

    def exists(self, full_name: str) -> bool:
        with self._lock:
            found = self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (full_name,)
            ).fetchone()
        return found is not None

    def columns(self, full_name: str) -> dict[str, str]:
        with self._lock:
            info = self._db.execute(f"PRAGMA table_info({_quoted(full_name)})").fetchall()
        return {str(row[1]): str(row[2]).upper() for row in info}

    def rows(self, full_name: str) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._db.execute(f"SELECT * FROM {_quoted(full_name)}")
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def names(self) -> list[str]:
        with self._lock:
            found = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            return [str(row[0]) for row in found.fetchall()]

    def execute(self, statement: str, parameters: Mapping[str, Any] | None = None) -> Result:
        """Run one statement (named `:markers` bound from `parameters`); refuse it as Databricks would."""
        sql = to_sqlite(statement)
        try:
            with self._lock:
                cursor = self._db.execute(sql, dict(parameters or {}))
                fetched = cursor.fetchall()
                names = [column[0] for column in cursor.description or []]
                self._db.commit()
        except sqlite3.Error as error:
            raise _refusal(str(error), statement) from None
        declared = self._declared_types(sql)
        kinds = [
            declared.get(name) or _inferred(row[index] for row in fetched) for index, name in enumerate(names)
        ]
        rows = [[_text(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in fetched]
        return Result(list(zip(names, kinds, strict=True)), rows)

    def _declared_types(self, sql: str) -> dict[str, str]:
        """Column name -> declared type, over the tables the statement names."""
        found: dict[str, str] = {}
        for name in re.findall(r'"([^"]+)"', sql):
            if name.count(".") == 2 and self.exists(name):
                for column, kind in self.columns(name).items():
                    found.setdefault(column, kind)
        return found


def _inferred(values: Iterable[Any]) -> str:
    kinds = {type(value) for value in values if value is not None}
    if kinds and kinds <= {int}:
        return "BIGINT"
    if kinds and kinds <= {int, float}:
        return "DOUBLE"
    return "STRING"


def _refusal(message: str, statement: str) -> SqlError:
    table = re.match(r"no such table: (.+)", message)
    if table:
        shown = ".".join(f"`{part}`" for part in table[1].split("."))
        return SqlError(
            f"[TABLE_OR_VIEW_NOT_FOUND] The table or view {shown} cannot be found. Verify the spelling "
            "and correctness of the schema and catalog. SQLSTATE: 42P01",
            "42P01",
        )
    column = re.match(r"no such column: (.+)", message)
    if column:
        return SqlError(
            f"[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or function parameter with name "
            f"`{column[1]}` cannot be resolved. SQLSTATE: 42703",
            "42703",
        )
    return SqlError(
        f"[PARSE_SYNTAX_ERROR] {message} (in: {statement.strip()[:200]}) SQLSTATE: 42601", "42601"
    )


@dataclass
class TablesState(Core):
    tables: Tables = field(default_factory=Tables)


def type_name(kind: str) -> str:
    """The statement API's `type_name` for a declared type (`DECIMAL(10,2)` -> DECIMAL)."""
    base = kind.split("(")[0].split("<")[0].strip().upper()
    return {"BIGINT": "LONG", "INTEGER": "INT", "VARCHAR": "STRING", "TEXT": "STRING"}.get(
        base, base or "STRING"
    )


@route("GET", r"/api/2.1/unity-catalog/tables/(?P<name>[^/]+)")
def _table(request: Request) -> Any:
    name = request.match["name"]
    if not request.workspace.tables.exists(name):
        raise ApiError(HTTPStatus.NOT_FOUND, "TABLE_DOES_NOT_EXIST", f"Table '{name}' does not exist.")
    catalog, schema, table = name.split(".")
    columns = [
        {"name": column, "type_name": type_name(kind), "type_text": kind.lower(), "position": index}
        for index, (column, kind) in enumerate(request.workspace.tables.columns(name).items())
    ]
    return {
        "name": table,
        "catalog_name": catalog,
        "schema_name": schema,
        "full_name": name,
        "table_type": "MANAGED",
        "data_source_format": "DELTA",
        "columns": columns,
    }


@route("GET", r"/api/2.1/unity-catalog/tables/(?P<name>[^/]+)/exists")
def _table_exists(request: Request) -> Any:
    return {"table_exists": request.workspace.tables.exists(request.match["name"])}
