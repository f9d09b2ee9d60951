"""A customer's copy of their data as the two files they receive: JSON for a program, HTML to read.

Both are built from the same `DataCopy` (the sections of `access_scope.SECTIONS`, in that order), so
they always say the same thing. The JSON keeps every value as stored (times in ISO 8601, UTC). The
HTML is in the customer's language, every word from the locale files (`privacy.access.*`: titles,
section names, a label for each column), every value escaped with `html.escape`, times in the shop's
time zone; it is one self-contained page (no script, no external resource) that any browser opens.
Both say what is withheld and why (internal staff notes above all).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.i18n import Catalog
from bot.services.privacy_requests.access_scope import EXCLUDED, SECTIONS

FORMAT = "rosee-support/data-copy/1"
#: What the copy leaves out on purpose, in the order both files say it (`privacy.access.withheld.<key>`).
WITHHELD = ("internal_notes", "staff", "secrets", "others")

_STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif;"
    "max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}"
    "h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.6rem 0;width:100%}"
    "th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#f6f6f6;width:30%;font-weight:600}pre{white-space:pre-wrap;margin:0;font-size:.9em}"
    ".none{color:#777;font-style:italic}.note{background:#fff8e1;padding:.6rem 1rem;border-radius:4px}"
)


@dataclass(frozen=True)
class DataCopy:
    """What was read for one request: its reference, language, when, and each section's rows."""

    reference: str
    language: str
    generated_at: datetime
    sections: dict[str, list[dict[str, Any]]]

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.sections.items()}


def to_json(copy: DataCopy) -> bytes:
    """The machine-readable file: UTF-8 JSON, keys in a stable order."""
    document = {
        "format": FORMAT,
        "request": copy.reference,
        "generated_at": copy.generated_at.isoformat(),
        "language": copy.language,
        "controller": "RoseeGlory (Roseeorder.com)",
        "counts": copy.counts,
        "sections": copy.sections,
        "withheld": list(WITHHELD),
        "not_included": dict(EXCLUDED),
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")


#: Columns whose values are codes the catalogue names, by (section, column): the readable copy shows
#: the words with the code beside them.
VALUE_LABELS: dict[tuple[str, str], str] = {
    ("orders", "status"): "core.order_status",
    ("order_history", "status"): "core.order_status",
    ("orders", "payment_status"): "core.payment_status",
    ("tickets", "status"): "complaints.status_value",
    ("privacy_requests", "status"): "privacy.status",
    ("privacy_requests", "kind"): "privacy.kind",
    ("privacy_request_events", "from_status"): "privacy.status",
    ("privacy_request_events", "to_status"): "privacy.status",
}


class HtmlCopy:
    """The readable file, in the copy's language (built once in the handler)."""

    def __init__(self, texts: Catalog, settings: Settings) -> None:
        self._texts = texts
        self._settings = settings

    def render(self, copy: DataCopy) -> bytes:
        lang = copy.language
        moment = self._moment(copy.generated_at)
        parts = [
            "<!DOCTYPE html>", f'<html lang="{html.escape(lang)}">', "<head>", '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{self._copy_text(lang, 'title')} · {html.escape(copy.reference)}</title>",
            f"<style>{_STYLE}</style>", "</head>", "<body>",
            f"<h1>{self._copy_text(lang, 'title')}</h1>",
            f"<p>{self._copy_text(lang, 'intro', reference=copy.reference, moment=moment)}</p>",
            '<div class="note">', f"<p>{self._copy_text(lang, 'withheld_intro')}</p>", "<ul>",
            *(f"<li>{self._copy_text(lang, f'withheld.{key}')}</li>" for key in WITHHELD),
            "</ul>", "</div>",
            f"<p>{self._copy_text(lang, 'contents')}</p>", "<ul>",
            *(f"<li>{self._copy_text(lang, f'section.{name}')}: {count}</li>"
              for name, count in copy.counts.items()),
            "</ul>",
        ]
        for section in SECTIONS:
            rows = copy.sections.get(section.name, [])
            title = self._copy_text(lang, f"section.{section.name}")
            parts.append(f'<h2 id="{section.name}">{title} ({len(rows)})</h2>')
            if not rows:
                parts.append(f'<p class="none">{self._copy_text(lang, "empty")}</p>')
            for row in rows:
                parts.append("<table>")
                for column, value in row.items():
                    label = self._copy_text(lang, f"field.{column}")
                    cell = self._named(lang, section.name, column, value) or self._cell(lang, value)
                    parts.append(f"<tr><th>{label}</th><td>{cell}</td></tr>")
                parts.append("</table>")
        parts += [f"<p>{self._copy_text(lang, 'footer')}</p>", "</body>", "</html>", ""]
        return "\n".join(parts).encode("utf-8")

    def _copy_text(self, language: str, key: str, /, **params: object) -> str:
        return str(self._texts.text(language, f"privacy.access.{key}", **params))

    def _named(self, language: str, section: str, column: str, value: Any) -> str | None:
        """A coded value in the customer's words ("đang xử lý", not "in_progress"), the code beside it;
        None when the column holds no code the catalogue names (the JSON keeps every code as it is)."""
        prefix = VALUE_LABELS.get((section, column))
        coded_key = f"{prefix}.{value}"
        if prefix is None or not isinstance(value, str) or not self._texts.has(coded_key):
            return None
        words = str(self._texts.text(language, coded_key))  # catalogue markup: escaped already
        return f'{words} <span class="none">({html.escape(value)})</span>'

    def _cell(self, language: str, value: Any) -> str:
        if value is None or value == "" or value == [] or value == {}:
            return '<span class="none">—</span>'
        if isinstance(value, bool):
            return self._copy_text(language, "yes" if value else "no")
        if isinstance(value, dict | list):
            return f"<pre>{html.escape(json.dumps(value, ensure_ascii=False, indent=1, default=str))}</pre>"
        if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
            try:
                return html.escape(self._moment(datetime.fromisoformat(value)))
            except ValueError:
                pass
        return html.escape(str(value)).replace("\n", "<br>")

    def _moment(self, value: datetime) -> str:
        return value.astimezone(self._settings.zone).strftime("%d/%m/%Y %H:%M")
