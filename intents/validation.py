"""Checks that the intent data is complete and unambiguous (run by ``rosee-support kb check``).

Rules: every contract intent has a file, no unknown intent exists, each has examples and a reply
in both languages, and no example (after normalisation) sits under two intents or twice in one.
"""

from __future__ import annotations

from collections.abc import Mapping

from intents.catalogue import INTENT_NAMES, LANGUAGES, IntentDefinition
from intents.text import comparison_key


def check_catalogue(catalogue: Mapping[str, IntentDefinition]) -> list[str]:
    """Human-readable problems; an empty list means the data is valid."""
    problems: list[str] = []
    for name in INTENT_NAMES:
        if name not in catalogue:
            problems.append(f"intent {name!r} has no data file")
    seen: dict[str, str] = {}
    for name, definition in catalogue.items():
        if name not in INTENT_NAMES:
            problems.append(f"{definition.source.name}: unknown intent {name!r}")
        for lang in LANGUAGES:
            if not definition.examples.get(lang):
                problems.append(f"intent {name!r} has no {lang} examples")
            if not definition.replies.get(lang, "").strip():
                problems.append(f"intent {name!r} has no {lang} reply")
            for example in definition.examples.get(lang, ()):
                key = comparison_key(example)
                if not key:
                    problems.append(f"intent {name!r}: example {example!r} is empty after normalisation")
                    continue
                owner = seen.get(key)
                if owner is None:
                    seen[key] = name
                elif owner == name:
                    problems.append(f"intent {name!r}: duplicate example {example!r}")
                else:
                    problems.append(f"example {example!r} is under both {owner!r} and {name!r}")
    return problems
