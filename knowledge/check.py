"""Validation of the knowledge-base data (``rosee-support kb check``).

A staff member editing a paraphrase file gets told, before deploying, when a question points at a
passage that does not exist, when the same question sits under two passages, or when a passage
lacks its English translation (or a translation has no passage behind it).
"""

from __future__ import annotations

from pathlib import Path

from intents.text import comparison_key
from knowledge.base import DATA_DIR, LANGUAGES, KnowledgeBase, source_files

EXPECTED_SECTIONS = tuple(range(0, 8))


def check_knowledge(data_dir: Path = DATA_DIR) -> list[str]:
    """Human-readable problems; an empty list means the knowledge base is valid."""
    missing = [path.name for path in source_files(data_dir) if not path.exists()]
    if missing:
        return [f"missing data file: {name}" for name in missing]
    try:
        kb = KnowledgeBase.build(data_dir)
    except (ValueError, KeyError, TypeError) as error:  # tomllib.TOMLDecodeError is a ValueError
        return [f"cannot build the knowledge base: {error}"]
    problems: list[str] = []
    numbers = tuple(s.number for s in kb.sections)
    if numbers != EXPECTED_SECTIONS:
        problems.append(f"policy sections are {numbers}, expected {EXPECTED_SECTIONS}")
    for number in numbers:
        for lang in LANGUAGES:
            untranslated = lang == "en" and kb.title(number, "en") == kb.title(number, "vi")
            if not kb.title(number, lang) or untranslated:
                problems.append(f"section {number} has no {lang} title")
    passage_ids = set(kb.passages)
    english = kb.english_passages()
    for pid in sorted(passage_ids - set(english)):
        problems.append(f"passage {pid} has no English text")
    for pid in sorted(set(english) - passage_ids):
        problems.append(f"English text {pid} has no Vietnamese passage")
    for pid in sorted(pid for pid, text in english.items() if not text.strip()):
        problems.append(f"English text {pid} is empty")
    owners: dict[str, str] = {}
    for lang in LANGUAGES:
        by_passage = kb.paraphrases.get(lang, {})
        for pid, questions in by_passage.items():
            if pid not in passage_ids:
                problems.append(f"{lang} paraphrases point at unknown passage {pid}")
            for question in questions:
                key = comparison_key(question)
                if not key:
                    problems.append(f"{lang} paraphrase {question!r} of {pid} is empty")
                    continue
                owner = owners.setdefault(key, pid)
                if owner != pid:
                    problems.append(f"paraphrase {question!r} is under both {owner} and {pid}")
        for pid in sorted(passage_ids - set(by_passage)):
            problems.append(f"passage {pid} has no {lang} paraphrase")
    return problems
