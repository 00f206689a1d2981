"""evals/datasets/pricing_requests.jsonl is well-formed: loadable, six languages, every
case routed to pricing with tags the pricing suite understands."""
from __future__ import annotations

import typing

from agents.pricing import PricingResult
from evals.pricing_suite import load
from tools.pricing_schemas import PriceRecommendation

KINDS = set(typing.get_args(PricingResult.model_fields["kind"].annotation))
STATUSES = set(typing.get_args(PriceRecommendation.model_fields["status"].annotation))


def test_cases_and_tags(shared_data):
    cases = load(shared_data)
    assert len(cases) == 67 and {c.lang for c in cases} == {"en", "zh", "es", "de", "fr", "ja"}
    for c in cases:
        tags = dict(t.split(":", 1) if ":" in t else (t, "") for t in c.tags)
        assert c.expected_route == ["pricing"] and c.channel == "operator", c.id
        assert tags["kind"] in KINDS, c.id
        assert tags.get("status", "recommended") in STATUSES, c.id
        assert tags.get("proposal", "no") in ("yes", "no"), c.id
        assert "approve" not in tags or tags.get("proposal") == "yes", c.id
    kinds = {dict(t.split(":", 1) for t in c.tags if ":" in t)["kind"] for c in cases}
    assert {"unknown_product", "unknown_market", "unknown_currency", "no_rates", "batch", "landed_cost"} <= kinds
