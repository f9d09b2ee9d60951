"""The knowledge base: built from the verbatim policy, bilingual, validated, rebuilt on change."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from knowledge.base import DATA_DIR, KnowledgeBase, load_knowledge_base
from knowledge.check import check_knowledge
from knowledge.policy import POLICY_FILE, POLICY_SHA256, load_policy


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_policy_is_the_published_text_byte_for_byte() -> None:
    assert hashlib.sha256(POLICY_FILE.read_bytes()).hexdigest() == POLICY_SHA256


def test_policy_parses_into_introduction_and_seven_sections() -> None:
    sections = load_policy()
    assert [s.number for s in sections] == list(range(8))
    assert sections[3].title == "Chia sẻ thông tin cá nhân"
    assert sections[4].title == "Truy xuất thông tin cá nhân"  # trailing no-break space dropped
    assert sum(len(s.passages) for s in sections) == 29
    for section in sections:
        for index, passage in enumerate(section.passages, start=1):
            assert passage.id == f"s{section.number}.p{index}"
            assert passage.section == section.number
            assert not passage.text.startswith("•")


def test_bullets_under_a_lead_in_know_it() -> None:
    passages = {p.id: p for s in load_policy() for p in s.passages}
    assert passages["s1.p1"].is_lead_in
    assert passages["s1.p3"].lead_in_id == "s1.p1"
    assert passages["s5.p4"].lead_in_id == "s5.p2"
    assert passages["s3.p1"].lead_in_id is None


def test_shipped_data_passes_kb_check() -> None:
    assert check_knowledge() == []


def test_every_passage_has_english_text_and_titles(kb: KnowledgeBase) -> None:
    for pid in kb.passages:
        assert kb.passage_text(pid, "en")
    assert kb.title(0, "vi") == "Phần mở đầu"  # never "Mục 0"
    assert kb.section_label(0, "vi") == "Phần mở đầu"
    assert kb.section_label(3, "vi") == "Mục 3 – Chia sẻ thông tin cá nhân"
    assert kb.title(0, "en") == "Introduction"
    assert len(kb.section_titles("en")) == 8


def test_answers_quote_and_cite_the_section(kb: KnowledgeBase) -> None:
    found = kb.retrieve("shop có bán dữ liệu khách hàng cho bên khác không")
    assert found is not None and found.passage.section == 3
    answer = kb.answer(found.passage, "vi")
    lead, quoted = answer.split("\n\n")
    assert lead.startswith("Dạ, ") and lead.endswith("ạ.")  # our own words first
    assert quoted.startswith("Theo mục 3 – Chia sẻ thông tin cá nhân:\n“")
    assert f"“{found.passage.text}”" in quoted  # then the passage, verbatim, as a quote
    english = kb.answer(found.passage, "en")
    assert "\n\nAccording to section 3 – Sharing of personal information:\n“" in english


def test_a_lead_in_answer_lists_its_bullets(kb: KnowledgeBase) -> None:
    answer = kb.answer(kb.passages["s1.p1"], "vi")
    assert "Giải đáp thắc mắc khách hàng." in answer


def test_section_summary_covers_every_passage(kb: KnowledgeBase) -> None:
    summary = kb.section_summary(5, "en")
    assert summary is not None and "According to section 5" in summary
    assert all(kb.passage_text(p.id, "en") in summary for p in kb.sections[5].passages)
    assert kb.section_summary(9, "vi") is None


def test_build_is_fast(data_copy: Path) -> None:
    import time

    started = time.perf_counter()
    KnowledgeBase.build(data_copy)
    assert time.perf_counter() - started < 1.0


def test_changing_the_policy_changes_the_hash_and_rebuilds(data_copy: Path) -> None:
    first = load_knowledge_base(data_copy)
    assert load_knowledge_base(data_copy) is first
    policy = data_copy / "chinh-sach-bao-mat.vi.txt"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n\nMột đoạn mới.", encoding="utf-8")
    assert not first.is_current()
    second = load_knowledge_base(data_copy)
    assert second is not first
    assert second.content_hash != first.content_hash
    assert "s7.p3" in second.passages


def test_kb_check_reports_a_paraphrase_of_an_unknown_passage(data_copy: Path) -> None:
    path = data_copy / "paraphrases.vi.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n"s9.p1" = ["câu hỏi lạc đề"]\n', encoding="utf-8")
    assert any("unknown passage s9.p1" in p for p in check_knowledge(data_copy))


def test_kb_check_reports_a_paraphrase_under_two_passages(data_copy: Path) -> None:
    path = data_copy / "paraphrases.en.toml"
    text = path.read_text(encoding="utf-8").replace(
        '"s7.p2" = [', '"s7.p2" = [\n  "do you sell customer data",', 1
    )
    path.write_text(text, encoding="utf-8")
    assert any("under both s3.p1 and s7.p2" in p for p in check_knowledge(data_copy))


def test_kb_check_reports_missing_and_orphan_translations(data_copy: Path) -> None:
    path = data_copy / "policy.en.toml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith('"s4.p1"')]
    lines.append('"s8.p1" = "A passage that does not exist."')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = check_knowledge(data_copy)
    assert "passage s4.p1 has no English text" in problems
    assert "English text s8.p1 has no Vietnamese passage" in problems


def test_kb_check_reports_broken_toml(data_copy: Path) -> None:
    (data_copy / "paraphrases.vi.toml").write_text("this is = = not toml", encoding="utf-8")
    assert check_knowledge(data_copy)


def test_the_classifiers_preparation_is_reused_only_when_it_is_the_same() -> None:
    """Reusing the classifier's feature counts never changes a ranking; it happens when the two
    spellers correct a message alike and never when they do not."""
    from intents.catalogue import POLICY_QUESTION, load_catalogue
    from intents.classifier import IntentClassifier
    from intents.preparation import prepare

    kb = load_knowledge_base()
    classifier = IntentClassifier(load_catalogue(), extra_examples={POLICY_QUESTION: kb.all_paraphrases()})
    eval_file = Path(__file__).resolve().parents[1] / "data" / "understanding_eval.tsv"
    texts = [line.split("\t")[0] for line in eval_file.read_text(encoding="utf-8").splitlines()[1:]]
    texts += ["do you track which pages I visit", "shop co ban thong tin cua minh ko"]
    reused = 0
    for text in texts:
        theirs = classifier.prepare(text)
        ours = prepare(text, kb._speller, reuse=theirs)
        alone = prepare(text, kb._speller)
        assert (ours is theirs) == (alone.corrected == theirs.corrected)
        assert list(ours.counts.items()) == list(alone.counts.items())
        assert kb.search(text, 6, reuse=theirs) == kb.search(text, 6)
        reused += ours is theirs
    assert 0 < reused < len(texts)  # both paths are taken ("visit": the intents' speller says "visits")
