"""Typed values of the listing copywriter (agents/copy_*.py) and its tools
(tools/copy_tools.py): what a listing request asks for and the checked draft it gets.
Here, not in agents/, because the tool registry imports them and the agents package
imports the tool registry."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator


class MinedKeyword(BaseModel):
    """A term of similar real titles (agents/copy_keywords.py)."""
    term: str
    language: str           # en | de: the language of the titles it came from
    titles: int             # similar titles that use it
    score: float
    concept: str | None     # product | key:<option> | value:<option value>; None = not backed by store data


class MinedKeywords(BaseModel):
    product: str
    similar_titles: int
    sources: dict[str, int]
    supported: list[MinedKeyword]
    to_verify: list[MinedKeyword]


class LocalPrice(BaseModel):
    """The store's USD price range in the market's currency (agents/data/fx.yaml)."""
    currency: str
    low: float
    high: float
    text: str
    usd_low: float
    usd_high: float
    rate: float
    as_of: str
    source: str


FieldPath = Literal["template", "llm"]
Severity = Literal["error", "warning", "info"]


class DescribedProduct(BaseModel):
    """A product that is not in the store, described in the request."""
    name: str = Field(min_length=1, max_length=120)
    options: dict[str, list[str]] = Field(default_factory=dict, description="option name -> values (English)")
    price_usd: float | None = Field(None, gt=0)

    @field_validator("options")
    @classmethod
    def _non_empty(cls, options: dict[str, list[str]]) -> dict[str, list[str]]:
        return {k.strip(): [v.strip() for v in vals if v.strip()] for k, vals in options.items()
                if k.strip() and any(v.strip() for v in vals)}


class ListingRequest(BaseModel):
    """What to write: a store product (by id or name) or a described one, for a platform,
    market and language. Missing platform/market/language follow copy_markets.yaml."""
    product_id: str | None = Field(None, max_length=40)
    product_name: str | None = Field(None, max_length=120, description="a store product's name (English)")
    product: DescribedProduct | None = None
    platform: str | None = Field(None, max_length=20)
    market: str | None = Field(None, max_length=4)
    language: str | None = Field(None, max_length=5)
    brand: str | None = Field(None, max_length=60)
    voice_sample: str | None = Field(None, max_length=2000, description="a sample of the brand's own copy")
    polish_with_llm: bool = Field(True, description="let the LLM polish English text (when one is configured)")


class Finding(BaseModel):
    """One result of the compliance check, shown next to the field it is about."""
    field: str                    # title | bullets[2] | description | keywords | voice_sample | listing
    rule: str                     # e.g. title.max, banned_claim:superlative_best
    severity: Severity
    message: str
    excerpt: str = ""
    action: str = ""              # what the copywriter did about it: removed | shortened | ""
    source: str = ""              # the data or document the rule comes from


class DraftField(BaseModel):
    text: str
    path: FieldPath = "template"      # which path produced the text
    note: str = ""                # e.g. why an LLM polish was discarded


class KeywordReport(BaseModel):
    similar_titles: int = 0
    sources: dict[str, int] = Field(default_factory=dict)
    mined: list[MinedKeyword] = Field(default_factory=list, description="top supported mined keywords")
    to_verify: list[str] = Field(default_factory=list, description="frequent in similar titles, not backed by "
                                 "store data: check before using")
    coverage: float | None = Field(None, description="share of the mined keywords present in the draft")
    title_coverage: float | None = Field(None, description="share of the mined keywords present in the title")
    covered: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)


class VoiceUse(BaseModel):
    """How a brand-voice sample was used."""
    style: str                          # casual | neutral: the template register
    language: str | None = None         # the sample's language
    sentences: list[str] = Field(default_factory=list, description="its sentences used in the listing (checked)")
    tone_only: bool = False             # the sample is in another language: only its tone is used


class ListingDraft(BaseModel):
    product_id: str | None
    product_name: str
    platform: str
    market: str
    language: str
    title: DraftField
    bullets: list[DraftField]
    description: DraftField
    keywords: list[str]
    keywords_field: str = Field(description="backend | tags | none (suggestions only: the platform has no field)")
    price: LocalPrice | None = None
    attributes: dict[str, list[str]] = Field(default_factory=dict, description="the product's options in English, "
                                             "as the store has them")
    limits: dict = Field(description="the platform limits used, with their source")
    findings: list[Finding] = Field(default_factory=list)
    passed: bool = Field(description="no error finding: the draft respects the limits and its market's checks")
    checker: str = Field(description="which compliance check ran")
    keyword_report: KeywordReport = Field(default_factory=KeywordReport)
    untranslated: list[str] = Field(default_factory=list, description="terms left in English (no glossary entry)")
    voice: VoiceUse | None = None
    notes: list[str] = Field(default_factory=list)
    assumed: list[str] = Field(default_factory=list, description="what the request did not say and was defaulted")
    llm_calls: int = 0

    def text_fields(self) -> dict[str, str]:
        """Field name -> text, as the compliance check reads them."""
        out = {"title": self.title.text, "description": self.description.text, "keywords": " ".join(self.keywords)}
        out.update({f"bullets[{i}]": b.text for i, b in enumerate(self.bullets)})
        return out


class ListingProblem(BaseModel):
    """A request the copywriter cannot serve, with the reason code and the choices that exist."""
    code: Literal["unknown_product", "ambiguous_product", "unsupported_market", "unsupported_platform",
                  "unsupported_language", "platform_market"]
    message: str
    choices: list[str] = Field(default_factory=list)
    platform: str | None = None         # platform_market: the platform asked for
