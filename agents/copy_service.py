"""A listing request -> a checked draft (or a typed problem): resolve the product, platform,
market and language (defaults from agents/data/copy_markets.yaml, each one reported), read
the brand voice, mine keywords, compose from templates, let the LLM polish English text
where it may, and run the compliance check (agents/copy_check.check_listing) last."""
from __future__ import annotations

from itertools import product
from pathlib import Path

from agents import copy_data as data
from agents.copy_check import CHECKER, check_listing, description_text, measure
from agents.copy_compose import Facts, compose, fit_description, ordered
from agents.copy_keywords import mine
from agents.copy_llm import polish
from agents.copy_voice import read_voice
from ml.product_kinds import kinds_for_product
from tools.copy_schemas import ListingDraft, ListingProblem, ListingRequest, VoiceUse

MARKET_ALIASES = {"GB": "UK", "USA": "US", "JA": "JP", "ZH": "CN"}


def resolve_target(req: ListingRequest) -> tuple[str, str, str, list[str]] | ListingProblem:
    """(platform, market, language, what was assumed) or the reason it cannot be served."""
    markets, mf = data.markets(), data.markets_file()
    language = (req.language or "").strip().lower() or None
    if language and language not in data.LANGUAGES:
        return ListingProblem(code="unsupported_language", message=f"unsupported language {language!r}",
                              choices=list(data.LANGUAGES))
    platform = (req.platform or "").strip().lower() or None
    if platform and platform not in data.platforms():
        return ListingProblem(code="unsupported_platform", message=f"unsupported platform {platform!r}",
                              choices=data.platforms())
    market = (req.market or "").strip().upper() or None
    market = MARKET_ALIASES.get(market, market) if market else None
    if market and market not in markets:
        return ListingProblem(code="unsupported_market", message=f"unsupported market {market!r}",
                              choices=list(markets))
    assumed = []
    if market is None:
        by_language = mf["market_for_language"].get(language) if language else None
        if platform:
            ok = by_language in data.platform(platform).markets
            market = by_language if ok else mf["default_market"][platform]
        else:
            market = by_language or "US"
        assumed.append("market")
    if platform is None:
        platform = mf["default_platform"][market]
        assumed.append("platform")
    if market not in data.platform(platform).markets:
        return ListingProblem(code="platform_market", message=market, platform=platform,
                              choices=data.platform(platform).markets)
    if language is None:
        language = markets[market]["language"]
        assumed.append("language")
    return platform, market, language, assumed


def store_facts(product: dict) -> Facts:
    variants = list(product["variants"].values())
    options: dict[str, list[str]] = {}
    for v in variants:
        for k, val in v["options"].items():
            if val not in options.setdefault(k, []):
                options[k].append(val)
    available = [v for v in variants if v.get("available")] or variants
    detail = " ".join(f"{k} {' '.join(vals)}" for k, vals in options.items())
    return Facts(name=product["name"], product_id=product.get("product_id"), options=options,
                 combos=[v["options"] for v in available], prices=[float(v["price"]) for v in available],
                 kinds=list(kinds_for_product(product["name"], detail)[0]))


def described_facts(req: ListingRequest) -> Facts:
    """A described product's variants are every combination of its option values."""
    p = req.product
    detail = " ".join(f"{k} {' '.join(vals)}" for k, vals in p.options.items())
    keys = list(p.options)
    combos = [dict(zip(keys, values)) for values in product(*(p.options[k] for k in keys))] if keys else []
    return Facts(name=p.name, product_id=None, options={k: list(v) for k, v in p.options.items()}, combos=combos,
                 prices=[p.price_usd] if p.price_usd else [], kinds=list(kinds_for_product(p.name, detail)[0]))


def find_product(store, req: ListingRequest) -> dict | ListingProblem:
    if req.product_id:
        try:
            return store.get_product_details(req.product_id)
        except Exception:  # noqa: BLE001 - the store says "not found" its own way
            pass
    if req.product_name:
        types = store.list_all_product_types()
        match = {name.lower(): pid for name, pid in types.items()}.get(req.product_name.strip().lower())
        if match:
            return store.get_product_details(match)
    what = req.product_id or req.product_name or ""
    return ListingProblem(code="unknown_product", message=f"no store product {what!r}".strip(),
                          choices=sorted(store.list_all_product_types())[:8])


def write_listing(req: ListingRequest, deps, *, detect_language=None) -> ListingDraft | ListingProblem:
    """The checked draft for ``req``: every field within the platform's limits, and the
    market's compliance findings next to it (``passed`` says whether any is an error)."""
    target = resolve_target(req)
    if isinstance(target, ListingProblem):
        return target
    platform, market, language, assumed = target
    if req.product is not None:
        facts = described_facts(req)
    else:
        product = find_product(deps.store, req)
        if isinstance(product, ListingProblem):
            return product
        facts = store_facts(product)
    detect = detect_language or getattr(deps, "detect_language", None) or (lambda _t: language)
    voice = read_voice(req.voice_sample, language, market, detect)
    mined = mine(facts.name, facts.options, Path(deps.settings.shared_data_dir))
    draft = compose(facts, platform, market, language, brand=req.brand, voice=voice, mined=mined)
    draft.assumed = [f"{what}={value}" for what, value in (("platform", platform), ("market", market),
                                                          ("language", language)) if what in assumed]
    _maybe_polish(draft, deps, req, facts)
    draft.findings = voice.removed + check_listing(draft, market)
    draft.passed = not any(f.severity == "error" for f in draft.findings)
    draft.checker = CHECKER
    draft.notes = _notes(draft, deps, voice)
    if req.voice_sample:
        draft.voice = VoiceUse(style=voice.style, language=voice.language, sentences=voice.sentences,
                               tone_only=voice.tone_only)
    return draft


def _maybe_polish(draft: ListingDraft, deps, req: ListingRequest, facts: Facts) -> None:
    if draft.language not in data.LLM_LANGUAGES or not req.polish_with_llm or not getattr(deps, "llm_enabled", False):
        return
    lim = data.platform(draft.platform).description
    others = measure(description_text(draft), lim.unit) - measure(draft.description.text, lim.unit)
    terms = [v for vals in facts.options.values() for v in ordered(vals) if v.lower() in draft.description.text.lower()]
    room = None if lim.max is None else lim.max - others
    text, reason = polish(deps.llm, draft.description.text, terms, room, lim.unit, draft.market)
    draft.llm_calls += 1
    if text is None:
        draft.description.note = f"llm output discarded: {reason}"
        return
    draft.description.text, draft.description.path = text, "llm"
    fit_description(draft)


def _notes(draft: ListingDraft, deps, voice) -> list[str]:
    notes = []
    if draft.language not in data.LLM_LANGUAGES:
        notes.append(f"template_only: the bundled model does not write {draft.language} well; every field comes "
                     "from templates and glossaries")
    elif not getattr(deps, "llm_enabled", False):
        notes.append("template: no language model is configured; every field comes from templates and glossaries")
    if voice.tone_only:
        notes.append(f"voice_tone_only: the voice sample is in {voice.language}; only its tone is used")
    if draft.price:
        notes.append(f"price converted at {draft.price.rate} {draft.price.currency}/USD as of {draft.price.as_of} "
                     f"(agents/data/fx.yaml: {draft.price.source}); not a pricing decision")
    return notes
