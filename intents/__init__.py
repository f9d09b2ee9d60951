"""Intent definitions as data, Vietnamese/English text normalisation and the intent classifier.

This package is a library: it imports nothing from ``bot`` and nothing from ``knowledge``.
"""

from intents.catalogue import INTENT_NAMES, IntentDefinition, load_catalogue
from intents.classifier import Classification, IntentClassifier

__all__ = ["INTENT_NAMES", "Classification", "IntentClassifier", "IntentDefinition", "load_catalogue"]
