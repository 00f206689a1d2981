"""Typed inputs and outputs of the compliance auditor (agents/compliance_*.py) and its
tools (tools/compliance_tools.py). Kept here, free of agent imports, so the tool registry
can load them without importing the agents package (which imports the tool registry)."""
from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

AttributeValue = str | int | float | bool | list[str]


class Citation(BaseModel):
    """The knowledge-base section a rule relies on (vectorstore.citations format)."""

    doc_id: str
    title: str
    section: str
    source: str
    chunk_id: str
    text: str


class Listing(BaseModel):
    """What a marketplace shows before purchase. A store product has no listing text of
    its own: agents/compliance_store.py builds one from the product name and the variant's
    options (or takes the copywriter's published listing, store/listings.py)."""

    title: str = Field(min_length=1, max_length=500)
    bullets: list[str] = Field(default_factory=list, max_length=30)
    description: str = Field("", max_length=20_000)
    keywords: list[str] = Field(default_factory=list, max_length=100)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    market: str | None = Field(None, description="market code it is written for (US, EU, DE, FR, ES, IT, UK, JP, CN)")
    language: str | None = None
    product_id: str | None = None
    item_id: str | None = Field(None, description="the variant (store item id)")
    source: str = Field("given", description="given | store_options | published vN")

    @field_validator("bullets", "keywords")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        return [x for x in v if x and x.strip()]

    def attribute_lines(self, skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
        out = []
        for key, value in self.attributes.items():
            if key.lower().replace("_", " ") in skip or key.lower() in skip:
                continue
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            out.append(f"{key}: {shown}")
        return out


class Finding(BaseModel):
    rule_id: str
    family: str
    severity: str
    market: str
    title: str
    found: list[str] = Field(description="what triggered the rule: banned words, or the product kind that needs it")
    missing: str | None = Field(None, description="the evidence the listing lacks (required rules)")
    fix: str
    need: str = Field(description="key of the localised fix sentence (prompts/compliance/<lang>.json)")
    citation: str = Field(description="knowledge-base chunk id")


class AuditReport(BaseModel):
    market: str
    title: str
    product_id: str | None = None
    item_id: str | None = None
    source: str = "given"
    kinds: list[str] = Field(default_factory=list, description="product kinds found (what triggers required rules)")
    rules_checked: int
    findings: list[Finding]
    citations: dict[str, Citation] = Field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def families(self) -> list[str]:
        return sorted({f.family for f in self.findings})


class RuleInfo(BaseModel):
    family: str
    severity: str
    title: str
    need: str
    fix: str
    citation: str


class ProductAudit(BaseModel):
    product_id: str
    name: str
    variants: int
    published: list[str] = Field(default_factory=list, description="markets audited from a published listing")
    failing: dict[str, dict[str, int]] = Field(default_factory=dict,
                                               description="market -> rule id -> variants it fires on (markets "
                                                           "without findings are left out)")


class StoreAudit(BaseModel):
    markets: list[str]
    products: int
    variants: int
    audits: int = Field(description="variant x market audits")
    failing_audits: int
    findings: int
    by_family: dict[str, int]
    by_severity: dict[str, int]
    by_market: dict[str, int] = Field(description="findings per market")
    product_audits: list[ProductAudit]
    rules: dict[str, RuleInfo] = Field(default_factory=dict, description="every rule that fired")
    citations: dict[str, Citation] = Field(default_factory=dict)
    elapsed_s: float


class PiiFinding(BaseModel):
    rule_id: str
    severity: str
    title: str
    location: str = Field(description="table.column, or knowledge_base.learned_faq")
    record: str = Field(description="which row or file")
    kind: str
    masked: str = Field(description="the value, masked: never shown in full")
    fix: str
    citation: str


class PiiScan(BaseModel):
    fields_scanned: int
    files_scanned: int
    findings: list[PiiFinding]
    total_findings: int
    truncated: bool = False
    by_location: dict[str, int] = Field(default_factory=dict)
    by_kind: dict[str, int] = Field(default_factory=dict)
    citations: dict[str, Citation] = Field(default_factory=dict)
    elapsed_s: float
