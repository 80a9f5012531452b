"""What a scan keeps for the next one: HTTP validators with their bodies, and per-repo memos.

One SQLite file in `--cache DIR` (`fleet-cache.sqlite3`), or in a temporary
directory removed at the end when no directory is given, so a scan behaves the
same either way. Each worker thread has its own connection (WAL: readers never
wait for each other). Bodies are stored zlib-compressed and read back one at a
time, so the cache can grow with the fleet without growing the scan's memory. Memos are small
JSON values by kind: a repo's tree and tags by `pushed_at`, file texts by blob
SHA, where approvals were required last time. The file holds no token: the
credential an ETag was read with is kept as a salted fingerprint.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import tempfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldenpath.errors import UsageError

CACHE_FILE = "fleet-cache.sqlite3"
FORMAT = "1"  # bump when the tables change; an older file is started afresh
_BUSY_MS = 30_000  # how long a writer waits for another thread's write


@dataclass(frozen=True)
class CachedResponse:
    """A 200 answer with its validators, as stored for a conditional request."""

    etag: str | None
    last_modified: str | None
    credential: str  # fingerprint of the credential the ETag belongs to (GitHub's ETags are per token)
    headers: dict[str, str]
    body: bytes


class Store:
    """Thread-safe access to the cache file: a connection per thread, SQLite's own locking."""

    def __init__(self, directory: Path | None = None) -> None:
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if directory is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="fleet-cache-")
            directory = Path(self._scratch.name)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"--cache {directory}: cannot create the directory ({exc.strerror})",
                "give a writable directory",
            ) from exc
        self.path = directory / CACHE_FILE
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._prepare()
        self._salt = self._meta("salt") or self._set_meta("salt", secrets.token_hex(16))

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=_BUSY_MS / 1000
            )
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    def _prepare(self) -> None:
        try:
            db = self._db()
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if row is not None and row[0] != FORMAT:
                db.executescript(
                    "DROP TABLE IF EXISTS responses; DROP TABLE IF EXISTS memos; DELETE FROM meta;"
                )
            db.executescript(
                """
                CREATE TABLE IF NOT EXISTS responses (
                    key TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, credential TEXT NOT NULL,
                    headers TEXT NOT NULL, body BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS memos (
                    kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key));
                """
            )
            db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
        except sqlite3.DatabaseError as exc:
            raise UsageError(
                f"--cache: {self.path} is not a usable cache ({exc})",
                "delete the file (the next scan rebuilds it) or give another directory",
            ) from exc

    def fingerprint(self, credential: str) -> str:
        """A salted hash naming a credential without storing it."""
        return hmac.new(self._salt.encode(), credential.encode(), hashlib.sha256).hexdigest()[:24]

    # -- HTTP responses -----------------------------------------------------------
    def response(self, key: str) -> CachedResponse | None:
        row = (
            self._db()
            .execute(
                "SELECT etag, last_modified, credential, headers, body FROM responses WHERE key = ?", (key,)
            )
            .fetchone()
        )
        if row is None:
            return None
        return CachedResponse(row[0], row[1], row[2], json.loads(row[3]), zlib.decompress(row[4]))

    def put_response(self, key: str, entry: CachedResponse) -> None:
        row = (
            key,
            entry.etag,
            entry.last_modified,
            entry.credential,
            json.dumps(entry.headers),
            zlib.compress(entry.body, 6),
        )
        self._db().execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)", row)

    # -- memos --------------------------------------------------------------------
    def memo(self, kind: str, key: str) -> Any:
        """The JSON value kept under (kind, key), or None."""
        row = self._db().execute("SELECT value FROM memos WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return None if row is None else json.loads(row[0])

    def put_memo(self, kind: str, key: str, value: Any) -> None:
        self._db().execute("INSERT OR REPLACE INTO memos VALUES (?, ?, ?)", (kind, key, json.dumps(value)))

    # -- lifecycle ----------------------------------------------------------------
    def close(self) -> None:
        """Close every thread's connection (the last one folds the WAL into the file)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()
        if self._scratch is not None:
            self._scratch.cleanup()

    def _meta(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> str:
        self._db().execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        return value
