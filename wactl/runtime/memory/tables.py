"""Copy-on-commit tables: what the in-memory store keeps, and a transaction over them.

A `Tx` reads through to the committed tables and keeps its own writes aside; `commit`
installs them all at once, with no `await` in between, so in one asyncio process a
transaction is atomic as a PostgreSQL one is, and a dropped `Tx` leaves no trace.
Key-value tables hold copies (callers clone what they put and what they get); log
tables are append-only lists per key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

DELETED: Any = object()
"""A key a transaction removed."""


class Tables:
    """The committed data: key-value tables and append-only logs, by table name."""

    def __init__(self) -> None:
        self.kv: defaultdict[str, dict[Any, Any]] = defaultdict(dict)
        self.logs: defaultdict[str, defaultdict[Any, list[Any]]] = defaultdict(
            lambda: defaultdict(list))
        self.on_commit: list[Callable[[Tables], None]] = []
        """Index upkeep run after every commit (e.g. the sorted customer ids)."""

    def begin(self) -> Tx:
        return Tx(self)


class Tx:
    """One transaction's writes, seen by its own reads, installed by `commit`."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.writes: dict[str, dict[Any, Any]] = {}
        self.appends: dict[str, dict[Any, list[Any]]] = {}
        self.done = False

    def get(self, table: str, key: Any) -> Any:
        """The value under `key`, or None."""
        written = self.writes.get(table)
        if written is not None and key in written:
            value = written[key]
            return None if value is DELETED else value
        return self.tables.kv[table].get(key)

    def put(self, table: str, key: Any, value: Any) -> None:
        self.writes.setdefault(table, {})[key] = value

    def delete(self, table: str, key: Any) -> None:
        self.writes.setdefault(table, {})[key] = DELETED

    def items(self, table: str) -> dict[Any, Any]:
        """The whole table as this transaction sees it (a scan: for small tables)."""
        merged = dict(self.tables.kv[table])
        for key, value in self.writes.get(table, {}).items():
            if value is DELETED:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged

    def append(self, table: str, key: Any, item: Any) -> None:
        self.appends.setdefault(table, {}).setdefault(key, []).append(item)

    def log(self, table: str, key: Any) -> list[Any]:
        """The log under `key`: committed entries, then this transaction's."""
        committed = self.tables.logs[table].get(key, [])
        return [*committed, *self.appends.get(table, {}).get(key, [])]

    def commit(self) -> None:
        """Install every write at once (no await: atomic within the event loop)."""
        if self.done:
            raise RuntimeError("transaction already ended")
        self.done = True
        for table, written in self.writes.items():
            target = self.tables.kv[table]
            for key, value in written.items():
                if value is DELETED:
                    target.pop(key, None)
                else:
                    target[key] = value
        for table, appended in self.appends.items():
            logs = self.tables.logs[table]
            for key, items in appended.items():
                logs[key].extend(items)
        for hook in self.tables.on_commit:
            hook(self.tables)
