"""The pure parts of a correction: which field and value a message names, and what may be stored."""

from __future__ import annotations

import pytest

from bot.dialogue.flows.correction import prefill
from bot.services.corrections import Field, InvalidValue, clean_value


@pytest.mark.parametrize(("text", "slots"), [
    ("đổi email của tôi thành lan.moi@gmail.com", {"field": "email", "value": "lan.moi@gmail.com"}),
    ("change my email to Lan.Moi@Gmail.com", {"field": "email", "value": "lan.moi@gmail.com"}),
    ("sửa địa chỉ email thành a@b.vn", {"field": "email", "value": "a@b.vn"}),
    ("đổi sđt thành 0903 123 456", {"field": "phone", "value": "+84903123456"}),
    ("tên của tôi bị sai", {"field": "name"}),
    ("sửa địa chỉ giao hàng giúp tôi", {"field": "address"}),
    ("đổi email của tôi thành lan.moi@gmail", {"field": "email"}),  # not an address: asked for
    ("sửa thông tin giúp tôi", {}),
])
def test_a_message_fills_the_slots_it_names(text: str, slots: dict[str, str]) -> None:
    assert prefill(text) == slots


def test_values_are_stored_normalised_and_refused_when_they_cannot_be() -> None:
    assert clean_value(Field.EMAIL, " Lan.Moi@Gmail.COM ") == "lan.moi@gmail.com"
    assert clean_value(Field.PHONE, "0168 123 4567") == "+84381234567"  # renumbered in 2018
    assert clean_value(Field.NAME, "  Nguyễn   Thị Lan ") == "Nguyễn Thị Lan"
    for field, raw in ((Field.EMAIL, "lan.moi@gmail"), (Field.EMAIL, "a@@b.com"), (Field.PHONE, "12345"),
                       (Field.NAME, "123"), (Field.NAME, "x"), (Field.NAME, "Lan <b>"), (Field.ADDRESS, "HN"),
                       (Field.ADDRESS, "x" * 501)):
        with pytest.raises(InvalidValue):
            clean_value(field, raw)
