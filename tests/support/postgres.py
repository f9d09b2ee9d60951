"""A real PostgreSQL for the test suite: one server per test session, one new empty database per test.

Where the server comes from:
- `ROSEE_TEST_POSTGRES_URL` set (an admin URL such as ``postgresql://postgres@127.0.0.1:5432/postgres``):
  that server is used; the databases created on it are dropped at the end of the session.
- otherwise the session starts its own throw-away server: `initdb` into a temporary directory, start it
  with `pg_ctl` on a free loopback port (unix sockets in the same directory, trust authentication,
  `fsync=off`), and stop it and delete the directory at the end of the session. As root, the server
  runs as the `postgres` user (PostgreSQL refuses to run as root).

PostgreSQL binaries missing is a failure, never a skip: a suite that quietly skips its PostgreSQL half
passes on a machine where the production database was never tried. `scripts/test.sh` installs them.

Usage (from a fixture)::

    url = fresh_database_url(request)   # postgresql+asyncpg://postgres@127.0.0.1:PORT/rosee_t_...
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

ENV_ADMIN_URL = "ROSEE_TEST_POSTGRES_URL"
INSTALL_HINT = (
    "install the PostgreSQL server (Debian/Ubuntu: `sudo apt-get install -y postgresql`, "
    "macOS: `brew install postgresql@16`), or set "
    f"{ENV_ADMIN_URL}=postgresql://USER:PASSWORD@HOST:PORT/postgres to use a server you run yourself. "
    "`./scripts/test.sh` installs it for you."
)
_START_TIMEOUT_SECONDS = 60.0
_SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] '",
}

T = TypeVar("T")
_Completed = subprocess.CompletedProcess[str]


class PostgresUnavailable(RuntimeError):
    """The test PostgreSQL could not be found, started or reached; the message says what to do."""


# --------------------------------------------------------------------------------------------- public


def fresh_database_url(request: pytest.FixtureRequest) -> str:
    """Create a new, empty database for this test and return its `postgresql+asyncpg://` URL."""
    try:
        return _session_server(request.config).create_database(_label(request.node.name))
    except PostgresUnavailable as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)


# --------------------------------------------------------------------------------------------- server


@dataclass
class _Server:
    """An admin connection target plus the databases this session created on it."""

    admin_url: URL  # postgresql://... (no driver), pointing at an existing maintenance database
    cleanup: Callable[[], None] | None = None  # stops a server we started ourselves
    created: list[str] = field(default_factory=list)
    _counter: int = 0

    def dsn(self, database: str | None = None) -> str:
        url = self.admin_url.set(drivername="postgresql")
        if database is not None:
            url = url.set(database=database)
        return url.render_as_string(hide_password=False)

    def create_database(self, label: str) -> str:
        self._counter += 1
        name = f"rosee_t_{os.getpid()}_{self._counter}_{secrets.token_hex(3)}_{label}"[:63]
        _run_async(_execute(self.dsn(), f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"))
        self.created.append(name)
        return self.admin_url.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )

    def close(self) -> None:
        try:
            if self.cleanup is not None:
                self.cleanup()  # the whole server goes, databases included
            elif self.created:
                _run_async(_drop_databases(self.dsn(), self.created))
        finally:
            self.created.clear()
            self.cleanup = None


_STASH_KEY = pytest.StashKey["_Server | PostgresUnavailable"]()


def _session_server(config: pytest.Config) -> _Server:
    """The session's server, found or started on first use; a failure is remembered, not retried."""
    server = config.stash.get(_STASH_KEY, None)
    if server is None:
        try:
            server = _external_server() or _start_local_server()
        except PostgresUnavailable as exc:
            server = exc
        else:
            config.add_cleanup(server.close)  # end of the session
            atexit.register(server.close)  # in case the session dies before its cleanups run
        config.stash[_STASH_KEY] = server
    if isinstance(server, PostgresUnavailable):
        raise server
    return server


def _external_server() -> _Server | None:
    raw = os.environ.get(ENV_ADMIN_URL, "").strip()
    if not raw:
        return None
    try:
        url = make_url(raw)
    except Exception as exc:
        raise PostgresUnavailable(f"{ENV_ADMIN_URL} is not a database URL ({exc})") from None
    if not url.drivername.startswith("postgresql"):
        raise PostgresUnavailable(f"{ENV_ADMIN_URL} must be a postgresql:// URL, got {url.drivername}://")
    server = _Server(admin_url=url.set(drivername="postgresql", database=url.database or "postgres"))
    try:
        _run_async(_wait_until_ready(server.dsn(), within=10.0))
    except Exception as exc:
        raise PostgresUnavailable(
            f"cannot connect to the PostgreSQL server given by {ENV_ADMIN_URL} "
            f"({url.render_as_string(hide_password=True)}): {exc}"
        ) from None
    return server


# ------------------------------------------------------------------------------ a server of our own


def find_postgres_bindir() -> Path | None:
    """The folder holding `initdb`, `pg_ctl` and `postgres`: PATH first, then the usual install places."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip()))
    patterns = [
        "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
        "/usr/pgsql-*/bin",  # RHEL, Fedora (PGDG)
        "/opt/homebrew/opt/postgresql@*/bin",
        "/usr/local/opt/postgresql@*/bin",
        "/usr/local/pgsql/bin",
    ]
    for pattern in patterns:
        candidates.extend(sorted((Path(p) for p in glob.glob(pattern)), key=_version_key, reverse=True))
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(number) for number in re.findall(r"\d+", str(path))) or (0,)


def _start_local_server() -> _Server:
    bindir = find_postgres_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in "
            f"/usr/lib/postgresql/*/bin; the PostgreSQL half of the suite needs them: {INSTALL_HINT}"
        )
    run_as = _unprivileged_user()
    # Unix socket paths are limited to ~100 bytes, so keep the folder short (macOS's TMPDIR is long).
    base = tempfile.gettempdir()
    if run_as is not None or len(base) > 60:
        base = "/tmp"  # as root: a folder the postgres user can reach (root's TMPDIR may not be)
    workdir = Path(tempfile.mkdtemp(prefix="rosee-pg-", dir=base))
    datadir, logfile = workdir / "data", workdir / "server.log"
    if run_as is not None:
        os.chown(workdir, run_as.pw_uid, run_as.pw_gid)
    workdir.chmod(0o700)

    def tool(name: str, *args: str, timeout: float = _START_TIMEOUT_SECONDS) -> _Completed:
        return _run_tool(bindir / name, args, run_as=run_as, timeout=timeout)

    def stop() -> None:
        if (datadir / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                tool("pg_ctl", "stop", "-D", str(datadir), "-m", "immediate", "-w", timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    try:
        init = tool(
            "initdb", "-D", str(datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip
        if init.returncode != 0:
            raise PostgresUnavailable(f"initdb failed (exit {init.returncode}):\n{init.stdout}{init.stderr}")
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between choosing it and binding it
            port = _free_port()
            settings = {**_SERVER_SETTINGS, "port": str(port), "unix_socket_directories": f"'{workdir}'"}
            with (datadir / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
            start = tool("pg_ctl", "start", "-D", str(datadir), "-l", str(logfile), "-w",
                         "-t", str(int(_START_TIMEOUT_SECONDS)))  # fmt: skip
            if start.returncode == 0:
                server = _Server(admin_url=make_url(f"postgresql://postgres@127.0.0.1:{port}/postgres"))
                server.cleanup = stop
                _run_async(_wait_until_ready(server.dsn(), within=_START_TIMEOUT_SECONDS))
                return server
            last_error = f"pg_ctl start failed (exit {start.returncode}):\n{start.stdout}{start.stderr}"
            if "already in use" not in _read(logfile):
                break
        raise PostgresUnavailable(f"{last_error}\n--- server log ({logfile}) ---\n{_read(logfile)}")
    except PostgresUnavailable:
        stop()
        raise
    except Exception as exc:
        log = _read(logfile)
        stop()
        raise PostgresUnavailable(
            f"the test PostgreSQL ({bindir}) did not start: {exc!r}\n--- server log ---\n{log}"
        ) from exc


def _unprivileged_user() -> pwd.struct_passwd | None:
    """The user to run the server as when we are root (PostgreSQL refuses root); None otherwise."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable(
        "running as root and there is no `postgres` user to run the test PostgreSQL as "
        "(PostgreSQL refuses to run as root): create one with `useradd --system postgres`."
    )


def _run_tool(
    program: Path, args: tuple[str, ...], *, run_as: pwd.struct_passwd | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    env.pop("PGDATA", None)
    kwargs: dict[str, Any] = {}
    if run_as is not None:  # same effect as `runuser -u postgres --`, without needing runuser or su
        kwargs = {"user": run_as.pw_uid, "group": run_as.pw_gid, "extra_groups": []}
        env["HOME"] = "/tmp"
    return subprocess.run(
        [str(program), *args], capture_output=True, text=True, timeout=timeout, env=env,
        stdin=subprocess.DEVNULL, cwd="/", **kwargs,
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-8000:]
    except OSError:
        return "(no log)"


def _label(test_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", test_name.lower()).strip("_")[:24]


# ------------------------------------------------------------------------------------------- asyncpg


def _run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code, even when called inside a running loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _execute(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn, timeout=30)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _drop_databases(dsn: str, names: list[str]) -> None:
    connection = await asyncpg.connect(dsn, timeout=30)
    try:
        for name in names:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        await connection.close()


async def _wait_until_ready(dsn: str, *, within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            connection = await asyncpg.connect(dsn, timeout=5)
        except (OSError, asyncpg.PostgresError) as exc:  # refused, starting up, timed out
            if time.monotonic() > deadline:
                raise PostgresUnavailable(
                    f"the server did not accept connections within {within:.0f}s: {exc}"
                ) from exc
            await asyncio.sleep(0.2)
            continue
        try:
            await connection.fetchval("SELECT 1")
        finally:
            await connection.close()
        return
