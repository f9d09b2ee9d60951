"""The cost of the audit chain on a bulk write and the speed of `audit verify`.

    nice python -m tests.benchmarks.audit_chain --rows 100000 --runs 3            # SQLite and PostgreSQL
    nice python -m tests.benchmarks.audit_chain --rows 100000 --runs 3 --sqlite-only

Each run starts from an empty database (a new SQLite file; a new PostgreSQL database on a throw-away
server, started as the test suite does) and writes `--rows` audit rows shaped like the importer's in one
unit of work through `add_many`, then commits:
- baseline: the same bulk INSERT with the chaining switched off (main's statement: rows stay unchained);
- chained:  `add_many` as it is, chained at commit (the time the chain head's lock is held is the
  chaining itself, measured around `chain_pending`);
then `verify_chain` walks what the chained run wrote. Medians of the runs are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.services.audit import verify_chain
from bot.storage import audit_chain
from bot.storage.db import create_engine
from bot.storage.models import AuditEntry
from bot.storage.schema import upgrade
from bot.storage.uow import UnitOfWorkFactory

AT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def _rows(n: int) -> list[dict[str, Any]]:
    """Like `bot.services.imports._audit_row` for an updated order."""
    return [{"actor": "import:orders.csv", "action": "import.order_updated", "customer_id": None,
             "purpose": "import the shop's orders (import:orders.csv)",
             "details": {"code": f"RG-2026-{i:06d}", "changed": ["status", "tracking_code"]},
             "created_at": AT} for i in range(n)]


async def _run(url: str, n: int, *, chained: bool) -> dict[str, float]:
    engine = create_engine(url)
    timings: dict[str, float] = {}
    original = audit_chain.chain_pending

    def timed_chain(connection: Any, **kwargs: Any) -> int:
        started = time.perf_counter()
        try:
            return original(connection, **kwargs)
        finally:
            timings["lock_held"] = time.perf_counter() - started

    audit_chain.chain_pending = timed_chain
    try:
        await upgrade(engine)
        factory = UnitOfWorkFactory(engine)
        rows = _rows(n)
        started = time.perf_counter()
        async with factory() as uow:
            if chained:
                await uow.audit.add_many(rows)
            else:
                await uow.session.execute(insert(AuditEntry), rows)
            written = time.perf_counter()
            await uow.commit()
        timings["insert"] = written - started
        timings["total"] = time.perf_counter() - started
        if chained:
            started = time.perf_counter()
            report = await verify_chain(factory)
            timings["verify"] = time.perf_counter() - started
            assert report.ok and report.count == n, report
    finally:
        audit_chain.chain_pending = original
        await engine.dispose()
    return timings


async def _series(name: str, make_url: Callable[[], Awaitable[str]], n: int, runs: int) -> None:
    results: dict[str, list[dict[str, float]]] = {"baseline": [], "chained": []}
    for _ in range(runs):
        for kind in ("baseline", "chained"):
            results[kind].append(await _run(await make_url(), n, chained=kind == "chained"))

    def median(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    base, chain = median("baseline", "total"), median("chained", "total")
    print(f"{name}, {n:,} rows, median of {runs}:")
    print(f"  baseline (bulk INSERT, not chained): {base:6.2f} s")
    print(f"  chained  (bulk INSERT + chain at commit): {chain:6.2f} s  (+{chain - base:.2f} s, "
          f"x{chain / base:.2f}); chain head locked {median('chained', 'lock_held'):.2f} s")
    verify = median("chained", "verify")
    print(f"  audit verify: {verify:6.2f} s ({n / verify:,.0f} rows/s)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rosee-audit-bench-") as folder:
        counter = iter(range(10_000))

        async def sqlite_url() -> str:
            return f"sqlite+aiosqlite:///{Path(folder) / f'audit-{next(counter)}.db'}"

        await _series("SQLite", sqlite_url, args.rows, args.runs)
    if args.sqlite_only:
        return
    from tests.support import postgres

    server = postgres._start_local_server()
    try:
        labels = iter(range(10_000))

        async def postgres_url() -> str:
            return await asyncio.to_thread(server.create_database, f"bench{next(labels)}")

        await _series("PostgreSQL", postgres_url, args.rows, args.runs)
    finally:
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
