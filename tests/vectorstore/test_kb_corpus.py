"""Markdown -> chunks: front matter, one chunk per `##` section, stable ids, long
sections split with overlap, problems reported per file."""
from vectorstore.corpus import load_corpus, parse_document, split_long, word_count

DOC = """---
id: demo-doc
title: Demo
markets: [de, EU]
topics: [VAT]
language: en
sources: ["A law"]
updated: 2025-01-01
---

# Demo

Intro text that belongs to no section.

## First section

Line one
continues here.

- a list item
- another

## Zweite Sektion: Ümläute

Kurzer Text.

## First section

Same heading again.
"""


def test_sections_become_chunks_with_stable_ids_and_metadata():
    chunks = parse_document(DOC, "demo.md")
    assert [c.chunk_id for c in chunks] == ["demo-doc#first-section", "demo-doc#zweite-sektion-ümläute",
                                            "demo-doc#first-section-2"]
    first = chunks[0]
    assert first.markets == ["DE", "EU"] and first.topics == ["vat"] and first.source == "demo.md"
    assert first.text == "Line one continues here.\n\n- a list item\n- another"
    assert "Demo. First section." in first.embed_text
    # an edit in one section changes only that chunk's hash
    edited = parse_document(DOC.replace("Kurzer Text.", "Längerer Text."), "demo.md")
    assert [a.content_hash == b.content_hash for a, b in zip(chunks, edited)] == [True, False, True]


def test_long_sections_are_split_with_overlap():
    text = " ".join(f"Sentence number {i} says something useful here." for i in range(120))
    parts = split_long(text, max_words=100, overlap=20)
    assert len(parts) > 1 and all(word_count(p) <= 100 for p in parts)
    assert parts[1].split(". ")[0] in parts[0]  # the next part starts inside the previous one
    cjk = "。".join(f"这是第{i}句话包含一些中文内容" for i in range(80))
    assert len(split_long(cjk, max_words=100, overlap=20)) > 1
    body = DOC.split("## Zweite")[0] + "## Long one\n\n" + text + "\n"
    ids = [c.chunk_id for c in parse_document(body, "x.md", max_words=100, overlap=20)]
    assert ids[:3] == ["demo-doc#first-section", "demo-doc#long-one", "demo-doc#long-one~2"]


def test_bad_files_are_reported_not_fatal(tmp_path):
    (tmp_path / "ok.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "no_front.md").write_text("## A\n\ntext\n", encoding="utf-8")
    (tmp_path / "dup.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "README.md").write_text("# not a document\n", encoding="utf-8")
    chunks, problems = load_corpus(tmp_path)
    assert {c.source for c in chunks} == {"dup.md"}  # sorted: dup.md comes first, ok.md is the duplicate
    assert any("no_front.md" in p for p in problems) and any("duplicate id" in p for p in problems)
