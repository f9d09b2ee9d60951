"""The copy of a customer's data: every table that links to a customer is a source or excluded with a
reason (read from the SQLAlchemy metadata, so a new table cannot be forgotten), and the two files
built from the same sections: JSON that parses, HTML in the customer's language with every value
escaped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Table

from bot.config import load_settings
from bot.i18n import Catalog
from bot.services.privacy_requests.access_render import WITHHELD, DataCopy, HtmlCopy, to_json
from bot.services.privacy_requests.access_scope import (
    ANOTHER_ACCOUNT,
    COLUMNS,
    EXCLUDED,
    SECTIONS,
    STAFF,
    Subject,
)
from bot.storage.models import Base

#: Tables a customer's rows are found through: a foreign key to one of them links a table too.
ROOTS = ("customers",)


def linked_tables() -> dict[str, str]:
    """Every table that links to a customer, with how: a customer_id column, or a foreign key (at any
    depth) to a table that does (orders, tickets, privacy requests, chat accounts, the outbox ...)."""
    tables: dict[str, Table] = dict(Base.metadata.tables)
    linked: dict[str, str] = {}
    for name, table in tables.items():
        if name in ROOTS:
            linked[name] = "is the customer"
        elif "customer_id" in table.columns:
            linked[name] = "has customer_id"
    changed = True
    while changed:
        changed = False
        for name, table in tables.items():
            if name in linked:
                continue
            for fk in table.foreign_keys:
                if fk.column.table.name in linked:
                    linked[name] = f"refers to {fk.column.table.name}"
                    changed = True
                    break
    return linked


def test_every_table_linked_to_a_customer_is_copied_or_excluded_with_a_reason() -> None:
    sources = {section.table for section in SECTIONS}
    missing = {name: how for name, how in linked_tables().items()
               if name not in sources and name not in EXCLUDED}
    assert not missing, (
        f"tables linked to a customer that the copy neither reads nor excludes: {missing}; add a Section "
        "to bot/services/privacy_requests/access_scope.py, or an EXCLUDED entry with the reason")


def test_the_scope_lists_only_real_tables_each_once_with_reasons() -> None:
    tables = set(Base.metadata.tables)
    sources = [section.table for section in SECTIONS]
    assert len(sources) == len(set(sources))
    assert set(sources) <= tables and set(EXCLUDED) <= tables
    assert not set(sources) & set(EXCLUDED)
    assert all(len(reason) > 20 for reason in EXCLUDED.values())
    for section in SECTIONS:
        columns = set(Base.metadata.tables[section.table].columns.keys())
        assert set(section.withheld) <= columns, section.name  # a withheld column that does not exist


def test_the_known_links_are_found() -> None:
    """The coverage test itself finds the links it is about (so it cannot pass by finding none)."""
    linked = linked_tables()
    for table in ("orders", "order_status_events", "tickets", "ticket_messages", "privacy_requests",
                  "privacy_request_events", "consent_events", "audit_log", "outbox", "outbox_files"):
        assert table in linked, table


def test_secrets_and_staff_fields_are_never_columns_of_the_copy() -> None:
    by_name = {section.name: section for section in SECTIONS}
    assert "digest" not in by_name["verification_codes"].columns
    for name in ("tickets", "privacy_requests"):
        assert not {"assignee_id", "assignee_name", "staff_chat_id"} & set(by_name[name].columns)


def test_actors_are_shown_without_anyone_else_s_ids() -> None:
    subject = Subject(7, (("telegram", "1001"),))
    assert subject.who("telegram:1001") == "telegram:1001"
    assert subject.who("staff:777") == STAFF
    assert subject.who("staff:bot") == "RoseeGlory"
    assert subject.who("system:retention") == "system:retention"
    assert subject.who("telegram:999") == ANOTHER_ACCOUNT


def test_internal_notes_are_dropped_and_staff_authors_anonymised() -> None:
    (messages,) = [s for s in SECTIONS if s.name == "ticket_messages"]
    subject = Subject(7, ())
    assert messages.shape(subject, {"internal": True, "text": "khách khó tính", "author": "staff"}) is None
    assert messages.shape(subject, {"internal": False, "awaiting_choice": True, "text": "x"}) is None
    shown = messages.shape(subject, {"internal": False, "awaiting_choice": False, "author": "staff",
                                     "author_id": "777", "author_name": "Hà", "text": "Dạ"})
    assert shown == {"internal": False, "awaiting_choice": False, "author": "staff", "author_id": None,
                     "author_name": STAFF, "text": "Dạ"}


def _copy(language: str = "vi") -> DataCopy:
    sections: dict[str, list[dict[str, object]]] = {s.name: [] for s in SECTIONS}
    sections["profile"] = [{"id": 1, "full_name": "<b>Lan</b> & <script>alert(1)</script>",
                            "phone": "+84912345678", "email": None,
                            "created_at": "2026-11-23T02:00:00+00:00"}]
    sections["orders"] = [{"id": 3, "code": "RG-2026-000001", "items": [{"name": "Son <i>môi</i>"}],
                           "total_vnd": 250000}]
    return DataCopy("YC-2026-000001", language, datetime(2026, 11, 23, 2, 0, tzinfo=UTC), sections)


def test_the_json_file_parses_and_keeps_every_value() -> None:
    document = json.loads(to_json(_copy()))
    assert document["request"] == "YC-2026-000001"
    assert document["sections"]["profile"][0]["full_name"] == "<b>Lan</b> & <script>alert(1)</script>"
    assert document["sections"]["orders"][0]["items"] == [{"name": "Son <i>môi</i>"}]
    assert document["counts"]["profile"] == 1 and document["counts"]["tickets"] == 0
    assert list(document["sections"]) == [s.name for s in SECTIONS]
    assert "internal_notes" in document["withheld"] and document["not_included"] == dict(EXCLUDED)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_html_file_is_in_the_language_with_every_value_escaped(language: str) -> None:
    texts = Catalog.load()
    page = HtmlCopy(texts, load_settings(None)).render(_copy(language)).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in page
    assert "<script>" not in page and "<b>Lan</b>" not in page and "<i>môi</i>" not in page
    assert "&lt;b&gt;Lan&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Son &lt;i&gt;môi&lt;/i&gt;" in page
    assert str(texts.text(language, "privacy.access.title")) in page
    assert str(texts.text(language, "privacy.access.withheld.internal_notes")) in page
    for section in SECTIONS:
        assert str(texts.text(language, f"privacy.access.section.{section.name}")) in page
    assert str(texts.text(language, "privacy.access.field.full_name")) in page
    assert "23/11/2026 09:00" in page  # times in the shop's time zone
    assert len(WITHHELD) == page.count("<li>") - len(SECTIONS)


def test_every_column_of_the_copy_has_a_label_in_both_languages() -> None:
    texts = Catalog.load()
    for language in ("vi", "en"):
        keys = texts.keys(language)
        assert not [c for c in COLUMNS if f"privacy.access.field.{c}" not in keys], language


@pytest.mark.parametrize(("language", "words"), [("vi", "đang xử lý"), ("en", None)])
def test_coded_values_are_shown_in_words_with_the_code_beside_them(language: str, words: str | None) -> None:
    texts = Catalog.load()
    copy = _copy(language)
    copy.sections["privacy_requests"] = [{"id": 1, "reference": "YC-2026-000001", "kind": "access",
                                          "status": "in_progress"}]
    copy.sections["orders"][0]["status"] = "made_up_status"  # a code the catalogue does not name
    page = HtmlCopy(texts, load_settings(None)).render(copy).decode("utf-8")
    shown = str(texts.text(language, "privacy.status.in_progress"))
    assert words is None or shown == words
    assert f'{shown} <span class="none">(in_progress)</span>' in page
    assert f'{texts.text(language, "privacy.kind.access")} <span class="none">(access)</span>' in page
    assert "<td>made_up_status</td>" in page  # shown as it is, not dropped
    assert json.loads(to_json(copy))["sections"]["privacy_requests"][0]["status"] == "in_progress"
