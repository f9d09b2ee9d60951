"""Issue 16, library side: new intents, honest coverage, context, mood and the shop's voice.

Each example quoted from the issue is checked verbatim; none of them is a training example.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from bot.cli import understanding_commands
from bot.understanding import Topic, Understander
from intents.catalogue import INTENT_NAMES, load_catalogue
from intents.validation import check_catalogue, voice_problems
from knowledge.check import check_knowledge


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander.load()


@pytest.mark.parametrize(
    "name",
    ["erasure_request", "objection_request", "order_cancel", "order_change", "return_refund",
     "request_status", "identity_help", "frustration", "policy_uncovered"],
)
def test_new_intents_are_in_the_contract(name: str) -> None:
    assert name in INTENT_NAMES and name in load_catalogue()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("xoa het du lieu cua toi di", "erasure_request"),  # deletion is not access
        ("please delete my account and all my data", "erasure_request"),
        ("xóa tài khoản của tôi", "erasure_request"),
        ("tôi muốn xem dữ liệu của tôi", "access_request"),
        ("tôi rút lại sự đồng ý, đừng xử lý dữ liệu của tôi nữa", "objection_request"),
        ("hủy giúp mình đơn RG-2026-900002", "order_cancel"),
        ("đổi địa chỉ giao cho đơn RG-2026-900002 giúp em", "order_change"),
        ("tôi muốn trả hàng và hoàn tiền", "return_refund"),
        ("khiếu nại của tôi xử lý tới đâu rồi", "request_status"),
        ("I don't want to share my phone", "identity_help"),
        ("the code did not arrive", "identity_help"),
        ("tài khoản của tôi bị người khác đăng nhập", "account_security"),
    ],
)
def test_requests_customers_make_next(understander: Understander, text: str, intent: str) -> None:
    assert understander.understand(text).intent == intent


def test_order_change_without_an_order_corrects_the_data_on_file(understander: Understander) -> None:
    assert understander.understand("đổi địa chỉ nhận hàng của tôi giúp").intent == "correction_request"


@pytest.mark.parametrize(
    ("text", "sections"),
    [
        ("sdt cua e co bi chia se cho ai ko a", {2, 3}),  # sharing, not a correction request
        ("ai sẽ biết địa chỉ nhà tôi?", {2, 3}),
        ("what data do you collect", {1}),
        ("tôi có quyền xem dữ liệu không?", {7}),  # a question about the right, not the request
    ],
)
def test_policy_questions_from_the_issue(understander: Understander, text: str, sections: set[int]) -> None:
    result = understander.understand(text)
    assert result.intent == "policy_question" and result.section in sections
    assert result.covered


def test_what_data_you_collect_is_the_list_of_data_not_the_purposes(understander: Understander) -> None:
    assert understander.understand("what data do you collect").passage_id == "s1.p7"


def test_a_question_about_a_right_offers_the_request_that_exercises_it(understander: Understander) -> None:
    assert understander.understand("tôi có quyền xem dữ liệu không?").suggested_request == "access_request"
    deletion = understander.understand("tôi có quyền yêu cầu xóa dữ liệu không")
    assert deletion.intent == "policy_uncovered" and deletion.suggested_request == "erasure_request"


def test_account_security_answers_with_section_5_and_a_person(understander: Understander) -> None:
    result = understander.understand("tài khoản của tôi bị người khác đăng nhập")
    assert result.section == 5 and result.passage_id == "s5.p6"
    assert "đổi mật khẩu" in result.lead
    assert "Theo mục 5 – Bảo mật thông tin cá nhân:" in result.answer
    assert result.quote in result.answer and "thay đổi mật khẩu ngay lập tức" in result.quote
    assert result.answer.rstrip().endswith("nhân viên hỗ trợ ngay ạ.")  # a person offered
    english = understander.understand("someone logged into my account", language="en")
    assert english.section == 5 and "staff member" in english.answer


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("shop có dùng cookies không ạ", "cookies"),
        ("do you store cookies on my computer", "cookies"),
        ("thông tin của mình shop lưu trữ bao lâu", "retention"),
        ("mk co phai cung cap cmnd/cccd ko", "identity_documents"),
        ("email của shop để gửi khiếu nại là gì?", "contact_details"),
        ("how long will you keep my personal information", "retention"),
    ],
)
def test_questions_the_policy_does_not_address_get_an_honest_answer(
    understander: Understander, text: str, topic: str
) -> None:
    result = understander.understand(text)
    assert result.intent == "policy_uncovered" and not result.covered
    assert result.topic == topic and result.section is None and result.passage_id is None
    if result.language == "vi":
        assert result.answer.startswith("Dạ, Chính sách bảo mật không đề cập")
        assert "nhân viên" in result.answer
    else:
        assert result.answer.startswith("The privacy policy does not cover") and "staff" in result.answer
    assert "“" not in result.answer  # never the nearest passage


def test_follow_ups_are_read_against_the_previous_topic(understander: Understander) -> None:
    sharing = understander.understand("shop có chia sẻ thông tin của tôi không")
    payment = understander.understand("vậy còn thanh toán thì sao", context=sharing)
    assert payment.follow_up and payment.intent == "policy_question" and payment.section == 2
    assert payment.passage_id == "s2.p4"
    thanked = understander.understand("ok cảm ơn, vậy còn thanh toán thì sao", context=Topic.of(sharing))
    assert thanked.passage_id == "s2.p4" and thanked.social == "thanks"
    sms = understander.understand("what about SMS?", context=Topic("policy_question", 2))
    assert sms.section == 2 and sms.language == "en"
    order = understander.understand("còn đơn kia?", context=Topic("order_status"))
    assert order.intent == "order_status" and order.follow_up
    other = understander.understand("còn đơn RG-2026-900005 thì sao", context=Topic("order_status"))
    assert other.intent == "order_status" and other.entities[0].value == "RG-2026-900005"
    assert understander.understand("thời tiết thì sao", context=sharing).intent == "out_of_scope"


def test_a_greeting_with_a_question_yields_the_question(understander: Understander) -> None:
    result = understander.understand("Hello, where is my order?")
    assert result.intent == "order_status" and result.social == "greeting" and result.language == "en"
    assert understander.understand("xin chào").intent == "greeting"


def test_anger_and_emoji(understander: Understander) -> None:
    angry = understander.understand("😡😡😡")
    assert angry.intent == "frustration" and angry.frustrated
    assert angry.answer.startswith("Dạ, chúng tôi thành thật xin lỗi") and "nhân viên" in angry.answer
    assert understander.understand("👍").intent == "thanks"
    complaint = understander.understand("giao sai hàng rồi, bực mình quá")
    assert complaint.intent == "complaint" and complaint.frustrated


_FIRST_PERSON = re.compile(r"(?<!chúng )(?<![\w])tôi(?![\w])", re.IGNORECASE)


@pytest.mark.parametrize(
    "text",
    ["shop co ban thong tin cua minh ko", "chính sách thay đổi có báo trước không",
     "thanh toán online do ai xử lý vậy", "chính sách bảo mật của shop là gì"],
)
def test_policy_answers_lead_in_our_words_then_quote_verbatim(understander: Understander, text: str) -> None:
    result = understander.understand(text)
    assert result.intent == "policy_question"
    lead, _, quoted = result.answer.partition("\n\n")
    assert lead == result.lead and lead.startswith("Dạ, ") and lead.endswith("ạ.")
    assert not _FIRST_PERSON.search(lead) and "Roseeoder" not in lead and not re.search(r"\bbạn\b", lead)
    assert quoted == f"{result.citation}\n“{result.quote}”"
    assert "Mục 0" not in result.answer and "mục 0" not in result.answer


def test_the_introduction_is_phan_mo_dau(understander: Understander) -> None:
    result = understander.understand("chính sách bảo mật của shop là gì")
    assert result.section == 0 and result.citation == "Theo Phần mở đầu của Chính sách bảo mật:"


def test_the_policys_typo_stays_inside_the_quote(understander: Understander) -> None:
    result = understander.understand("chính sách thay đổi có báo trước không")
    assert result.passage_id == "s6.p1"
    assert "Roseeoder.com" in result.quote and "Roseeoder" not in result.lead


def test_every_reply_and_lead_keeps_the_voice() -> None:
    assert check_catalogue(load_catalogue()) == [] and check_knowledge() == []
    assert voice_problems("Tôi sẽ chuyển Quý khách tới nhân viên") != []
    assert voice_problems("Dạ, chúng tôi sẽ chuyển Quý khách tới nhân viên ạ.") == []
    assert voice_problems("quyền của bạn") != [] and voice_problems("Roseeoder.com") != []


def _cli(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="rosee-support")
    understanding_commands.register(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args(args)
    return int(parsed.func(parsed))


def test_ask_details_shows_entities_and_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["ask", "--details", "đơn hàng RG-2026-900002 của tôi đâu"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["intent"] == "order_status" and payload["covered"] is True
    assert payload["entities"] == [{"kind": "order_code", "text": "RG-2026-900002", "value": "RG-2026-900002",
                                    "start": 9, "end": 23}]
    assert payload["masked_text"] == "đơn hàng  ⟨order_code⟩  của tôi đâu"


def test_bench_reports_coverage_figures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "eval.tsv"
    data.write_text("text\tintent\tsection\nshop có dùng cookie không ạ\tpolicy_uncovered\t\n"
                    "shop co ban thong tin cua minh ko\tpolicy_question\t3\n", encoding="utf-8")
    assert _cli(["bench-understanding", "--json", "--data", str(data)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["uncovered_recall"] == 1.0 and report["answer_precision"] == 1.0
    assert report["answers_given"] == 1


def test_every_intent_has_a_button_label_in_both_languages() -> None:
    """The core offers "did you mean …" buttons for the two closest intents: a label must exist."""
    import tomllib

    root = Path(__file__).resolve().parents[2] / "bot" / "locales"
    for lang in ("vi", "en"):
        labels = tomllib.loads((root / lang / "core.toml").read_text(encoding="utf-8"))["intent_label"]
        assert set(INTENT_NAMES) <= set(labels), lang
