"""What a scan keeps for the next one: HTTP validators with their bodies, and per-repo memos.

One SQLite file in `--cache DIR` (`fleet-cache.sqlite3`), or an in-memory
database when no directory is given, so a scan behaves the same either way.
Bodies are stored zlib-compressed and read back one at a time, so the cache
can grow with the fleet without growing the scan's memory. Memos are small
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
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldenpath.errors import UsageError

CACHE_FILE = "fleet-cache.sqlite3"
FORMAT = "1"  # bump when the tables change; an older file is started afresh
_COMMIT_EVERY = 500  # writes between commits: a crash loses little, a scan does not wait on disk


@dataclass(frozen=True)
class CachedResponse:
    """A 200 answer with its validators, as stored for a conditional request."""

    etag: str | None
    last_modified: str | None
    credential: str  # fingerprint of the credential the ETag belongs to (GitHub's ETags are per token)
    headers: dict[str, str]
    body: bytes


class Store:
    """Thread-safe access to the cache file (one connection, one lock)."""

    def __init__(self, directory: Path | None = None) -> None:
        if directory is not None:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(
                    f"--cache {directory}: cannot create the directory ({exc.strerror})",
                    "give a writable directory",
                ) from exc
        self.path = directory / CACHE_FILE if directory is not None else None
        self._lock = threading.Lock()
        self._db = self._open()
        self._pending = 0
        self._salt = self._meta("salt") or self._set_meta("salt", secrets.token_hex(16))

    def _open(self) -> sqlite3.Connection:
        target = str(self.path) if self.path is not None else ":memory:"
        try:
            db = sqlite3.connect(target, check_same_thread=False, isolation_level="DEFERRED")
            db.execute("PRAGMA journal_mode=WAL" if self.path else "PRAGMA journal_mode=MEMORY")
            db.execute("PRAGMA synchronous=NORMAL")
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
            db.commit()
        except sqlite3.DatabaseError as exc:
            raise UsageError(
                f"--cache: {target} is not a usable cache ({exc})",
                "delete the file (the next scan rebuilds it) or give another directory",
            ) from exc
        return db

    def fingerprint(self, credential: str) -> str:
        """A salted hash naming a credential without storing it."""
        return hmac.new(self._salt.encode(), credential.encode(), hashlib.sha256).hexdigest()[:24]

    # -- HTTP responses -----------------------------------------------------------
    def response(self, key: str) -> CachedResponse | None:
        with self._lock:
            row = self._db.execute(
                "SELECT etag, last_modified, credential, headers, body FROM responses WHERE key = ?", (key,)
            ).fetchone()
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
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)", row)
            self._wrote()

    # -- memos --------------------------------------------------------------------
    def memo(self, kind: str, key: str) -> Any:
        """The JSON value kept under (kind, key), or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM memos WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def put_memo(self, kind: str, key: str, value: Any) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO memos VALUES (?, ?, ?)", (kind, key, json.dumps(value)))
            self._wrote()

    # -- lifecycle ----------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._db.commit()
            self._db.close()

    def _wrote(self) -> None:
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self._db.commit()
            self._pending = 0

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> str:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        self._db.commit()
        return value
