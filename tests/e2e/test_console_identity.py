"""The console demo's email way: the email-only demo customer reaches their orders in the terminal."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.test_console_desk import LiveProcess, run_cli


def test_the_email_only_demo_customer_reaches_their_orders_in_the_console(tmp_path: Path) -> None:
    seeded = run_cli("demo-data", tmp_path=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    chat = LiveProcess("chat", tmp_path=tmp_path)
    try:
        chat.say("đơn hàng của tôi")
        chat.wait_for("[3] ✉️ Xác minh bằng email")
        chat.say("3")
        chat.wait_for("địa chỉ email")
        chat.say("bao.pham@example.com")
        mail = chat.wait_for("📧 [hộp thư demo / demo mailbox] → bao.pham@example.com")
        shown = chat.wait_for("RoseeGlory – Roseeorder.com")
        code = re.search(r"Mã xác minh của Quý khách là: (\d{6})", shown)
        assert code is not None, mail
        chat.say(code.group(1))
        chat.wait_for("Cảm ơn Phạm Quốc Bảo, email đã được xác minh")
        listed = chat.wait_for("Bấm vào mã đơn để xem chi tiết")
    finally:
        assert chat.close() == 0, chat.stderr
    assert "b•••••••@example.com" in listed
    assert code.group(1) not in chat.stderr and "bao.pham@example.com" not in chat.stderr  # the log lines
