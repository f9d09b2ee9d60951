"""The markup and upload values of a Bot API call, as one Telegram library's objects.

Both libraries (aiogram, python-telegram-bot) take the same Bot API parameters and differ only in the
objects that carry keyboards, link-preview options and uploads. The dispatch over the shared values lives
here once; each library supplies its constructors as a `LibraryValues`, so a new shared value is added in
one place and a library that lacks its constructor fails the type check instead of sending the raw object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.channels.bot_api.rendering import ContactMarkup, InlineMarkup, NoPreview, RemoveMarkup, Upload


@dataclass(frozen=True, slots=True)
class LibraryValues:
    """How one library builds the objects of the shared values (its keyboards built once, cached)."""

    inline: Callable[[InlineMarkup], Any]
    contact: Callable[[ContactMarkup], Any]
    upload: Callable[[Upload], Any]
    remove: Any
    no_preview: Any


def library_value(value: Any, library: LibraryValues) -> Any:
    """`value` as the library's object where it is a shared markup or upload, else unchanged."""
    if isinstance(value, InlineMarkup):
        return library.inline(value)
    if isinstance(value, ContactMarkup):
        return library.contact(value)
    if isinstance(value, RemoveMarkup):
        return library.remove
    if isinstance(value, NoPreview):
        return library.no_preview
    if isinstance(value, Upload):
        return library.upload(value)
    return value


def library_params(params: dict[str, Any], library: LibraryValues) -> dict[str, Any]:
    """A call's parameters for the library: absent (None) ones left out, shared values translated."""
    return {name: library_value(value, library) for name, value in params.items() if value is not None}
