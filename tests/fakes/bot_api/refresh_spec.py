"""Refresh the vendored Bot API specification the fake server checks calls against.

    python -m tests.fakes.bot_api.refresh_spec              # the newest api.json of the source repository
    python -m tests.fakes.bot_api.refresh_spec FILE_OR_URL  # a given copy (a file or an https URL)

The specification is a file of the repository (`telegram-bot-api/api.json`), not something the suite
looks for beside the clone: a fresh clone on a fresh machine must pass. This command is the one way it
changes. It loads the new file, checks that it is a specification the validator can use (a version,
methods and types, `sendMessage` among them), writes it, and rewrites `SOURCE.md` beside it with the
source, the Bot API version and the file's SHA-256, so the note and the file cannot drift apart
(`tests/unit/test_bot_api_spec_validation.py` holds them together). Then run the test suite: a newer
Bot API may add required parameters or types that the fake server or the bot has to learn.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.fakes.bot_api.spec import SPEC_DIR, SPEC_FILE, load_spec

SOURCE_REPOSITORY = "https://github.com/PaulSonOfLars/telegram-bot-api-spec"
DEFAULT_SOURCE = "https://raw.githubusercontent.com/PaulSonOfLars/telegram-bot-api-spec/main/api.json"
SOURCE_NOTE = SPEC_DIR / "SOURCE.md"
_FETCH_TIMEOUT_SECONDS = 60


class SpecRefreshError(Exception):
    """The new file cannot replace the vendored one; the message says why."""


@dataclass(frozen=True)
class SpecSummary:
    version: str
    release_date: str
    methods: int
    types: int
    sha256: str


def summarize(content: bytes) -> SpecSummary:
    """What SOURCE.md says about a specification file; raises SpecRefreshError when it is not one."""
    try:
        raw = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecRefreshError(f"not a JSON file in UTF-8: {exc}") from None
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), dict) for k in ("methods", "types")):
        raise SpecRefreshError("not a Bot API specification: no 'methods' and 'types' objects")
    if "sendMessage" not in raw["methods"] or "Message" not in raw["types"]:
        raise SpecRefreshError("not a Bot API specification: sendMessage or Message is missing")
    return SpecSummary(
        version=str(raw.get("version") or "unknown"),
        release_date=str(raw.get("release_date") or "unknown"),
        methods=len(raw["methods"]),
        types=len(raw["types"]),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def render_source_note(summary: SpecSummary, source: str, refreshed: datetime) -> str:
    return f"""# The vendored Telegram Bot API specification

`api.json` is the machine-readable Bot API specification that the fake Bot API server
(`tests/fakes/bot_api/`) checks every call against: methods, their parameters and the types with
their fields, required flags and Telegram's own description text.

- Describes: {summary.version}, released {summary.release_date}
  ({summary.methods} methods, {summary.types} types)
- Source: {source}
- Repository: {SOURCE_REPOSITORY} (MIT License, Copyright (c) 2020 Paul Larsen);
  the descriptions are text scraped from Telegram's documentation, https://core.telegram.org/bots/api
- Copied: {refreshed:%Y-%m-%d}, byte for byte; no code of that repository was taken
- SHA-256: `{summary.sha256}`

Refresh it with `python -m tests.fakes.bot_api.refresh_spec` (or give it a file or URL), which rewrites
this note too; then run the test suite. The source repository may trail Telegram by a release: check
https://core.telegram.org/bots/api-changelog before relying on a field added after the version above.
"""


def read_source(source: str) -> bytes:
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=_FETCH_TIMEOUT_SECONDS) as response:
            return bytes(response.read())
    path = Path(source)
    if not path.is_file():
        raise SpecRefreshError(f"{source}: no such file")
    return path.read_bytes()


def refresh(source: str, *, target: Path = SPEC_FILE, note: Path = SOURCE_NOTE,
            now: datetime | None = None) -> SpecSummary:
    """Replace `target` with the specification at `source` and rewrite its note; returns what it holds."""
    content = read_source(source)
    summary = summarize(content)
    staged = target.with_suffix(".json.new")
    staged.write_bytes(content)
    try:
        load_spec.__wrapped__(staged)  # the validator must be able to use it, before it replaces the old one
    except (KeyError, TypeError, ValueError) as exc:
        staged.unlink()
        raise SpecRefreshError(f"the validator cannot read it: {exc!r}") from None
    staged.replace(target)
    note.write_text(render_source_note(summary, source, now or datetime.now(UTC)), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.bot_api.refresh_spec",
                                     description="Replace the vendored Bot API specification.")
    parser.add_argument("source", nargs="?", default=DEFAULT_SOURCE,
                        help=f"a file or an https URL of api.json (default: {DEFAULT_SOURCE})")
    args = parser.parse_args(argv)
    try:
        summary = refresh(args.source)
    except (SpecRefreshError, OSError) as exc:
        print(f"refresh_spec: {exc}", file=sys.stderr)
        return 1
    print(f"{SPEC_FILE}: {summary.version} ({summary.release_date}), {summary.methods} methods, "
          f"{summary.types} types, sha256 {summary.sha256[:16]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
