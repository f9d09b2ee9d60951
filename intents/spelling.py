"""Typo correction of folded tokens against the vocabulary the bot actually knows.

Folding already forgives missing or wrong diacritics; this handles the remaining keyboard slips
("unsubcribe", "khieu nai" typed "khieu nia") with rapidfuzz. Only tokens unknown to the
vocabulary are touched, short tokens are left alone (too many real Vietnamese syllables are one
edit apart), and results are memoised because chat vocabulary repeats a lot.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process

#: Tokens shorter than this are never corrected.
MIN_CORRECTABLE_LENGTH = 4


class Speller:
    """Maps an unknown token to the closest known one when they are clearly the same word."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._vocabulary = frozenset(vocabulary)
        self._choices = sorted(
            token for token in self._vocabulary if len(token) >= MIN_CORRECTABLE_LENGTH - 1
        )
        self._correct_one = lru_cache(maxsize=8192)(self._lookup)

    @property
    def vocabulary(self) -> frozenset[str]:
        return self._vocabulary

    def correct(self, tokens: Iterable[str]) -> tuple[str, ...]:
        """Return the tokens with clear typos replaced by known words."""
        return tuple(self._correct_one(token) for token in tokens)

    def _lookup(self, token: str) -> str:
        if token in self._vocabulary or len(token) < MIN_CORRECTABLE_LENGTH or token.isdigit():
            return token
        cutoff = 75.0 if len(token) <= 5 else 80.0
        match = process.extractOne(token, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return token if match is None else match[0]
