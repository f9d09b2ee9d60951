"""Staging tables for bulk writes: many rows in, then one set-based statement (UPDATE ... FROM,
INSERT ... SELECT) instead of a statement per row.

    rows ─ stage() ─▶ temporary table ─ one UPDATE/INSERT ... FROM it ─▶ real table;  clear()

How the rows get into the temporary table is each database's bulk path:
- PostgreSQL: COPY, through asyncpg's `copy_records_to_table` on the unit of work's own connection,
  so inside its transaction. The table is `ON COMMIT DROP`: a committed or rolled-back import
  leaves nothing behind on the pooled connection.
- SQLite: one `executemany` of an INSERT, which runs in-process with no round trip per row.

The staged values go through the columns' own types on SQLite (UtcDateTime, JSON), as any write
does; on PostgreSQL asyncpg encodes them itself (aware datetimes for timestamptz, dates), and JSON
values are serialised here (asyncpg takes json as text). A staging table is created on first use in
a transaction (IF NOT EXISTS) and emptied by `clear` after each batch; declare it with
`prefixes=["TEMPORARY"], postgresql_on_commit="DROP"` in a MetaData of its own (see repositories/orders.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, ColumnElement, Table, any_, bindparam, delete, insert
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.schema import CreateTable


async def stage(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Create the temporary `table` if needed and load `rows` (dicts keyed by column name) into it."""
    await session.execute(CreateTable(table, if_not_exists=True))
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        names = [column.name for column in table.columns]
        as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
        records = [
            tuple(
                json.dumps(row[name]) if name in as_json and row[name] is not None else row[name]
                for name in names
            )
            for row in rows
        ]
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.copy_records_to_table(table.name, records=records, columns=names)
    else:
        await session.execute(insert(table), list(rows))


async def clear(session: AsyncSession, table: Table) -> None:
    """Empty the staging table for the next batch (it is dropped at commit on PostgreSQL)."""
    await session.execute(delete(table))



async def one_of(session: AsyncSession, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column` is one of `values`: `= ANY($1)` with one array parameter on PostgreSQL, one statement
    asyncpg prepares once whatever the batch's size (an IN list of n parameters is a new statement
    for each n); an IN list on SQLite."""
    if (await session.connection()).dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=ARRAY(column.type))
        matches: ColumnElement[bool] = column == any_(array)
        return matches
    matches = column.in_(values)
    return matches
