"""The audit chain's canonical form and hash, as documented in bot/domain/audit_chain.py, and the walk
that finds the first row altered or removed (pure: no database)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.domain.audit_chain import (
    ERASED_VALUES,
    GENESIS_HASH,
    BrokenSeal,
    ChainRow,
    ChainWalk,
    body_hash,
    canonical,
    field_digest,
    new_salts,
    row_hash,
    sealed_digests,
    utc_iso,
)

AT = datetime(2026, 12, 2, 13, 45, 7, 120, tzinfo=UTC)
SALTS = {"actor": "00" * 16, "customer_id": "11" * 16, "details": "22" * 16}


def test_canonical_is_sorted_compact_ascii_json() -> None:
    assert canonical({"b": 1, "a": [True, None, "Lê"], "c": {"z": 1.5, "y": "x"}}) == (
        b'{"a":[true,null,"L\\u00ea"],"b":1,"c":{"y":"x","z":1.5}}'
    )
    with pytest.raises(ValueError):
        canonical({"n": float("nan")})


def test_timestamps_are_utc_with_six_digits_of_microseconds() -> None:
    assert utc_iso(AT) == "2026-12-02T13:45:07.000120Z"
    hanoi = timezone(timedelta(hours=7))
    assert utc_iso(datetime(2026, 12, 2, 20, 45, 7, tzinfo=hanoi)) == "2026-12-02T13:45:07.000000Z"
    with pytest.raises(ValueError):
        utc_iso(datetime(2026, 12, 2, 13, 45))


def test_a_field_digest_is_sha256_of_salt_name_nul_and_canonical_value() -> None:
    expected = hashlib.sha256(bytes.fromhex("22" * 16) + b"details\x00" + b'{"email":"lan@example.com"}')
    assert field_digest("details", "22" * 16, {"email": "lan@example.com"}) == expected.hexdigest()
    assert field_digest("details", "33" * 16, {"email": "lan@example.com"}) != expected.hexdigest()  # salted


def test_the_row_hash_is_the_documented_form() -> None:
    values = {"actor": "staff:777", "customer_id": 42, "details": {"field": "email"}}
    digests = sealed_digests(values, SALTS, {})
    body = body_hash(created_at=AT, action="corrections.applied", purpose="correct the customer's data",
                     digests=digests)
    payload = {"v": 1, "created_at": "2026-12-02T13:45:07.000120Z",
               "action": "corrections.applied", "purpose": "correct the customer's data",
               "actor": field_digest("actor", SALTS["actor"], "staff:777"),
               "customer_id": field_digest("customer_id", SALTS["customer_id"], 42),
               "details": field_digest("details", SALTS["details"], {"field": "email"})}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert body == hashlib.sha256(text.encode("ascii")).hexdigest()
    got = row_hash(seq=7, prev_hash="ab" * 32, body=body)
    link = json.dumps({"v": 1, "seq": 7, "prev_hash": "ab" * 32, "body": body}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True)
    assert got == hashlib.sha256(link.encode("ascii")).hexdigest()
    # Pinned: a change of the canonical form would orphan every chain already written.
    assert got == "8ff1dd0ef6976589779a8d8079002f72da51e52941349d6d86cc8b5fe87867bb"


def test_every_covered_field_changes_the_hash() -> None:
    base = _row(1, GENESIS_HASH)
    original = base.expected_hash(GENESIS_HASH, 1)
    changes: list[dict[str, Any]] = [
        {"actor": "staff:778"}, {"customer_id": 43}, {"details": {"field": "phone"}},
        {"action": "orders.listed"}, {"purpose": "other"}, {"created_at": AT + timedelta(microseconds=1)},
    ]
    for change in changes:
        assert replace(base, **change).expected_hash(GENESIS_HASH, 1) != original, change
    assert base.expected_hash(GENESIS_HASH, 2) != original
    assert base.expected_hash("ff" * 32, 1) != original


def test_salts_are_fresh_hex_for_each_sealed_field() -> None:
    one, two = new_salts(), new_salts()
    assert set(one) == {"actor", "customer_id", "details"} and all(len(s) == 32 for s in one.values())
    assert one != two and len(set(one.values())) == 3
    bytes.fromhex("".join(one.values()))


def test_an_erased_field_is_covered_by_its_kept_digest() -> None:
    values = {"actor": "telegram:4001", "customer_id": 42, "details": {"email": "lan@example.com"}}
    before = sealed_digests(values, SALTS, {})
    erased = {"details": before["details"], "actor": before["actor"]}
    after_values = {**values, "details": ERASED_VALUES["details"], "actor": ERASED_VALUES["actor"]}
    assert sealed_digests(after_values, {"customer_id": SALTS["customer_id"]}, erased) == before
    with pytest.raises(BrokenSeal):  # an erased field must hold its placeholder
        sealed_digests({**after_values, "details": {"email": "x@example.com"}},
                       {"customer_id": SALTS["customer_id"]}, erased)
    with pytest.raises(BrokenSeal):  # neither salt nor digest
        sealed_digests(values, {"actor": SALTS["actor"]}, {})


def _row(seq: int, prev: str, **fields: object) -> ChainRow:
    row = ChainRow(id=100 + seq, seq=seq, prev_hash=prev, body_hash=None, row_hash=None, actor="staff:777",
                   action="orders.viewed", customer_id=42, purpose="answer the customer",
                   details={"n": seq}, created_at=AT, salts=SALTS, erased={})
    row = replace(row, **fields)  # type: ignore[arg-type]
    return replace(row, body_hash=row.expected_body(), row_hash=row.expected_hash(prev, seq))


def _chain(n: int) -> list[ChainRow]:
    rows, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        rows.append(_row(seq, prev))
        prev = str(rows[-1].row_hash)
    return rows


def _walk(rows: list[ChainRow], head: tuple[int, str] | None = None) -> ChainWalk:
    walk = ChainWalk()
    for row in rows:
        if walk.feed(row):
            break
    last = rows[-1] if rows else None
    walk.finish(*(head or ((last.seq or 0, str(last.row_hash)) if last else (0, GENESIS_HASH))))
    return walk


def _where(walk: ChainWalk) -> tuple[str, int, int | None] | None:
    broken = walk.broken
    return None if broken is None else (broken.kind, broken.seq, broken.id)


def test_an_intact_chain_walks_to_its_head() -> None:
    rows = _chain(5)
    walk = _walk(rows)
    assert walk.broken is None and walk.count == 5 and walk.last_hash == rows[-1].row_hash


def test_an_edited_row_is_the_one_reported() -> None:
    rows = _chain(5)
    rows[2] = replace(rows[2], purpose="edited")
    walk = _walk(rows)
    assert _where(walk) == ("altered", 3, 103)
    assert walk.count == 2


def test_an_edited_and_rehashed_row_is_found_by_the_next_link() -> None:
    rows = _chain(5)
    edited = replace(rows[2], purpose="edited")
    rows[2] = replace(edited, body_hash=edited.expected_body(),
                      row_hash=edited.expected_hash(str(edited.prev_hash), 3))
    walk = _walk(rows)
    assert _where(walk) == ("altered", 3, 103)


def test_a_removed_row_and_a_cut_tail_are_reported() -> None:
    rows = _chain(5)
    walk = _walk(rows[:2] + rows[3:])
    assert walk.broken is not None and (walk.broken.kind, walk.broken.seq) == ("removed", 3)
    assert "seq 3 missing" in walk.broken.describe()
    cut = _walk(rows[:3], head=(5, str(rows[-1].row_hash)))
    assert cut.broken is not None and (cut.broken.kind, cut.broken.seq) == ("removed", 4)
    assert "seq 4 to 5 missing at the end" in cut.broken.describe()
    last_edited = _walk(rows, head=(5, "ee" * 32))
    assert _where(last_edited) == ("altered", 5, 105)


def test_a_broken_seal_is_an_alteration() -> None:
    rows = _chain(3)
    rows[1] = replace(rows[1], salts={"actor": SALTS["actor"]})
    walk = _walk(rows)
    assert walk.broken is not None and (walk.broken.kind, walk.broken.seq) == ("altered", 2)
    assert "seal" in walk.broken.reason


@pytest.mark.parametrize("value", ["staff:777", "Lê Thị \u0000 \"q\" \\ \U0001f600", 42, -7, 0, None, True,
                                   {"b": [1, 2.5, "ạ"], "a": {"y": None, "x": False}}, [], {}])
def test_canonical_is_exactly_json_dumps_with_the_documented_options(value: object) -> None:
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    assert canonical(value) == expected.encode("ascii")


@pytest.mark.parametrize("action, purpose", [("a\"b", "c\\d"), ("Dạ ạ", "\U0001f600 \u0000"), ("", "")])
def test_the_written_out_payload_is_the_canonical_json_of_the_payload(action: str, purpose: str) -> None:
    digests = {"actor": "1" * 64, "customer_id": "2" * 64, "details": "3" * 64}
    hanoi = datetime(2026, 12, 2, 20, 0, 0, 5, tzinfo=timezone(timedelta(hours=7)))
    payload = {"v": 1, "created_at": "2026-12-02T13:00:00.000005Z", "action": action, "purpose": purpose,
               **digests}
    body = body_hash(created_at=hanoi, action=action, purpose=purpose, digests=digests)
    assert body == hashlib.sha256(canonical(payload)).hexdigest()
    link = {"v": 1, "seq": 12345678901, "prev_hash": "ab" * 32, "body": body}
    expected = hashlib.sha256(canonical(link)).hexdigest()
    assert row_hash(seq=12345678901, prev_hash="ab" * 32, body=body) == expected
