"""Text-model tools: review mining (sentiment, aspects, pain points) and product
categorisation (PriceRunner category and the compliance-relevant product kinds).

Models come from ``ctx.deps.reviews`` / ``ctx.deps.categories`` when the deps carry them,
else they are loaded once from ``settings.models_dir``; a model that was never trained is
a typed ``unavailable`` failure that names the command to run (tools never train)."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from ml.categories import ProductCategory
from ml.product_kinds import kind_labels, rules_for
from ml.review_aspects import ReviewAnalysis, analyze_reviews
from ml.review_insights import (
    MAX_REVIEWS,
    ReviewInputError,
    ReviewSummary,
    clean_texts,
    parse_reviews_csv,
    summarize_analyses,
)
from tools.base import ToolContext, ToolFailure, tool, trained_model

MAX_CSV_CHARS = 5_000_000
MAX_REVIEWS_RETURNED = 200


class ReviewInsightsIn(BaseModel):
    texts: list[Annotated[str, Field(max_length=20_000)]] | None = Field(
        None, max_length=MAX_REVIEWS, description="the reviews, one text each")
    csv_text: str | None = Field(None, max_length=MAX_CSV_CHARS,
                                 description="or a CSV with a header row and one review a row")
    text_column: str | None = Field(None, max_length=100, description="the CSV column holding the review text "
                                    "(default: text, review, comment, body, ...)")
    top: int = Field(5, ge=1, le=13, description="aspects listed as pain points and as praise")
    examples: int = Field(3, ge=0, le=10, description="quotes per aspect")
    include_reviews: bool = Field(False, description=f"also return each review's analysis (first "
                                  f"{MAX_REVIEWS_RETURNED})")

    @model_validator(mode="after")
    def _one_source(self):
        if (self.texts is None) == (self.csv_text is None):
            raise ValueError("give exactly one of texts or csv_text")
        return self


class ReviewInsightsOut(BaseModel):
    summary: ReviewSummary
    reviews: list[ReviewAnalysis] = Field(default_factory=list)


class ProductIn(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    details: str = Field("", max_length=2000, description="attributes or a short description; adds keyword "
                         "evidence for product kinds only")


class CategorizeIn(BaseModel):
    products: list[ProductIn] = Field(min_length=1, max_length=1000)
    include_rules: bool = Field(True, description="return the indicative rules of every kind found")


class CategorizeOut(BaseModel):
    products: list[ProductCategory]
    rules: dict[str, list[str]] = Field(default_factory=dict, description="kind -> indicative rules (EU, UK, US)")
    kind_labels: dict[str, str] = Field(default_factory=dict)
    note: str = ("Categories are PriceRunner's 10 (electronics and large appliances); category is null for "
                 "anything else. Rules are indicative, not legal advice: check the current text per market.")


@tool("review_insights", ReviewInsightsIn, ReviewInsightsOut, agents=("selection", "copywriter"))
def review_insights(ctx: ToolContext, a: ReviewInsightsIn) -> ReviewInsightsOut:
    """Mine customer reviews (given as a list of texts or as CSV text; en, de, fr, es, zh,
    ja): positive/negative counts, the aspects customers complain about most (pain points:
    quality, size/fit, shipping, price, battery, customer service, ...) and praise most,
    each with counts and quotes, and the words typical of negative and positive reviews."""
    try:
        if a.csv_text is not None:
            texts, skipped = parse_reviews_csv(a.csv_text, a.text_column)
        else:
            texts, skipped = clean_texts(a.texts or [])
    except ReviewInputError as e:
        raise ToolFailure(str(e), "invalid") from None
    analyses = analyze_reviews(trained_model(ctx, "reviews"), texts)
    summary = summarize_analyses(analyses, skipped=skipped, top=a.top, examples=a.examples)
    return ReviewInsightsOut(summary=summary,
                             reviews=analyses[:MAX_REVIEWS_RETURNED] if a.include_reviews else [])


@tool("categorize_products", CategorizeIn, CategorizeOut, agents=("compliance", "selection", "copywriter"))
def categorize_products(ctx: ToolContext, a: CategorizeIn) -> CategorizeOut:
    """Categorise product titles: the PriceRunner category when one of its 10 fits (phones,
    CPUs, cameras, TVs, fridges, freezers, fridge-freezers, dishwashers, washing machines,
    microwaves; else null), and the compliance-relevant product kinds (electrical,
    radio, batteries, textiles, footwear, toys, cosmetics, food contact, PPE, ...) with
    the evidence for each and, optionally, their indicative rules."""
    model = trained_model(ctx, "categories")
    results = model.categorize([p.title for p in a.products], [p.details for p in a.products])
    kinds = list(dict.fromkeys(k for r in results for k in (*r.kinds, *r.maybe_kinds)))
    labels = kind_labels()
    return CategorizeOut(products=results, rules=rules_for(kinds) if a.include_rules else {},
                         kind_labels={k: labels[k] for k in kinds})


TEXT_ML_TOOLS = [review_insights, categorize_products]
