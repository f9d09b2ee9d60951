"""Vietnamese/English chat text normalisation shared by the classifier and the knowledge base.

Customers type with or without diacritics, in chat shorthand ("ko", "đc", "sđt", "e", "r"),
with typos, or in English. Everything that turns raw text into comparable tokens lives here so
that the intent classifier and the policy retrieval see the same thing:

    raw text ── cap length, drop control chars, NFC, lowercase
             ── entity placeholders (intents.entities, "⟨order_code⟩") dropped; emoji → mood words
             ── e-mails and digit runs → placeholder tokens
             ── tokenise ── expand shorthand (keyed on the exact token, so "hỏng" ≠ "hong")
             ── two views: ``tokens`` (keeps diacritics) and ``folded`` (diacritics and đ removed)

The folded view makes matching ignore diacritics; the accented view lets a scorer prefer exact
matches ("bán" vs "bạn" both fold to "ban").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Language = Literal["vi", "en"]

#: Only the start of a message is looked at; support questions are short and this bounds latency.
MAX_INPUT_CHARS = 600

EMAIL_TOKEN = "email"
NUMBER_TOKEN = "9"

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: What intents.entities puts where an entity was: dropped here, so an entity never changes the intent.
PLACEHOLDER_RE = re.compile(r"⟨[a-z_]+⟩")

#: Emoji say something about mood: each becomes a word of its own that the intent examples use
#: ("👍" is thanks, "😡😡😡" is frustration). The words are in no language list, so an emoji
#: never changes the detected language.
EMOJI_WORDS: dict[str, str] = {
    **dict.fromkeys("😡🤬😠👿💢😤🖕😾", "emojiangry"),
    **dict.fromkeys("👎", "emojithumbsdown"),
    **dict.fromkeys("👍👌✅", "emojithumbsup"),
    **dict.fromkeys("🙏", "emojipray"),
    **dict.fromkeys("❤💕💖💗🥰😍😘", "emojiheart"),
    **dict.fromkeys("😢😭😞😔☹🙁😩😫😿", "emojisad"),
}
_EMOJI_RE = re.compile("[" + "".join(EMOJI_WORDS) + "]")
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_DIGITS_RE = re.compile(r"^\d+$")

# Shorthand → canonical (accented) expansion, keyed on the exact lowercase token as typed.
# Accented keys and unaccented keys are listed separately on purpose: "hông" means "không",
# while "hỏng" (broken) must stay itself.
SHORTHAND: dict[str, str] = {
    # không
    "ko": "không", "k": "không", "kh": "không", "khg": "không", "kg": "không", "hok": "không",
    "hk": "không", "hông": "không", "hong": "không", "hem": "không", "khum": "không", "hăm": "không",
    "kô": "không", "khôg": "không",
    # được
    "dc": "được", "đc": "được", "dk": "đăng ký", "đk": "đăng ký", "đươc": "được", "duoc": "được",
    # phone, order, account, password, information
    "sdt": "số điện thoại", "sđt": "số điện thoại", "đt": "điện thoại", "dt": "điện thoại",
    "dth": "điện thoại",
    "dh": "đơn hàng", "đh": "đơn hàng", "dhang": "đơn hàng",
    "tk": "tài khoản", "acc": "tài khoản", "acount": "account",
    "pass": "mật khẩu", "pw": "mật khẩu", "pwd": "mật khẩu", "mk": "mật khẩu",
    "tt": "thông tin", "ttin": "thông tin", "info": "information", "infor": "information",
    "ttcn": "thông tin cá nhân",
    "sp": "sản phẩm", "ktra": "kiểm tra", "ktr": "kiểm tra", "kt": "kiểm tra",
    "cskh": "chăm sóc khách hàng", "nv": "nhân viên", "ib": "nhắn tin", "inbox": "nhắn tin",
    "yc": "yêu cầu", "ycau": "yêu cầu", "kn": "khiếu nại", "hd": "hướng dẫn", "ttk": "tài khoản",
    # people
    "ad": "admin", "add": "admin", "e": "em", "mik": "mình", "mjk": "mình", "mjnh": "mình",
    "mn": "mọi người", "ng": "người", "bn": "bạn",
    # particles and common words
    "r": "rồi", "rùi": "rồi", "rui": "rồi", "ròi": "rồi", "oy": "rồi", "rầu": "rồi",
    "j": "gì", "ji": "gì", "gi": "gì", "bik": "biết", "bít": "biết", "bit": "biết", "bjk": "biết",
    "ntn": "như thế nào", "ntnao": "như thế nào",
    "mun": "muốn", "mún": "muốn", "muốn": "muốn",
    "vs": "với", "z": "vậy", "v": "vậy", "zậy": "vậy", "dậy": "vậy", "cx": "cũng", "cg": "cũng",
    "lm": "làm", "ns": "nói", "trc": "trước", "hnay": "hôm nay", "nhìu": "nhiều", "nhiu": "nhiều",
    "wa": "quá", "qá": "quá", "ak": "à", "ah": "à", "uk": "ừ", "oke": "ok", "okie": "ok",
    "okela": "ok", "okay": "ok", "camon": "cảm ơn", "cámơn": "cảm ơn", "cảmơn": "cảm ơn",
    "tks": "thanks", "thks": "thanks", "thanx": "thanks", "thx": "thanks", "ty": "thanks",
    # English chat
    "u": "you", "ur": "your", "pls": "please", "plz": "please", "pleaseee": "please",
    "im": "i am", "i'm": "i am", "dont": "do not", "don't": "do not", "cant": "can not",
    "can't": "can not", "cannot": "can not", "won't": "will not", "isn't": "is not",
    "hasn't": "has not", "haven't": "have not", "didn't": "did not", "doesn't": "does not",
    "it's": "it is", "what's": "what is", "where's": "where is", "i've": "i have",
    "wanna": "want to", "gonna": "going to", "ppl": "people", "msg": "message", "msgs": "messages",
}

# "mk" is also chat shorthand for "mình" (me); it means "mật khẩu" only next to password words.
_MK_PASSWORD_NEIGHBOURS = frozenset(
    {"lo", "doi", "quen", "nhap", "dat", "thay", "reset", "lay", "moi", "cu", "bi", "sai", "cua", "la"}
)

_ENGLISH_WORDS = frozenset(
    [
        "the", "a", "an", "is", "are", "am", "was", "were", "be", "been", "do", "does", "did",
        "you", "your", "yours", "i", "my", "me", "mine", "we", "our", "us", "it", "its", "this",
        "that", "these", "those", "what", "which", "who", "whom", "whose", "why", "how", "when",
        "where", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "have",
        "has", "had", "not", "no", "yes", "please", "thanks", "thank", "hello", "hey", "bye",
        "goodbye", "want", "need", "get", "give", "send", "tell", "show", "help", "order", "orders",
        "data", "information", "personal", "privacy", "policy", "sell", "share", "use", "used",
        "collect", "account", "password", "email", "phone", "number", "address", "delivery", "my",
        "about", "with", "from", "for", "to", "of", "in", "on", "at", "by", "and", "or", "but",
        "if", "then", "there", "here", "any", "some", "all", "more", "much", "many", "stop",
        "unsubscribe", "talk", "speak", "human", "agent", "person", "staff", "someone", "anyone",
        "complaint", "item", "package", "arrived", "wrong", "broken", "damaged", "hacked", "forgot",
        "change", "update", "fix", "correct", "delete", "copy", "export", "right", "rights", "free",
        "cost", "store", "stored", "keep", "kept", "safe", "secure", "protect", "private", "third",
        "party", "parties", "police", "company", "companies", "website", "site", "pages", "visit",
        "track", "browser", "payment", "bank", "card", "courier", "couriers", "weather", "today",
        "tomorrow", "football", "recipe", "joke", "movie", "music", "price", "buy", "sale",
        "shipping", "good", "morning", "evening", "night", "see", "later", "day", "nice", "great",
        "okay", "sure", "just", "also", "very", "really"
    ]
)

_VIETNAMESE_WORDS = frozenset(
    [
        "co", "khong", "ko", "cua", "minh", "em", "toi", "ban", "shop", "oi", "duoc", "dc", "thong",
        "tin", "don", "hang", "giup", "voi", "vs", "sao", "gi", "j", "nao", "la", "lam", "roi",
        "chua", "bao", "gio", "nhe", "nha", "da", "vay", "di", "ve", "tai", "khoan", "mat", "khau",
        "sdt", "dia", "chi", "sua", "doi", "xem", "du", "lieu", "ca", "nhan", "chinh", "sach",
        "huy", "nhan", "gui", "bi", "sai", "cho", "muon", "duoc", "khach", "hay", "nhu", "the",
        "thi", "ma", "nay", "kia", "ay", "dau", "vao", "ra", "len", "xuong", "biet", "hoi", "tra",
        "loi", "chao", "cam", "tam", "biet", "hen", "gap", "lai", "nhieu", "ah", "a", "ak", "nhi",
        "ha", "hu", "uh", "ua", "tui", "tao", "may", "anh", "chi", "ad", "admin", "ntn", "bik",
        "hok", "r", "e", "mk", "dh", "nv", "tk", "tt", "vay", "z", "giao", "hang", "nhanh", "cham",
        "khieu", "nai", "quang", "cao", "email", "tin", "nhan", "dien", "thoai", "nguoi", "that",
        "ho", "tro"
    ]
) - _ENGLISH_WORDS

_VIETNAMESE_LETTERS = frozenset("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


@dataclass(frozen=True)
class NormalisedText:
    """A customer message made comparable: accented tokens, folded tokens, detected language."""

    text: str
    tokens: tuple[str, ...]
    folded: tuple[str, ...]
    language: Language


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Remove Vietnamese diacritics (đ → d included) so 'sđt', 'sdt' and 'SĐT' compare equal."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "D")


def clean(text: str) -> str:
    """Cap the length, drop control and format characters, NFC-normalise and lowercase."""
    if not isinstance(text, str):
        text = str(text)
    text = text[:MAX_INPUT_CHARS]
    text = "".join(
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in text
    )
    return unicodedata.normalize("NFC", text).lower().strip()


def _raw_tokens(cleaned: str) -> list[str]:
    """Split into word tokens; e-mail addresses and digit runs become placeholder tokens, entity
    placeholders disappear and mood emoji become their words."""
    if "⟨" in cleaned:
        cleaned = PLACEHOLDER_RE.sub(" ", cleaned)
    if _EMOJI_RE.search(cleaned):
        cleaned = _EMOJI_RE.sub(lambda m: f" {EMOJI_WORDS[m.group(0)]} ", cleaned)
    cleaned = _EMAIL_RE.sub(f" {EMAIL_TOKEN} ", cleaned)
    cleaned = cleaned.replace("’", "'")
    tokens: list[str] = []
    for token in _TOKEN_RE.findall(cleaned):
        tokens.append(NUMBER_TOKEN if _DIGITS_RE.match(token) else token)
    return tokens


def _expand(tokens: list[str]) -> list[str]:
    """Expand chat shorthand into canonical words, resolving 'mk' from its neighbours."""
    expanded: list[str] = []
    for i, token in enumerate(tokens):
        if token == "mk":
            prev_tok = fold(tokens[i - 1]) if i > 0 else ""
            next_tok = fold(tokens[i + 1]) if i + 1 < len(tokens) else ""
            if prev_tok in _MK_PASSWORD_NEIGHBOURS or next_tok in {"cua", "bi", "moi", "cu", "la"}:
                expanded.extend(("mật", "khẩu"))
            else:
                expanded.append("mình")
            continue
        replacement = SHORTHAND.get(token)
        if replacement is None:
            expanded.append(token)
        else:
            expanded.extend(replacement.split())
    return expanded


def detect_language(text: str) -> Language:
    """Guess whether a message is English or Vietnamese; Vietnamese wins ties (our default).

    Any Vietnamese letter decides at once. Otherwise common English words are counted against
    common unaccented Vietnamese syllables and shorthand.
    """
    cleaned = clean(text)
    if any(ch in _VIETNAMESE_LETTERS for ch in cleaned):
        return "vi"
    return _language_of_tokens(_raw_tokens(cleaned))


def _language_of_tokens(tokens: list[str]) -> Language:
    english = sum(1 for t in tokens if t in _ENGLISH_WORDS or "'" in t)
    vietnamese = sum(1 for t in tokens if fold(t) in _VIETNAMESE_WORDS)
    return "en" if english > vietnamese else "vi"


@lru_cache(maxsize=4096)
def normalise(text: str) -> NormalisedText:
    """Normalise one message; never raises, whatever the input."""
    cleaned = clean(text)
    raw = _raw_tokens(cleaned)
    if any(ch in _VIETNAMESE_LETTERS for ch in cleaned):
        language: Language = "vi"
    else:
        language = _language_of_tokens(raw)
    tokens = tuple(_expand(raw))
    folded = tuple(fold(t) for t in tokens)
    return NormalisedText(text=cleaned, tokens=tokens, folded=folded, language=language)


def comparison_key(text: str) -> str:
    """One string per message for duplicate checks: folded, shorthand-expanded, space-joined."""
    return " ".join(normalise(text).folded)


def has_diacritics(token: str) -> bool:
    """True when folding changes the token, i.e. the customer typed Vietnamese marks."""
    return fold(token) != token
