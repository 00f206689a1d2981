"""Rows of a prebuilt Core SELECT run straight on the SQLite driver connection.

An order-status question reads one order: four small SELECTs (items, fulfillments,
payments, the order row) that SQLite answers in ~40 us together, while SQLAlchemy's
per-execution layers (statement cache lookup, execution context, events, cursor result,
row objects) cost ~4x that on top. `serialize._rows` runs its statements through here on
SQLite: the SQL is compiled once per statement, executed on the DBAPI connection of the
caller's SQLAlchemy connection (same transaction, already begun), and each value goes
through the result processor SQLAlchemy would apply to it (sealed columns are opened,
JSON is decoded), so the rows hold the same values; they are named tuples (index and
attribute access, as the callers use them). Statements whose parameters are not exactly
the ones given (an expanding IN, other bind values), or whose bind values SQLAlchemy
would convert first, are not handled: `prepared` gives None.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

from sqlalchemy import Connection, Select


class Prepared:
    """One SELECT compiled for one dialect: its SQL, bind names in order, row processors."""

    def __init__(self, stmt: Select, dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        self.binds = tuple(compiled.positiontup or ())
        # values are passed to the driver as given: no bind may need converting first
        self.plain_binds = not any(compiled.binds[b].type.dialect_impl(dialect).bind_processor(dialect)
                                   for b in self.binds)
        columns = list(stmt.selected_columns)
        self.processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
        self.row = namedtuple("Row", [c.key for c in columns], rename=True)

    def rows(self, conn: Connection, params: dict[str, Any]) -> list:
        cursor = conn.connection.driver_connection.execute(self.sql, [params[b] for b in self.binds])
        procs, make = self.processors, self.row._make
        if not any(procs):
            return [make(r) for r in cursor.fetchall()]
        return [make([v if p is None else p(v) for p, v in zip(procs, r)]) for r in cursor.fetchall()]


def prepared(key, stmt: Select, dialect, params: dict[str, Any]) -> Prepared | None:
    """`stmt` compiled for the SQLite `dialect` (once per `key` and dialect: sealed
    columns open with the keyring of their engine's dialect), or None when it cannot run
    here with `params`."""
    if dialect.name != "sqlite":
        return None
    cache = dialect.__dict__.setdefault("_chuhai_prepared", {})
    if key not in cache:
        prep = Prepared(stmt, dialect)
        runs_here = prep.plain_binds and set(prep.binds) == set(params) and "POSTCOMPILE" not in prep.sql
        cache[key] = prep if runs_here else None
    return cache[key]
