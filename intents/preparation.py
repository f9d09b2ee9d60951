"""A message made ready for scoring: normalised, typo-corrected against one vocabulary, counted.

    text ── normalise (intents.text) ── correct unknown words (intents.spelling, one vocabulary)
         ── keep the customer's accented token wherever the correction left the word alone
         ── feature counts (intents.similarity)

The classifier and the knowledge base correct typos against different vocabularies (intent
examples vs the policy text and its paraphrases), so each prepares a message itself. When the
knowledge base's corrections come out the same as the classifier's, the feature counts are the
same too (they depend only on the normalised tokens and the corrected words), so the knowledge
base reuses the classifier's counts for that one message instead of counting again. Nothing is
kept between messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from intents.similarity import FeatureCounts, features
from intents.spelling import Speller
from intents.text import NormalisedText, fold, normalise


@dataclass(frozen=True)
class PreparedText:
    """One message as a scorer sees it. ``counts`` is never mutated once made."""

    normalised: NormalisedText
    corrected: tuple[str, ...]  # the folded tokens after typo correction
    counts: FeatureCounts


def prepare(text: str, speller: Speller, reuse: PreparedText | None = None) -> PreparedText:
    """Normalise and typo-correct ``text`` and count its features.

    ``reuse`` is the same text prepared with another speller; it is returned as it is when the
    corrections (and so the counts) come out identical, which is the common case.
    """
    message = normalise(text)
    corrected = speller.correct(message.folded)
    if reuse is not None and reuse.corrected == corrected and reuse.normalised.tokens == message.tokens:
        return reuse
    tokens = tuple(
        token if fold(token) == fixed else fixed
        for token, fixed in zip(message.tokens, corrected, strict=True)
    )
    return PreparedText(message, corrected, features(tokens, corrected))
