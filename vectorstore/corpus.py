"""Markdown corpus -> chunks.

A document is a Markdown file with YAML front matter (id, title, markets, topics,
language, sources, updated) and `##` sections, each written to stand alone. One chunk per
section keeps a citation pointing at a heading a person can find; a section longer than
`max_words` is split on sentence boundaries with an overlap so no fact is cut in half.
Chunk ids are `doc_id#section-slug` (later parts of a split section `...~2`), stable
across edits elsewhere in the file, which makes re-ingestion incremental.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_H2 = re.compile(r"^##\s+(.+?)\s*#*\s*$", re.M)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_SENT = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])|\n{2,}")


class Chunk(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str  # the section body (what a citation quotes)
    markets: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    language: str = "en"
    source: str  # file path relative to the ingested root (e.g. "eu-vat-oss.md")
    doc_sources: list[str] = Field(default_factory=list)  # the document's own references
    updated: str = ""

    @property
    def embed_text(self) -> str:
        """What is embedded and keyword-indexed: headings give a short section its topic."""
        return f"{self.title}. {self.section}.\n{self.text}"

    @property
    def content_hash(self) -> str:
        key = "\x1f".join([self.embed_text, ",".join(self.markets), ",".join(self.topics), self.language,
                           self.source, "|".join(self.doc_sources), self.updated])
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class CorpusError(ValueError):
    """A corpus file that cannot be chunked (says which file and why)."""


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[^\w]+", "-", text).strip("-_") or "section"


def word_count(text: str) -> int:
    """Words in European scripts plus CJK characters / 2 (about one word per two)."""
    cjk = len(_CJK.findall(text))
    return len(re.findall(r"[^\W_]+", _CJK.sub(" ", text))) + (cjk + 1) // 2


def _join(sents: list[str]) -> str:
    out = ""
    for s in sents:
        out += ("" if not out or out[-1] in "。！？" else " ") + s
    return out


def split_long(text: str, max_words: int = 350, overlap: int = 50) -> list[str]:
    """Greedy sentence packing; each part after the first repeats ~`overlap` words."""
    if word_count(text) <= max_words:
        return [text]
    sents = [s.strip() for s in _SENT.split(text) if s and s.strip()]
    parts, cur = [], []
    for s in sents:
        if cur and word_count(_join(cur + [s])) > max_words:
            parts.append(_join(cur))
            tail: list[str] = []
            for prev in reversed(cur):
                if word_count(_join([prev] + tail)) > overlap:
                    break
                tail.insert(0, prev)
            cur = tail
        cur.append(s)
    if cur:
        parts.append(_join(cur))
    return parts


def _as_list(v) -> list[str]:
    if v is None:
        return []
    return [str(x).strip() for x in (v if isinstance(v, list) else [v]) if str(x).strip()]


def parse_document(text: str, source: str, max_words: int = 350, overlap: int = 50) -> list[Chunk]:
    m = _FRONT.match(text)
    if not m:
        raise CorpusError(f"{source}: no YAML front matter")
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as e:
        raise CorpusError(f"{source}: bad front matter: {e}") from None
    doc_id = str(meta.get("id") or "").strip()
    if not doc_id:
        raise CorpusError(f"{source}: front matter has no id")
    body = text[m.end():]
    heads = list(_H2.finditer(body))
    if not heads:
        raise CorpusError(f"{source}: no '## ' sections")
    common = dict(doc_id=doc_id, title=str(meta.get("title") or doc_id).strip(),
                  markets=[x.upper() for x in _as_list(meta.get("markets"))],
                  topics=[x.lower() for x in _as_list(meta.get("topics"))],
                  language=str(meta.get("language") or "en"), source=source,
                  doc_sources=_as_list(meta.get("sources")), updated=str(meta.get("updated") or ""))
    chunks, seen = [], {}
    for i, h in enumerate(heads):
        section = h.group(1).strip()
        content = body[h.end(): heads[i + 1].start() if i + 1 < len(heads) else len(body)]
        content = re.sub(r"(?<!\n)[ \t]*\n[ \t]*(?![\n\-*|>]|\d+[.)] )", " ", content.strip())  # unwrap lines, keep lists
        content = re.sub(r"\n{2,}", "\n\n", content)
        if not content:
            continue
        slug = slugify(section)
        seen[slug] = seen.get(slug, 0) + 1
        if seen[slug] > 1:
            slug = f"{slug}-{seen[slug]}"
        for n, part in enumerate(split_long(content, max_words, overlap), start=1):
            cid = f"{doc_id}#{slug}" + (f"~{n}" if n > 1 else "")
            chunks.append(Chunk(chunk_id=cid, section=section, text=part, **common))
    return chunks


def load_corpus(root: Path, max_words: int = 350, overlap: int = 50) -> tuple[list[Chunk], list[str]]:
    """All chunks under `root` (*.md, recursively; README.md and files starting with `_`
    are not documents) and the problems found. A duplicate doc id keeps the first file."""
    chunks, problems, owner = [], [], {}
    for path in sorted(root.rglob("*.md")):
        rel = path.relative_to(root).as_posix()
        if path.name.lower() == "readme.md" or path.name.startswith("_"):
            continue
        try:
            doc = parse_document(path.read_text(encoding="utf-8"), rel, max_words, overlap)
        except (CorpusError, UnicodeDecodeError) as e:
            problems.append(str(e))
            continue
        if doc and doc[0].doc_id in owner:
            problems.append(f"{rel}: duplicate id {doc[0].doc_id!r} (already in {owner[doc[0].doc_id]}); skipped")
            continue
        if doc:
            owner[doc[0].doc_id] = rel
        chunks.extend(doc)
    return chunks, problems
