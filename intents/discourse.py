"""How a message is put together, beyond its words: social openers, follow-ups, anger.

Customers write "Hello, where is my order?", "ok cảm ơn, vậy còn thanh toán thì sao", "😡😡😡".
The classifier labels a whole message; these helpers let the understanding layer see its parts:

- ``strip_social``: the message without the greetings, thanks and acknowledgements it opens with
  ("xin chào shop,", "ok cảm ơn ạ,", "hi ad"), and without the openers that only announce a
  question ("cho e hỏi", "em muốn hỏi chút", "I have a question"), so a question after a greeting is
  read as a question, and a message of nothing but these is a greeting.
- ``clauses``: the message cut at sentence punctuation.
- ``follow_up``: the topic of a follow-up ("vậy còn thanh toán thì sao" → "thanh toán", "what about
  SMS?" → "SMS", "còn đơn kia?" → "đơn kia"), read against the previous topic by the caller.
- ``asks_for_person``: a person asked for in so many words ("cho e gặp nhân viên", "can I speak to
  someone"), and what follows it (the reason).
- ``sounds_angry``: anger words, swearing or angry emoji, whatever else the message asks.
- ``about_another_service``: the message is about some other service's account or device
  ("how to delete facebook account", "bảo mật wifi nhà mình"), not about the shop's data.

All work on the text as typed (with or without diacritics): patterns match a folded copy whose
characters line up one to one with the original, and what they return is cut from the original.
"""

from __future__ import annotations

import re

from intents.text import EMOJI_WORDS, fold

_ALIGNED_FOLD: dict[str, str] = {}  # char → its folded form, only when that form is exactly one character


def _fold_aligned(text: str) -> str:
    """Lower-cased, diacritics removed, same length as ``text`` (so indices carry over)."""
    out = []
    for ch in text:
        folded = _ALIGNED_FOLD.get(ch)
        if folded is None:
            candidate = fold(ch.lower())
            folded = candidate if len(candidate) == 1 else ch
            _ALIGNED_FOLD[ch] = folded
        out.append(folded)
    return "".join(out)


_ADDRESSEE = r"(?:shop|ad|admin|ban|em|e|anh|chi|a|moi\s+nguoi|ca\s+nha|roseeglory|rosee|team|there|all)"
_POLITE = r"(?:nhe|nha|a|nhieu|lam|so\s+much|a\s+lot|very\s+much|nhe\s+shop)"
_SOCIAL = (
    r"(?:xin\s+)?chao(?:\s+buoi\s+(?:sang|trua|chieu|toi))?"
    r"|hello+|helo|hi+|hey+|hiya|alo+|a\s+lo|good\s+(?:morning|afternoon|evening)|morning"
    rf"|{_ADDRESSEE}\s+oi"
    r"|ok(?:e|ay|ie)?|oke+|vang|da|uh|um|uhm|u"
    r"|(?:(?:e|em|minh|toi|mk|tui)\s+)?(?:cam\s+on|cam\s+om|camon|cam\s+ơn|thanks?|thank\s+(?:you|u)|thx|tks|ty)"
)
#: Openers that only announce a question ("cho e hỏi", "em muốn hỏi chút", "I have a question"): they
#: ask nothing yet, so alone they are a greeting and before a question they are not its topic.
_ME = r"(?:e|em|minh|toi|mk|tui|t|to|chau|con|anh|a|chi|c)"
_A_BIT = r"(?:chut|chut\s+xiu|xiu|ti|ty|1\s+chut|mot\s+chut|mot\s+xiu|1\s+xiu|1\s+ti|mot\s+ti|cai" \
    r"|1\s+cai|mot\s+cai|viec|1\s+viec|mot\s+viec|cau|1\s+cau|mot\s+cau|voi|vs|nhe|nha|nhé|la|xiu\s+xiu|it\s+thong\s+tin)"
_ANNOUNCE = (
    rf"(?:cho\s+(?:{_ME}\s+)?|{_ME}\s+(?:muon\s+|mun\s+|can\s+|co\s+|xin\s+|dinh\s+)?|(?:muon|mun|xin)\s+)"
    rf"(?:hoi|hỏi|hoi\s+thong\s+tin|hoi\s+dap|thac\s+mac|co\s+cau\s+hoi|co\s+thac\s+mac)(?:\s+{_A_BIT})*"
    r"|(?:i|we)\s+(?:have|got|ve\s+got)\s+(?:a\s+)?(?:(?:quick|small|short|little)\s+)?(?:question|query)s?"
    r"|(?:can|could|may)\s+i\s+ask(?:\s+(?:you|something|a\s+(?:quick\s+)?question))*"
    r"|(?:i|we)\s+(?:want|wanted|would\s+like|d\s+like)\s+to\s+ask(?:\s+(?:you|something|a\s+(?:quick\s+)?question))*"
    r"|(?:a\s+)?quick\s+question|question\s+for\s+you"
)
_SOCIAL_HEAD = re.compile(
    rf"\s*(?:{_SOCIAL}|{_ANNOUNCE})(?:\s+(?:{_ADDRESSEE}|{_POLITE}))*(?![\w])[\s,.!?;:…~-]*"
)
_CLAUSE_BREAK = re.compile(r"[,.;!?\n…]+")

# Follow-ups. "còn" opens one when typed with its diacritics; typed "con" it is also "child" or
# "animal" ("con mèo nhà mình"), so it then needs the closing "thì sao" / "nữa" / "?".
_OPENER = r"(?:(?:vay|the|va|ok|oke|uh|vang|da)\s+)?"
_CLOSER = r"(?:\s+(?:thi\s+sao|thi\s+the\s+nao|the\s+nao|thi\s+sao\s+a|nua|nua\s+thi\s+sao|sao|thi))"
_VI_FOLLOW_UP = re.compile(rf"^\s*{_OPENER}con\s+(?P<rest>.+?)(?P<close>{_CLOSER})?\s*(?P<mark>[?!.…]*)\s*$")
_VI_TOPIC_THEN = re.compile(r"^\s*(?:vay\s+|the\s+)?(?P<rest>.+?)\s+thi\s+sao(?:\s+a)?\s*[?!.…]*\s*$")
_EN_FOLLOW_UP = re.compile(
    r"^\s*(?:(?:and|so|ok|okay|also)\s+)?(?:what|how)\s+about\s+(?P<rest>.+?)\s*[?!.…]*\s*$"
    r"|^\s*(?:and|also)\s+(?P<rest2>.+?)\s*\?+\s*$"
    r"|^\s*same\s+(?:question\s+)?for\s+(?P<rest3>.+?)\s*[?!.…]*\s*$"
)

# A person asked for in so many words: a wish ("muốn", "cho", "xin", "can I") and a way to talk
# ("gặp", "nói chuyện với", "talk to") with a person ("nhân viên", "người thật", "a human").
_VI_PERSON = re.compile(
    r"(?:muon|mun|can|cho|xin|duoc|dc|goi|hay|lam\s+on|vui\s+long|ket\s+noi|chuyen)\s+"
    r"(?:(?:e|em|minh|toi|mk|tui|t|to)\s+)?(?:duoc\s+|dc\s+)?"
    r"(?:gap|noi\s+chuyen|chat|trao\s+doi|lien\s+he|ket\s+noi|chuyen|hoi)"
    r"(?:\s+(?:truc\s+tiep|voi|cho|qua|sang|toi))*\s+(?:1\s+|mot\s+)?"
    r"(?:nhan\s+vien|nguoi\s+that|tu\s+van\s+vien|nv|cskh|cham\s+soc\s+khach\s+hang|nguoi\s+ho\s+tro)"
    r"(?:\s+(?:tu\s+van|ho\s+tro|cskh|cua\s+shop|shop|that))*(?![\w])"
)
_EN_PERSON = re.compile(
    r"(?:(?:talk|speak|chat)\s+(?:to|with)|connect\s+me\s+(?:to|with)|put\s+me\s+through\s+to|"
    r"(?:want|need|like)\s+(?:a|an))\s+"
    r"(?:(?:a|an|some|your|one\s+of\s+your)\s+)?(?:(?:real|live|actual)\s+)?"
    r"(?:person|human|someone|somebody|agent|staff(?:\s+member)?|member\s+of\s+(?:staff|your\s+team)|"
    r"representative|operator|employee)(?![\w])"
)

_ANGRY_WORDS = frozenset(
    {
        "bực", "điên", "cáu", "ngu", "vcl", "vl", "vkl", "đm", "dm", "dmm", "đéo", "deo", "wtf",
        "stupid", "useless", "ridiculous", "annoying", "angry", "furious", "pissed", "idiot",
        "hell", "damn", "ugh", "emojiangry", "emojithumbsdown",
    }
)
_ANGRY_PHRASES = ("vô dụng", "tệ hại", "tệ quá", "quá tệ", "bực mình", "phát điên", "như cái máy",
                  "vo dung", "te hai", "buc minh", "phat dien", "what the hell", "so annoying")
_ANGRY_EMOJI = frozenset(ch for ch, word in EMOJI_WORDS.items() if word in ("emojiangry", "emojithumbsdown"))


def strip_social(text: str) -> str:
    """The message after the greetings, thanks and acknowledgements it opens with."""
    folded = _fold_aligned(text)
    start = 0
    while start < len(text):
        match = _SOCIAL_HEAD.match(folded, start)
        if match is None or match.end() == start:
            break
        start = match.end()
    return text[start:].strip()


def clauses(text: str) -> list[str]:
    """The message cut at sentence punctuation, empty pieces dropped."""
    return [part.strip() for part in _CLAUSE_BREAK.split(text) if part.strip()]


def follow_up(text: str) -> str | None:
    """The topic of a follow-up question, or None when the message is not one.

    "vậy còn thanh toán thì sao" → "thanh toán"; "con meo nha minh" → None (no closing);
    "what about SMS?" → "SMS"; "thanh toán thì sao" → "thanh toán" (the caller uses that one only
    when there is a previous topic to read it against).
    """
    original = text.strip()
    folded = _fold_aligned(original)
    match = _VI_FOLLOW_UP.match(folded)
    if match is not None:
        opener_at = match.start("rest") - len("con ")
        typed_with_accent = original[opener_at : opener_at + 3].lower() == "còn"
        if typed_with_accent or match.group("close") or match.group("mark"):
            return original[match.start("rest") : match.end("rest")].strip() or None
    match = _EN_FOLLOW_UP.match(folded)
    if match is not None:
        for group in ("rest", "rest2", "rest3"):
            if match.group(group):
                return original[match.start(group) : match.end(group)].strip() or None
    match = _VI_TOPIC_THEN.match(folded)
    if match is not None:
        return original[match.start("rest") : match.end("rest")].strip() or None
    return None


def asks_for_person(text: str) -> str | None:
    """What follows a request for a person made in so many words ("e muốn gặp nhân viên để hỏi về
    việc hoàn tiền" → "để hỏi về việc hoàn tiền"; "" when nothing follows), or None when the
    message asks for no person ("nhân viên giao hàng rất thô lỗ" names one, asks for none)."""
    folded = _fold_aligned(text)
    match = _VI_PERSON.search(folded) or _EN_PERSON.search(folded)
    if match is None:
        return None
    return text[match.end():].strip(" ,.!?;:…~-")


def sounds_angry(text: str, tokens: tuple[str, ...]) -> bool:
    """Anger words, swearing or angry emoji anywhere in the message (``tokens``: as normalised)."""
    if any(ch in _ANGRY_EMOJI for ch in text):
        return True
    if any(token in _ANGRY_WORDS for token in tokens):
        return True
    lowered = text.lower()
    return any(phrase in lowered for phrase in _ANGRY_PHRASES)


#: Other services and devices customers ask general questions about.
_OTHER_SERVICES = frozenset(
    {
        "facebook", "fb", "zalo", "gmail", "google", "instagram", "insta", "tiktok", "youtube",
        "messenger", "telegram", "shopee", "lazada", "tiki", "wifi", "router", "modem", "laptop",
        "iphone", "android", "samsung", "icloud", "outlook", "yahoo", "twitter", "netflix",
    }
)
#: Words that bring the shop back into such a question ("does the shop share my data with facebook").
_SHOP_WORDS = frozenset(
    {
        "shop", "roseeglory", "rosee", "roseeorder", "web", "website", "ban", "cac", "ben", "you",
        "your", "ad", "admin", "bot", "roseeordercom", "em",
    }
)


def about_another_service(folded: tuple[str, ...]) -> bool:
    """A question about another service's account or device that does not involve the shop."""
    return any(word in _OTHER_SERVICES for word in folded) and not any(w in _SHOP_WORDS for w in folded)
