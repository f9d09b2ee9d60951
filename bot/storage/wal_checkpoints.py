"""SQLite's WAL checkpoints, taken out of the bot's commits.

In WAL mode SQLite copies the log back into the database file (a checkpoint) whenever a COMMIT
takes the log past `wal_autocheckpoint` pages (1,000 by default), inside that COMMIT, and a
checkpoint ends with an fsync even with synchronous=NORMAL. Measured on this kind of machine: a
commit costs about 30 µs, the checkpointing one about 30 ms, once every few hundred messages; the
checkpoints were half of all the time spent committing. aiosqlite runs that commit in its
connection's thread, so the event loop goes on, but the turn that commits still waits for the copy
and the fsync while holding the write lock, and on SQLite turns run one at a time: every customer
waiting at that moment waited for it too.

So the engine's connections checkpoint by themselves only past `SAFETY_NET_PAGES` (a bound on the
log for processes that run no checkpointer, such as an import from the command line; closing the
last connection checkpoints too), and the running bot checkpoints every second from a connection of
its own in a worker thread (`WalCheckpointer`, a scheduled job, see bot.scheduling). A PASSIVE
checkpoint never waits for and never blocks the writer or the readers: it copies what no reader
still needs, and the next writer starts the log over once all of it is copied.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: Pages a commit may leave in the log before that commit checkpoints by itself (about 16 MB).
SAFETY_NET_PAGES = 4000
CHECKPOINT_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class CheckpointResult:
    """What `PRAGMA wal_checkpoint(PASSIVE)` reports: frames in the log, and how many are copied."""

    busy: bool
    log_frames: int
    checkpointed_frames: int


class WalCheckpointer:
    """Runs PASSIVE checkpoints of one database file in a worker thread, one at a time."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one checkpoint at a time, and none while closing

    async def checkpoint(self) -> CheckpointResult:
        return await asyncio.to_thread(self._checkpoint)

    async def close(self) -> None:
        await asyncio.to_thread(self._close)

    def _checkpoint(self) -> CheckpointResult:
        with self._lock:
            if self._connection is None:
                # Its own connection, used only by this object, in whichever worker thread runs it.
                self._connection = sqlite3.connect(self._database, timeout=0, check_same_thread=False,
                                                   isolation_level=None)
            busy, log_frames, checkpointed = self._connection.execute(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).fetchone()
        return CheckpointResult(bool(busy), log_frames, checkpointed)

    def _close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


async def run_checkpoint(checkpointer: WalCheckpointer) -> None:
    """The scheduled job: one checkpoint; a failure is logged and the next run tries again."""
    try:
        result = await checkpointer.checkpoint()
    except sqlite3.Error:
        log.exception("WAL checkpoint failed; will try again at the next interval")
        return
    if result.busy:
        log.debug("WAL checkpoint busy: %s of %s frames copied", result.checkpointed_frames,
                  result.log_frames)
