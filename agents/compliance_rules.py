"""The compliance rule book: rules per market kept as data (agents/data/compliance_rules.yaml)
and the detectors they name (agents/data/compliance_terms.yaml), loaded once, checked and
compiled.

A detector finds something in a listing's text: a product kind ("electrical_electronic",
"toys"), banned content (superlatives, disease claims) or required evidence ("CE",
"WEEE-Reg.-Nr. DE 12345678", a choking-hazard warning). Words come in six languages plus
Italian; the English product-kind keywords of ``ml/data/product_kinds.json`` and the
banned-claim patterns of ``guards/claims.py`` are reused, not copied. Every rule cites a
section of the knowledge-base corpus (``vectorstore/corpus``): ``RuleBook.citation``
returns it, and loading fails on a citation that does not resolve.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from tools.compliance_schemas import Citation

DATA = Path(__file__).resolve().parent / "data"
RULES_FILE, TERMS_FILE = DATA / "compliance_rules.yaml", DATA / "compliance_terms.yaml"
CORPUS = Path(__file__).resolve().parent.parent / "vectorstore" / "corpus"
SEVERITIES = ("high", "medium", "low")
_LATIN = r"0-9a-zà-ÿßœæ"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
# where a title's first phrase ends: punctuation, dashes, "with/mit/avec/con/带/付き", or a space in CJK text
_HEAD_SPLIT = re.compile(r"\s*[,;|(（【\[/]\s*|\s+[-–—]\s+|\s+(?:with|mit|avec|con|w/)\s+|带|付き"
                         r"|(?<=[\u3040-\u30ff\u3400-\u9fff])\s+")


class RuleDataError(ValueError):
    """The rule data is inconsistent (names the rule or detector and what is wrong)."""


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def term_regex(term: str) -> str:
    """One term of the terms syntax (see compliance_terms.yaml) as a regular expression."""
    term = normalize(term).lower().strip()
    if term.startswith("~"):
        return re.escape(term[1:])
    if _CJK.search(term):
        return re.escape(term)
    stem = term.endswith("*")
    body = re.escape(term.rstrip("*")).replace(r"\ ", r"[\s-]+")
    tail = rf"[{_LATIN}]*" if stem else rf"(?:s|es|e|en|n)?(?![{_LATIN}])"
    return rf"(?<![{_LATIN}]){body}{tail}"


def _alternation(parts: list[str], flags: int = 0) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in parts), flags) if parts else None


class Detector(BaseModel):
    name: str
    about: str = ""
    always: bool = False
    product_kinds: bool = False
    terms: list[str] = Field(default_factory=list)
    veto: list[str] = Field(default_factory=list)   # terms that stop the detector (a French press is not electric)
    veto_accessory: bool = False  # does not fire on an accessory (the title's first phrase ends "stand", "case", ...)
    patterns: list[str] = Field(default_factory=list)
    exact: list[str] = Field(default_factory=list)
    claims: list[str] = Field(default_factory=list)

    model_config = {"arbitrary_types_allowed": True}

    @cached_property
    def _folded(self) -> re.Pattern | None:
        return _alternation([term_regex(t) for t in self.terms] + self.patterns)

    @cached_property
    def _exact(self) -> re.Pattern | None:
        return _alternation(self.exact)

    @cached_property
    def _veto(self) -> re.Pattern | None:
        return _alternation([term_regex(t) for t in self.veto])

    def find(self, folded: str, raw: str, kinds: dict[str, list[str]], claims: dict[str, list[str]],
             accessory: bool = False) -> list[str]:
        """What this detector found (matched words, at most 3), or [] when it does not fire.
        ``folded`` is the lower-cased text, ``raw`` the NFKC text, ``kinds`` the product
        kinds of ml.product_kinds, ``claims`` the banned-claim ids found, with their text,
        and ``accessory`` whether the listing is for an accessory."""
        if (self.veto_accessory and accessory) or (self._veto is not None and self._veto.search(folded)):
            return []
        if self.always:
            return ["every consumer product"]
        found: list[str] = []
        if self.product_kinds:
            found.extend(kinds.get(self.name, []))
        for cid in self.claims:
            found.extend(claims.get(cid, []))
        for rx, text in ((self._folded, folded), (self._exact, raw)):
            if rx is not None and len(found) < 3:
                found.extend(m.group(0).strip() for m in rx.finditer(text) if m.group(0).strip())
        first: dict[str, str] = {}
        for w in found:  # one entry per word, in its first spelling
            first.setdefault(w.lower(), w)
        return list(first.values())[:3]


class Rule(BaseModel):
    id: str
    family: str
    market: str
    severity: Literal["high", "medium", "low"]
    title: str
    when: list[str] = Field(default_factory=list)
    and_when: list[str] = Field(default_factory=list)
    unless: list[str] = Field(default_factory=list)
    forbid: list[str] = Field(default_factory=list)
    exempt_if: list[str] = Field(default_factory=list)
    require: list[str] = Field(default_factory=list)
    need: str
    fix: str
    citation: str

    @property
    def kind(self) -> str:
        return "forbid" if self.forbid else "require"


class DataRule(BaseModel):
    """A data-handling rule: personal data of ``kinds`` stored where it should not be."""

    id: str
    kinds: list[str] = Field(default_factory=list)
    severity: Literal["high", "medium", "low"]
    title: str
    fix: str
    citation: str


class RuleBook:
    """Rules per market, their detectors and citations. Build with ``rule_book()``."""

    def __init__(self, rules_data: dict, terms_data: dict, corpus: dict[str, Citation]):
        self.families: dict[str, str] = dict(rules_data["families"])
        self.markets: dict[str, dict] = {k: dict(v or {}) for k, v in rules_data["markets"].items()}
        self.detectors = {name: Detector(name=name, **(spec or {})) for name, spec in terms_data["detectors"].items()}
        self.kind_ignored_attributes = {a.lower() for a in terms_data.get("kind_ignored_attributes", [])}
        self.accessory = _alternation(terms_data.get("accessory_phrases", []), re.I)
        self.accessory_keep = _alternation([term_regex(t) for t in terms_data.get("accessory_keep", [])])
        heads = sorted({normalize(h).lower() for h in terms_data.get("accessory_heads", [])}, key=len, reverse=True)
        self.accessory_head = re.compile("(?:" + "|".join(
            re.escape(h) if _CJK.search(h) else rf"(?<![{_LATIN}]){re.escape(h)}(?:s|es)?" for h in heads) + r")$") \
            if heads else None
        self.rules = [r for spec in rules_data["rules"] for r in _expand(spec)]
        self.data_rules = {d["id"]: DataRule(**d) for d in rules_data.get("data_handling", [])}
        self._citations = corpus
        self._check()
        self.by_market = {m: [r for r in self.rules if r.market == m] for m in self.markets}

    def _check(self) -> None:
        seen: set[tuple[str, str]] = set()
        for r in self.rules:
            where = f"rule {r.id} ({r.market})"
            if (r.id, r.market) in seen:
                raise RuleDataError(f"{where}: duplicate id for this market")
            seen.add((r.id, r.market))
            if r.family not in self.families:
                raise RuleDataError(f"{where}: unknown family {r.family!r}")
            if r.market not in self.markets:
                raise RuleDataError(f"{where}: unknown market {r.market!r}")
            if bool(r.forbid) == bool(r.require):
                raise RuleDataError(f"{where}: give exactly one of forbid and require")
            for name in (*r.when, *r.and_when, *r.unless, *r.forbid, *r.exempt_if, *r.require):
                if name not in self.detectors:
                    raise RuleDataError(f"{where}: unknown detector {name!r}")
            if r.citation not in self._citations:
                raise RuleDataError(f"{where}: citation {r.citation!r} is not a chunk of {CORPUS}")
        for d in self.data_rules.values():
            if d.citation not in self._citations:
                raise RuleDataError(f"data rule {d.id}: citation {d.citation!r} is not a chunk of {CORPUS}")
        known = known_claim_ids()
        for d in self.detectors.values():
            try:
                d._folded, d._exact, d._veto  # noqa: B018 - compile now: a bad pattern fails at load
            except re.error as e:
                raise RuleDataError(f"detector {d.name}: bad pattern ({e})") from None
            if set(d.claims) - known:
                raise RuleDataError(f"detector {d.name}: unknown claim ids {sorted(set(d.claims) - known)}")

    def cut_accessories(self, text: str) -> str:
        """``text`` without accessory phrases ("for laptops", "水壶用"); phrases naming people
        ("for kids", "キッズ用") stay."""
        if self.accessory is None:
            return text

        def cut(m: re.Match) -> str:
            keep = self.accessory_keep is not None and self.accessory_keep.search(m.group(0).lower())
            return m.group(0) if keep else " "
        return self.accessory.sub(cut, text)

    def is_accessory(self, title: str) -> bool:
        """Whether the title's first phrase ("Laptop Stand, aluminium", "笔记本电脑支架 铝合金")
        ends with an accessory noun."""
        if self.accessory_head is None:
            return False
        head = _HEAD_SPLIT.split(normalize(title).lower().strip(), maxsplit=1)[0].strip()
        return bool(self.accessory_head.search(head))

    def citation(self, chunk_id: str) -> Citation:
        return self._citations[chunk_id]

    def rules_for(self, market: str) -> list[Rule]:
        return self.by_market.get(market, [])

    def market_name(self, market: str) -> str:
        return self.markets.get(market, {}).get("name", market)


def known_claim_ids() -> set[str]:
    """The claim ids of guards/data/banned_claims.json."""
    import json
    from importlib.resources import files

    data = json.loads((files("guards") / "data" / "banned_claims.json").read_text(encoding="utf-8"))
    return {c["id"] for items in data["claims"].values() for c in items}


def _expand(spec: dict) -> list[Rule]:
    """A rule spec with a market list -> one Rule per market, same id; with a mapping of
    market -> overrides -> one Rule per market, id '<id>-<market>' unless given."""
    spec = dict(spec)
    markets = spec.pop("markets", None)
    if not markets:
        raise RuleDataError(f"rule {spec.get('id')}: no markets")
    if isinstance(markets, list):
        return [Rule(market=m, **spec) for m in markets]
    out = []
    for market, over in markets.items():
        over = dict(over or {})
        out.append(Rule(**{**spec, "id": over.pop("id", f"{spec['id']}-{market}"), "market": market, **over}))
    return out


def load_corpus_citations(root: Path = CORPUS) -> dict[str, Citation]:
    from vectorstore.corpus import load_corpus

    chunks, _ = load_corpus(root)
    return {c.chunk_id: Citation(doc_id=c.doc_id, title=c.title, section=c.section, source=c.source,
                                 chunk_id=c.chunk_id, text=c.text) for c in chunks}


@lru_cache(maxsize=4)
def rule_book(rules_file: Path = RULES_FILE, terms_file: Path = TERMS_FILE) -> RuleBook:
    """The rule book (cached per process). Raises RuleDataError on inconsistent data."""
    def read(path: Path) -> dict:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))

    return RuleBook(read(rules_file), read(terms_file), load_corpus_citations())


__all__ = ["Citation", "DataRule", "Detector", "Rule", "RuleBook", "RuleDataError", "normalize", "rule_book",
           "term_regex", "SEVERITIES"]
