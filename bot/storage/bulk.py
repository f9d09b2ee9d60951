"""Bulk writes: rows straight into a table (`insert_rows`), or into a staging table and then one
set-based statement (UPDATE ... FROM, INSERT ... SELECT) instead of a statement per row.

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

`insert_rows` is the same bulk path into a real table (an import's audit rows and customer notices):
COPY runs inside the unit of work's transaction, so what it wrote commits or rolls back with the rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, ColumnElement, Table, any_, bindparam, delete, insert, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.schema import CreateTable


async def stage(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Create the temporary `table` if needed and load `rows` (dicts keyed by column name) into it."""
    await session.execute(CreateTable(table, if_not_exists=True))
    if rows:
        await _load(session, table, [column.name for column in table.columns], rows)


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` into `table` by the database's bulk path, in the session's transaction.

    Every row names the same columns (the first row's keys); a column left out gets its server
    default (none of the Python-side ones: name every column that has no server default). Pending
    ORM changes are flushed first, so rows may refer to what the unit of work added before."""
    if not rows:
        return
    await session.flush()
    await _load(session, table, list(rows[0]), rows)


async def _load(
    session: AsyncSession, table: Table, names: list[str], rows: Sequence[dict[str, Any]]
) -> None:
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await session.execute(insert(table), list(rows))
        return
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if not driver.is_in_transaction():
        # SQLAlchemy's asyncpg adapter begins its transaction with the first statement it runs; a
        # COPY before any would commit on its own, outside the unit of work.
        await session.execute(select(literal(1)))
    # asyncpg encodes every value itself (a str enum as the string it is), except JSON, which it
    # takes as text. An import copies hundreds of thousands of values: no per-value call for the rest.
    as_json = [index for index, name in enumerate(names) if isinstance(table.columns[name].type, JSON)]
    pick = itemgetter(*names)
    records: list[tuple[Any, ...]] = []
    for row in rows:
        values = pick(row)
        record = list(values) if len(names) > 1 else [values]
        for index in as_json:
            if record[index] is not None:
                record[index] = json.dumps(record[index])
        records.append(tuple(record))
    await driver.copy_records_to_table(table.name, records=records, columns=names)


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
