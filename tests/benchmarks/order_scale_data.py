"""The order-scale benchmark's PostgreSQL server and its seeded data (see tests.benchmarks.order_scale).

The server lives in a data directory of its own (default /tmp/rosee-order-scale) that outlives the run,
so a rerun finds the 10 M orders already there and skips the seeding (about 15 minutes on 2 cores).
fsync stays on, as in production; shared_buffers is 1 GB, more than the default 128 MB but far below
the data set (about 12 GB with indexes), so the measured queries read through the OS cache as a
modest production server would. As root the server runs as the `postgres` user, as the suite's does.

Seeding happens on the server (generate_series), with the secondary indexes, unique and foreign-key
constraints of the loaded tables dropped first and rebuilt from their own definitions afterwards
(pg_get_indexdef / pg_get_constraintdef), so the schema is exactly what the migrations made:

    customers         1,000,000   ids 1..20 have 500 orders each, every other about 10
    channel_accounts    500,000   Telegram accounts of every second customer, chat id = user id
    orders           10,000,000   placed over three years, in random order of customer and time
    order_status_events ~58 M     pending → … → delivered (8 in 10), then returned (1), or cancelled
                                   after 1–4 steps (1)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from pathlib import Path

import asyncpg

from tests.support.postgres import _free_port, _run_tool, _unprivileged_user, find_postgres_bindir

DATABASE = "rosee_scale"
SEED_VERSION = 1
#: ROSEE_SCALE_DIVISOR=1000 seeds a thousandth of the data: a quick try of the benchmark itself.
DIVISOR = int(os.environ.get("ROSEE_SCALE_DIVISOR", "1"))
CUSTOMERS = 1_000_000 // DIVISOR
HEAVY_CUSTOMERS = 20  # customers 1..20
HEAVY_ORDERS = 500  # orders each
ORDERS = max(10_000_000 // DIVISOR, 2 * HEAVY_CUSTOMERS * HEAVY_ORDERS)
TELEGRAM_ACCOUNTS = CUSTOMERS // 2

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "shared_buffers": "'1GB'",
    "maintenance_work_mem": "'512MB'",
    "max_wal_size": "'8GB'",
    "checkpoint_timeout": "'15min'",
    "log_min_messages": "warning",
}


class Server:
    """A PostgreSQL server in `datadir`, started if it is not running; `stop()` stops it."""

    def __init__(self, datadir: Path) -> None:
        self.datadir = datadir
        self.data = datadir / "data"
        bindir = find_postgres_bindir()
        if bindir is None:
            raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bindir = bindir
        self.run_as = _unprivileged_user()
        self.port = 0

    def _tool(self, name: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        result = _run_tool(self.bindir / name, args, run_as=self.run_as, timeout=timeout)
        return result

    def start(self) -> None:
        if not self.data.exists():
            self.datadir.mkdir(parents=True, exist_ok=True)
            if self.run_as is not None:
                os.chown(self.datadir, self.run_as.pw_uid, self.run_as.pw_gid)
            self.datadir.chmod(0o700)
            init = self._tool("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                              "--no-locale")  # fmt: skip
            if init.returncode != 0:
                raise SystemExit(f"initdb failed: {init.stdout}{init.stderr}")
            port = _free_port()
            settings = {**SERVER_SETTINGS, "port": str(port), "unix_socket_directories": f"'{self.datadir}'"}
            with (self.data / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.port = int(next(
            line.split("=", 1)[1].strip()
            for line in (self.data / "postgresql.auto.conf").read_text().splitlines()
            if line.startswith("port")
        ))  # fmt: skip
        if not (self.data / "postmaster.pid").exists():
            log = str(self.datadir / "server.log")
            started = self._tool("pg_ctl", "start", "-D", str(self.data), "-l", log, "-w", "-t", "600")
            if started.returncode != 0:
                raise SystemExit(f"pg_ctl start failed: {started.stdout}{started.stderr}")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._tool("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")

    def dsn(self, database: str = DATABASE) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


async def ensure_database(server: Server) -> bool:
    """Create the benchmark database if missing; True when it already holds the seeded data."""
    admin = await asyncpg.connect(server.dsn("postgres"))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE)
        if not exists:
            await admin.execute(f"CREATE DATABASE {DATABASE} TEMPLATE template0 ENCODING 'UTF8'")
    finally:
        await admin.close()
    connection = await asyncpg.connect(server.dsn())
    try:
        version = await connection.fetchval(
            "SELECT version FROM benchmark_seed WHERE version = $1"
            if await connection.fetchval("SELECT to_regclass('benchmark_seed') IS NOT NULL")
            else "SELECT NULL::int WHERE $1::int IS NULL",
            SEED_VERSION,
        )
        return version == SEED_VERSION
    finally:
        await connection.close()


TABLES = ("customers", "channel_accounts", "orders", "order_status_events")

_STEPS = (
    (
        "customers",
        f"""
        INSERT INTO customers (id, full_name, phone, email, address, created_at, updated_at)
        SELECT g, 'Khách hàng ' || g, '+8490' || lpad(g::text, 7, '0'), 'khach' || g || '@example.com',
               'Số ' || (g % 300) || ' Lê Lợi, Quận 1, TP. Hồ Chí Minh',
               timestamptz '2023-01-01 00:00+00', timestamptz '2023-01-01 00:00+00'
        FROM generate_series(1, {CUSTOMERS}) g
        """,
    ),
    (
        "channel_accounts",
        f"""
        INSERT INTO channel_accounts (id, channel, channel_user_id, chat_id, display_name, customer_id,
                                      verified_phone, phone_verified_at, created_at)
        SELECT g, 'telegram', (700000000 + g)::text, (700000000 + g)::text, 'Khách ' || g, 2 * g,
               '+8490' || lpad((2 * g)::text, 7, '0'), timestamptz '2024-01-01 00:00+00',
               timestamptz '2024-01-01 00:00+00'
        FROM generate_series(1, {TELEGRAM_ACCOUNTS}) g
        """,
    ),
    (
        "orders",
        f"""
        INSERT INTO orders (id, code, customer_id, status, total_vnd, placed_at, shipping_address, carrier,
                            tracking_code, expected_delivery, items, updated_at)
        SELECT g, 'RG-' || to_char(p.at, 'YYYY') || '-' || lpad(g::text, 8, '0'),
               CASE WHEN g <= {HEAVY_CUSTOMERS * HEAVY_ORDERS} THEN 1 + (g % {HEAVY_CUSTOMERS})
                    ELSE {HEAVY_CUSTOMERS + 1} + ((g::bigint * 48271) % {CUSTOMERS - HEAVY_CUSTOMERS})::int
               END,
               CASE g % 10 WHEN 8 THEN 'returned' WHEN 9 THEN 'cancelled' ELSE 'delivered' END,
               150000 + (g % 50) * 10000, p.at,
               'Số ' || (g % 300) || ' Lê Lợi, Quận 1, TP. Hồ Chí Minh', 'GHN', 'GHN' || g,
               (p.at + interval '3 days')::date,
               '[{{"name": "Son kem lì", "quantity": 1, "price_vnd": 150000}}]'::json, p.at
        FROM generate_series(1, {ORDERS}) g,
             LATERAL (SELECT timestamptz '2023-12-01 00:00+00'
                             + ((g::bigint * 7919) % (3 * 365 * 86400)) * interval '1 second' AS at) p
        """,
    ),
    (
        "order_status_events",
        """
        INSERT INTO order_status_events (order_id, status, occurred_at, note)
        SELECT o.id,
               CASE WHEN o.id % 10 = 9 AND j = n.n THEN 'cancelled'
                    ELSE (ARRAY['pending', 'confirmed', 'packing', 'shipped', 'delivering', 'delivered',
                                'returned'])[j] END,
               o.placed_at + (j - 1) * interval '9 hours', NULL
        FROM orders o,
             LATERAL (SELECT CASE o.id % 10 WHEN 8 THEN 7 WHEN 9 THEN 2 + o.id % 4 ELSE 6 END AS n) n,
             LATERAL generate_series(1, n.n) j
        """,
    ),
)


async def seed(server: Server, log: object = print) -> None:
    """Fill the (migrated, empty) benchmark database; idempotent only as a whole: it truncates first."""
    say = log if callable(log) else print
    connection = await asyncpg.connect(server.dsn(), command_timeout=None)
    try:
        await connection.execute("SET synchronous_commit = off; SET maintenance_work_mem = '1GB'")
        await connection.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        tables = list(TABLES)
        constraints = await connection.fetch(
            """
            SELECT c.conrelid::regclass::text AS tab, c.conname, pg_get_constraintdef(c.oid) AS def, c.contype
            FROM pg_constraint c
            WHERE c.conrelid = ANY($1::regclass[]) AND c.contype IN ('u', 'f')
            ORDER BY c.contype DESC
            """,
            tables,
        )
        indexes = await connection.fetch(
            """
            SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
            FROM pg_index i
            WHERE i.indrelid = ANY($1::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            tables,
        )
        for row in constraints:
            await connection.execute(f'ALTER TABLE {row["tab"]} DROP CONSTRAINT "{row["conname"]}"')
        for row in indexes:
            await connection.execute(f"DROP INDEX {row['name']}")
        for table, statement in _STEPS:
            started = time.perf_counter()
            status = await connection.execute(statement)
            say(f"  seeded {table}: {status} in {time.perf_counter() - started:.0f} s")
        for table in ("customers", "channel_accounts", "orders", "order_status_events"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        started = time.perf_counter()
        for row in indexes:
            await connection.execute(row["def"])
        for row in reversed(constraints):  # unique ones first: foreign keys may need them
            table, name, definition = row["tab"], row["conname"], row["def"]
            await connection.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        say(f"  indexes and constraints rebuilt in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        for table in TABLES:
            await connection.execute(f"VACUUM (ANALYZE) {table}")
        say(f"  vacuumed and analysed in {time.perf_counter() - started:.0f} s")
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS benchmark_seed (version int PRIMARY KEY, seeded_at timestamptz)"
        )
        await connection.execute(
            "INSERT INTO benchmark_seed VALUES ($1, now()) ON CONFLICT DO NOTHING", SEED_VERSION
        )
    finally:
        await connection.close()


async def table_counts(server: Server) -> dict[str, int]:
    connection = await asyncpg.connect(server.dsn())
    try:
        return {
            table: int(await connection.fetchval(f"SELECT count(*) FROM {table}"))  # exact, once per run
            for table in TABLES
        }
    finally:
        await connection.close()


if __name__ == "__main__":  # seeding alone: python -m tests.benchmarks.order_scale_data DATADIR
    import sys

    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.storage.schema import upgrade

    async def _main(datadir: Path, revision: str) -> None:
        server = Server(datadir)
        server.start()
        if await ensure_database(server):
            print("already seeded")
            return
        engine = create_async_engine(server.url())
        await upgrade(engine, revision)
        await engine.dispose()
        await seed(server)

    asyncio.run(_main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "head"))
