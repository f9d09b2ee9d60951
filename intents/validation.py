"""Checks that the intent data is complete and unambiguous (run by ``rosee-support kb check``).

Rules: every contract intent has a file, no unknown intent exists, each has examples and a reply
in both languages (a derived intent has a reply and no examples: the understanding layer assigns
it), no example (after normalisation) sits under two intents or twice in one, and the replies
speak as the shop does ("chúng tôi", "Quý khách"; never "tôi" alone, see ``voice_problems``; in
English "we", never "I", see ``english_voice_problems``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from intents.catalogue import INTENT_NAMES, LANGUAGES, IntentDefinition
from intents.text import comparison_key

#: "tôi" not preceded by "chúng": the bot speaks as RoseeGlory, "chúng tôi", never as "tôi".
_FIRST_PERSON = re.compile(r"(?<!chúng )(?<![\w])tôi(?![\w])", re.IGNORECASE)
#: The policy's own forms that must stay inside its quotes: its "bạn" and its typo "Roseeoder".
_POLICY_ONLY = re.compile(r"(?<![\w])bạn(?![\w])|roseeoder", re.IGNORECASE)


#: The bot speaking as "I" in English: RoseeGlory speaks as "we" ("we can help", "let us know").
_ENGLISH_FIRST_PERSON = re.compile(
    r"(?<![\w'’<])(?:I|I'm|I’m|I've|I’ve|I'll|I’ll|I'd|I’d|[Mm]yself)(?![\w'’>])"
    r"|\b(?:[Tt]o|[Ll]et|[Tt]ell|[Cc]ontact|[Mm]essage|[Aa]sk)\s+me\b")


#: A sentence that starts in lower case ("… phone number? we can send …"), as a rewrite from "I" leaves it.
_LOWER_CASE_SENTENCE = re.compile(r"[.?!]\s+[a-z]")
_TAG = re.compile(r"<[^>]+>")


def english_voice_problems(text: str) -> list[str]:
    """What in a text of the bot's own English words breaks the shop's voice ("we", never "I")."""
    problems = []
    if _ENGLISH_FIRST_PERSON.search(text):
        problems.append("speaks as 'I' (write 'we' or 'RoseeGlory')")
    if _LOWER_CASE_SENTENCE.search(_TAG.sub("", text)):
        problems.append("a sentence starts in lower case")
    return problems


def voice_problems(text: str) -> list[str]:
    """What in a text of the bot's own (Vietnamese) words breaks the shop's voice."""
    problems = []
    if _FIRST_PERSON.search(text):
        problems.append("speaks as 'tôi' (write 'chúng tôi' or 'RoseeGlory')")
    if _POLICY_ONLY.search(text):
        problems.append("uses the policy's 'bạn' or its typo 'Roseeoder' outside a quote")
    return problems


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
        if bool(definition.requires_any) != bool(definition.otherwise):
            problems.append(f"intent {name!r}: requires_any and otherwise go together")
        elif definition.otherwise and definition.otherwise not in INTENT_NAMES:
            problems.append(f"intent {name!r}: otherwise names unknown intent {definition.otherwise!r}")
        for problem in voice_problems(definition.replies.get("vi", "")):
            problems.append(f"intent {name!r}: the vi reply {problem}")
        for problem in english_voice_problems(definition.replies.get("en", "")):
            problems.append(f"intent {name!r}: the en reply {problem}")
        for lang in LANGUAGES:
            if definition.derived and definition.examples.get(lang):
                problems.append(f"intent {name!r} is derived but has {lang} examples")
            elif not definition.derived and not definition.examples.get(lang):
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
