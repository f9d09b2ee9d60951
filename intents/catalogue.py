"""The intent contract and its definitions, loaded from one TOML file per intent in ``data/``.

Staff can add example phrasings or change a reply without touching code. Each file looks like::

    name = "order_status"
    description = "why this intent exists"
    policy_passage = "s5.p6"   # optional: the policy passage quoted with the reply (account_security)
    derived = true             # optional: assigned by the understanding layer, never classified
                               # (policy_uncovered); such an intent has a reply and no examples
    requires_any = ["đơn", "order", "⟨order_code⟩"]   # optional, with `otherwise`: a message
    otherwise = "correction_request"                   # with none of these words (or entity
                                                       # placeholders) is read as `otherwise`
    [reply]
    vi = "what the bot will do, in Vietnamese"
    en = "the same in English"
    [examples]
    vi = ["đơn hàng của mình tới đâu rồi", ...]
    en = ["where is my parcel", ...]
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")
LANGUAGES = ("vi", "en")

#: Stable names the rest of the bot relies on; renaming one is a breaking change.
INTENT_NAMES: tuple[str, ...] = (
    "greeting",
    "thanks",
    "goodbye",
    "help",
    "order_status",
    "policy_question",
    "access_request",
    "correction_request",
    "marketing_opt_out",
    "complaint",
    "human_handoff",
    "account_security",
    "out_of_scope",
    # issue 16: requests customers make next, honest coverage, and mood
    "erasure_request",
    "objection_request",
    "order_cancel",
    "order_change",
    "return_refund",
    "request_status",
    "identity_help",
    "frustration",
    "policy_uncovered",
    # issue 18: the customer's switch for order status notifications
    "order_notifications_off",
    "order_notifications_on",
    # issue 13 part 4: marketing again after an opt-out
    "marketing_resume",
)
OUT_OF_SCOPE = "out_of_scope"
POLICY_QUESTION = "policy_question"
POLICY_UNCOVERED = "policy_uncovered"
FRUSTRATION = "frustration"
#: Saying hello, thanks or goodbye: a message that also asks something is about what it asks.
SOCIAL_INTENTS = frozenset({"greeting", "thanks", "goodbye"})
#: Requests that exercise a data-subject right (policy section 7 and the law); a question about
#: the right is a policy_question, and the answer offers to start the matching request.
RIGHTS_REQUESTS = ("access_request", "correction_request", "marketing_opt_out", "erasure_request",
                   "objection_request")


@dataclass(frozen=True)
class IntentDefinition:
    """One intent: what it means, how customers phrase it, and what the bot says it will do."""

    name: str
    description: str
    examples: Mapping[str, tuple[str, ...]]
    replies: Mapping[str, str]
    source: Path
    policy_passage: str | None = None
    derived: bool = False
    requires_any: tuple[str, ...] = ()
    otherwise: str | None = None


def load_definition(path: Path) -> IntentDefinition:
    """Parse one intent file; missing sections become empty so validation can report them."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    examples = raw.get("examples", {})
    replies = raw.get("reply", {})
    return IntentDefinition(
        name=str(raw.get("name", path.stem)),
        description=str(raw.get("description", "")),
        examples={lang: tuple(str(e) for e in examples.get(lang, ())) for lang in LANGUAGES},
        replies={lang: str(replies[lang]) for lang in LANGUAGES if lang in replies},
        source=path,
        policy_passage=str(raw["policy_passage"]) if raw.get("policy_passage") else None,
        derived=bool(raw.get("derived", False)),
        requires_any=tuple(str(w) for w in raw.get("requires_any", ())),
        otherwise=str(raw["otherwise"]) if raw.get("otherwise") else None,
    )


def load_catalogue(data_dir: Path = DATA_DIR) -> dict[str, IntentDefinition]:
    """All intent definitions in ``data_dir`` keyed by name, in file-name order."""
    catalogue: dict[str, IntentDefinition] = {}
    for path in sorted(data_dir.glob("*.toml")):
        definition = load_definition(path)
        catalogue[definition.name] = definition
    return catalogue


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The files whose content defines the classifier (for content hashing)."""
    return sorted(data_dir.glob("*.toml"))
