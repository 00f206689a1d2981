"""Approved support answers become FAQ entries (under the data dir, not the repo) that
the next search finds, with PII redacted."""
from datetime import date

from vectorstore.faq import add_faq


def test_approved_answer_becomes_searchable_faq(loaded_kb, tmp_path):
    folder = tmp_path / "var" / "kb" / "learned"
    learned = add_faq(loaded_kb, folder, "Can I ship lithium batteries to Japan by air?",
                      "Only when installed in the device, under 100 Wh, and declared to the carrier. "
                      "Ask jane.doe@example.com for the carrier form.",
                      source_thread_id="thread-42", approved_by="operator:li", markets=["JP"],
                      topics=["shipping"], today=date(2026, 11, 23))
    assert learned.report.counts() == {"added": 1, "updated": 0, "deleted": 0, "unchanged": 0}
    assert learned.redacted == ["EMAIL"] and learned.chunk_ids == [f"{learned.doc_id}#{learned.chunk_ids[0].split('#')[1]}"]
    text = (folder / f"{learned.doc_id}.md").read_text(encoding="utf-8")
    assert "jane.doe@example.com" not in text and "source_thread_id: thread-42" in text
    assert "approved_by: operator:li" in text and "updated: '2026-11-23'" in text

    hits = loaded_kb.search("日本に空輸でリチウム電池を送れますか？", k=3, market="JP")
    assert hits[0].doc_id == learned.doc_id and "faq" in hits[0].topics
    # the corpus scope is untouched, and the same question again overwrites (updates) the entry
    assert loaded_kb.count() == 14
    again = add_faq(loaded_kb, folder, "Can I ship lithium batteries to Japan by air?", "Yes, within limits.",
                    source_thread_id="thread-43", approved_by="operator:li", markets=["JP"])
    assert again.doc_id == learned.doc_id and again.report.counts()["updated"] == 1 and loaded_kb.count() == 14


def test_add_faq_from_settings_writes_under_the_data_dir(tmp_path):
    from chuhai.settings import Settings
    from vectorstore.kb import KnowledgeBase

    kb = KnowledgeBase.from_settings(Settings(data_dir=tmp_path / "var"))
    learned = kb.add_faq("Do you gift-wrap orders?", "Yes, for 3 euros per item; choose it at checkout.",
                         source_thread_id="t-9", approved_by="operator:ana")
    assert learned.path == str(tmp_path / "var" / "kb" / "learned" / f"{learned.doc_id}.md")
    assert kb.search("Verpackt ihr Geschenke?", k=1)[0].doc_id == learned.doc_id
