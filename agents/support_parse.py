"""Deterministic understanding of customer messages for the support agent.

The bundled model is tiny, so everything a write depends on (who the customer is, which
order, which items, which variant, which payment method, the cancel reason, the new
address) is extracted here by rules over the message and the customer's real store data.
Rules are multilingual through `support_glossary.json` and the keyword lists below.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ORDER_RE = re.compile(r"(?<![A-Za-z0-9])#?\s?W\s?(\d{7})(?![0-9])|#(\d{7})(?![0-9])", re.I)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
ZIP_RE = re.compile(r"(?<![0-9A-Za-z#_])(\d{5})(?!\d)")
PM_ID_RE = re.compile(r"\b((?:credit_card|gift_card|paypal)_\d+)\b")
LAST4_RE = re.compile(r"(?:ending(?: in)?|ends? (?:in|with)|last (?:four|4)(?: digits)?|尾号|末尾|terminada en|"
                      r"que termina en|acabada en|endet auf|endend auf|endet mit|finissant par|se terminant par|"
                      r"se termine par|termine par|で終わる|下4桁)\s*[:#是为]?\s*(\d{4})", re.I)

KEYWORDS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancel", "cancle", "取消", "撤销", "cancelar", "anular", "storn", "annul", "キャンセル", "取り消"),
    "return": ("return", "send back", "send it back", "refund", "money back", "退货", "退回", "退款", "退钱", "退掉",
               "退了", "要退",
               "devolver", "devoluci", "reembols", "zurückschicken", "zurückgeben", "zurücksenden",
               "rücksendung", "retoure", "erstatt", "geld zurück", "retourner", "renvoyer", "retour",
               "rembours", "返品", "返金", "返送"),
    "exchange": ("exchange", "swap", "replace", "switch", "trade", "换", "更换", "调换", "換",
                 "cambiar", "cambio", "intercambi", "sustitu", "umtausch", "tausch", "ersetzen",
                 "échang", "echang", "remplacer", "交換", "取り替え", "取替"),
    "change": ("change", "modify", "update", "instead", "rather", "mejor", "en vez", "en lugar", "lieber",
               "stattdessen", "plutôt", "au lieu", "改用", "代わりに", "修改", "改成", "改为", "换成", "更改",
               "modificar", "actualizar", "ändern", "aender", "änder", "modifier", "changer", "変更"),
    "address": ("address", "adress", "standardadresse", "lieferadresse", "ship to", "deliver to", "send it to", "地址", "收货", "dirección", "direccion",
                "adresse", "anschrift", "住所", "お届け先", "配送先"),
    "default": ("default", "standardadresse", "hauptadresse", "profile", "account", "on file", "默认", "账户", "predeterminad", "perfil",
                "cuenta", "standard", "konto", "profil", "par défaut", "compte", "デフォルト", "登録"),
    "payment": ("payment method", "pay with", "pay for", "pay by", "pay using", "paid", "charge", "use my",
                "cobrar", "cobra", "pagué", "pagar", "abbuchen", "belasten", "bezahlt", "payer", "payé", "prélever",
                "付款方式", "扣款", "付的", "付款", "支付方式",
                "支付", "método de pago", "metodo de pago", "pagar con", "zahlungs", "bezahl", "zahlen mit",
                "moyen de paiement", "payer avec", "mode de paiement", "支払", "決済"),
    "status": ("status", "where", "track", "shipped", "arrive", "deliver", "when will", "物流", "状态", "到哪",
               "在哪", "快递", "发货", "单号", "dónde", "donde", "estado", "seguimiento", "llega", "wo ist",
               "sendung", "versand", "geliefert", "où", "suivi", "statut", "livr", "colis", "どこ", "状況",
               "追跡", "届"),
    "methods": ("paypal", "gift card", "giftcard", "credit card", "mastercard", "visa", "card ending", "礼品卡",
                "信用卡", "tarjeta regalo", "tarjeta de regalo", "tarjeta de crédito", "geschenkkarte", "gutschein",
                "kreditkarte", "carte cadeau", "carte-cadeau", "carte de crédit", "carte bancaire", "ギフトカード",
                "クレジットカード"),
    "orders": ("my orders", "which orders", "list", "我的订单", "mis pedidos", "meine bestellungen",
               "mes commandes", "注文一覧"),
    "profile": ("my account", "my profile", "payment methods", "gift card balance", "balance", "账户信息", "余额", "还剩", "剩余",
                "saldo", "guthaben", "solde", "残高", "hinterlegt", "on file", "saved", "enregistr", "registrad",
                "mi cuenta", "mein konto", "mon compte", "アカウント"),
    "human": ("human", "real person", "agent", "representative", "manager", "人工", "真人", "客服",
              "humano", "persona real", "mitarbeiter", "mensch", "humain", "conseiller", "担当者", "人間"),
    "all": ("everything", "all items", "all the items", "all of the items", "all my items", "both items",
            "both of them", "whole order", "entire order", "all of it", "全部",
            "所有", "整个", "todo", "todos los", "alles", "alle artikel", "gesamte", "tout", "tous les",
            "toute la commande", "全て", "すべて", "全部"),
    "cheapest": ("cheaper", "cheapest", "lowest price", "便宜", "más barat", "billiger", "günstig",
                 "moins cher", "安い"),
}
REASONS: dict[str, tuple[str, ...]] = {
    "ordered by mistake": ("mistake", "by accident", "accidental", "didn't mean", "did not mean", "wrong order",
                           "misclick", "买错", "下错", "误", "不小心", "por error", "equivoca", "sin querer",
                           "versehen", "irrtümlich", "fälschlich", "par erreur", "erreur", "par accident",
                           "間違", "誤って"),
    "no longer needed": ("no longer need", "don't need", "do not need", "dont need", "not need", "no need",
                         "changed my mind", "don't want", "do not want", "not needed", "no longer want",
                         "不需要", "不用了", "不要了", "不想要", "用不着", "ya no", "no lo necesito",
                         "no necesito", "no me hace falta", "brauche", "nicht mehr", "benötige", "plus besoin",
                         "n'en ai pas besoin", "pas besoin", "ne veux plus", "いらな", "必要な", "不要"),
}
YES = ("yes", "yeah", "yep", "yup", "sure", "ok", "okay", "go ahead", "confirm", "please do", "do it", "correct",
       "that's right", "proceed", "是", "是的", "好", "好的", "可以", "确认", "对", "行", "sí", "si", "claro",
       "vale", "de acuerdo", "confirmo", "adelante", "ja", "jawohl", "genau", "bestätige", "einverstanden",
       "gerne", "mach", "oui", "d'accord", "je confirme", "allez-y", "vas-y", "はい", "ええ", "お願いします",
       "お願い", "確認", "了解")
NO = ("no", "nope", "don't", "do not", "stop", "wait", "never mind", "nevermind", "不", "不要", "不用", "算了",
      "no gracias", "mejor no", "nein", "lieber nicht", "non", "pas maintenant", "いいえ", "やめ")


def looks_like_support(text: str) -> bool:
    """Order ids, e-mails, addresses or order words: a storefront message for support."""
    if find_order_ids(text) or find_emails(text) or parse_address(text):
        return True
    return any(has_any(text, KEYWORDS[k]) for k in ("cancel", "return", "exchange", "status", "address",
                                                   "payment", "orders", "profile"))


LATIN = re.compile(r"[a-zà-ÿ]")
_WORD_START, _WORD_END = "(?<![a-zà-ÿ])", "(?![a-zà-ÿ])"


@lru_cache(maxsize=1024)
def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def has_any(text: str, words: tuple[str, ...]) -> bool:
    """Keyword lists hold stems ("reembols", "storn"): a Latin-script keyword must start a
    word (short ones must be the whole word); CJK keywords match anywhere."""
    t = _norm(text)
    pattern, anywhere = _any_word_matcher(words)
    return any(w in t for w in anywhere) or (pattern is not None and pattern.search(t) is not None)


@lru_cache(maxsize=256)
def _any_word_matcher(words: tuple[str, ...]) -> tuple[re.Pattern | None, tuple[str, ...]]:
    """One compiled alternation for the Latin-script words of a list (as _find_word with
    stem=len(word) > 4 matches each of them) and the other words, matched anywhere."""
    latin = [w for w in words if LATIN.search(w)]
    alternatives = "|".join(re.escape(w) + ("" if len(w) > 4 else _WORD_END) for w in latin)
    pattern = re.compile(f"{_WORD_START}(?:{alternatives})") if latin else None
    return pattern, tuple(w for w in words if not LATIN.search(w))


def _find_word(word: str, text: str, stem: bool = False) -> int:
    """Position of a word: Latin-script words match whole words (with a short inflection:
    plural s/es, German -e/-n/-en) or, for stems, any word they start; CJK anywhere."""
    patterns = _word_patterns(word, stem)
    if not patterns:
        return text.find(word)
    for pattern in patterns:
        if m := pattern.search(text):
            return m.start()
    return -1


@lru_cache(maxsize=4096)
def _word_patterns(word: str, stem: bool) -> tuple[re.Pattern, ...]:
    """_find_word's patterns for a Latin-script word, tried in order (none for CJK)."""
    if not LATIN.search(word):
        return ()
    end = "" if stem else ("(?:s|es|e|n|en)?" + _WORD_END if len(word) > 4 else _WORD_END)
    patterns = [re.compile(f"{_WORD_START}{re.escape(word)}{end}")]
    if len(word) >= 5 and not stem:  # end of a compound: "herrenparfum"
        patterns.append(re.compile(f"{re.escape(word)}{_WORD_END}"))
    return tuple(patterns)


def find_order_ids(text: str) -> list[str]:
    out: list[str] = []
    for m in ORDER_RE.finditer(text):
        oid = "#W" + (m.group(1) or m.group(2))
        if oid not in out:
            out.append(oid)
    return out


def find_emails(text: str) -> list[str]:
    return EMAIL_RE.findall(text)


def find_zips(text: str) -> list[str]:
    cleaned = ORDER_RE.sub(" ", text)
    cleaned = PM_ID_RE.sub(" ", cleaned)
    return ZIP_RE.findall(cleaned)


MAX_NAME_LOOKUPS = 12  # each candidate is one store look-up: a long message must not mean dozens


def name_candidates(text: str) -> list[tuple[str, str]]:
    """Adjacent pairs of Latin-script words: candidates for (first, last) name, at most
    MAX_NAME_LOOKUPS: pairs of capitalised words first, then the pairs nearest a zip code
    (people write "juan rossi, zip 77209")."""
    cleaned = EMAIL_RE.sub(" ", text)
    words = list(re.finditer(r"[A-Za-zÀ-ÿ'-]{2,}", cleaned))
    zips = [m.start() for m in ZIP_RE.finditer(cleaned)]
    ranked: dict[tuple[str, str], tuple] = {}
    for a, b in zip(words, words[1:]):
        pair = (a.group(), b.group())
        capitalised = pair[0][:1].isupper() and pair[1][:1].isupper()
        distance = min((abs(z - b.end()) for z in zips), default=0)
        ranked.setdefault(pair, (not capitalised, distance, a.start()))
    return sorted(ranked, key=ranked.__getitem__)[:MAX_NAME_LOOKUPS]


def cancel_reason(text: str) -> str | None:
    for reason, words in REASONS.items():  # "mistake" first: "don't need it, I ordered by mistake"
        if has_any(text, words):
            return reason
    return None


def yes_no(text: str) -> str | None:
    """'yes' / 'no' for a reply to a confirmation question, else None (a new request)."""
    t = _norm(re.sub(r"[!.,。！，、?？~:;]+", " ", text))
    if not t:
        return None
    first = t.split()[0]
    if len(t.split()) > 8 and len(t) > 40 and first not in YES:
        return None
    if len(t) > 3 and has_any(t, REASONS["no longer needed"]) and not t.startswith(("yes", "是", "sí", "ja", "oui", "はい")):
        return None
    no_hit = first in NO or any(t.startswith(w) for w in NO if not re.search(r"[a-z]", w))
    yes_hit = first in YES or t in YES or any(t.startswith(w + " ") for w in YES) or \
        any(t.startswith(w) for w in YES if not re.search(r"[a-zà-ÿ]", w))
    if no_hit and not t.startswith(("不错", "没问题")):
        return "no"
    if (yes_hit or t.startswith(("没问题",))) and not _amends(t):
        return "yes"
    return None


def _amends(text: str) -> bool:
    """A "yes" that also says how to pay or what to do ("ok, put it on my gift card
    then") changes the proposal: acting on it as a plain yes would do the old thing."""
    return bool(find_order_ids(text)) or has_any(text, GIFT_WORDS + CARD_WORDS + ("paypal",) + AMEND_WORDS)


AMEND_WORDS = ("instead", "rather", "actually", "but", "also", "as well", "en vez", "en lugar", "también",
               "pero", "stattdessen", "lieber", "aber", "auch", "plutôt", "plutot", "mais", "aussi", "改成",
               "换成", "但是", "还要", "另外", "代わりに", "やっぱり", "でも")


@lru_cache(maxsize=1)
def glossary() -> dict:
    path = Path(__file__).with_name("support_glossary.json")
    if not path.exists():
        return {"products": {}, "option_values": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def product_mention(name: str, text: str) -> int:
    """How specifically a product is named: the length of the longest matching name or
    synonym (English or glossary), 0 if not mentioned. "cafetera espresso" beats "cafetera"."""
    t = _norm(text)
    terms = [name.lower(), name.lower().replace("-", " ")]
    if name.lower() not in ("notebook",):
        terms.append(name.lower().split()[-1])  # "the vacuum" / "the mouse" / "the kettle"
    for lang_terms in glossary().get("products", {}).get(name, {}).values():
        terms.extend(x.lower() for x in lang_terms)
    return max((len(x) for x in terms if x and _find_word(x, t) >= 0), default=0)


def option_value_mentions(values: list[str], text: str) -> dict[str, int]:
    """Which of the given option values (English, as in the data) are mentioned, with position.

    A match that lies inside a longer match of another value does not count, so "rose gold"
    is not also "gold" and "extra large" is not also "large".
    """
    t = _norm(text)
    gl = glossary().get("option_values", {})
    spans: dict[str, list[tuple[int, int]]] = {}
    for v in values:
        terms = {v.lower(), *(s.lower() for s in gl.get(v, []))}
        for term in terms:
            for m in _term_matches(term, v, t, text):
                spans.setdefault(v, []).append(m)
    out: dict[str, int] = {}
    for v, vs in spans.items():
        free = [(a, b) for a, b in vs
                if not any(o != v and oa <= a and b <= ob and (ob - oa) > (b - a)
                           for o, os_ in spans.items() for oa, ob in os_)]
        if free:
            out[v] = min(a for a, _ in free)
    return out


def _term_matches(term: str, value: str, t: str, raw: str) -> list[tuple[int, int]]:
    if len(term) <= 2 and re.fullmatch(r"[a-z0-9]+", term):
        # sizes like "L", "M", "10": need "size L" or an uppercase standalone letter
        pat = rf"(?:size|taille|talla|größe|grösse|尺码|サイズ)\s*{re.escape(term)}(?![a-z0-9])"
        found = [(m.start(), m.end()) for m in re.finditer(pat, t)]
        if not found and value.isupper():
            found = [(m.start(), m.end()) for m in
                     re.finditer(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", raw)]
        return found
    if re.search(r"[a-z0-9]", term):
        return [(m.start(), m.end()) for m in re.finditer(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", t)]
    return [(m.start(), m.end()) for m in re.finditer(re.escape(term), t)]


ADDRESS_RE = re.compile(
    r"(?P<address1>(?<![\w#.])\d{1,6}(?:-\d+)?\s+[A-Za-z][A-Za-z0-9 .'-]{1,60}?)"
    r"(?:\s*,\s*(?P<address2>(?:apt|apartment|suite|ste|unit|floor|fl|room|#)[^,]*))?"
    r"\s*,\s*(?P<city>[A-Za-z][A-Za-z .'-]+?)\s*,\s*(?P<state>[A-Z]{2})\s*,?\s*(?P<zip>\d{5})(?![0-9])"
    r"(?:\s*,?\s*(?P<country>USA|US|United States(?: of America)?))?",
    re.I,
)


def parse_address(text: str) -> dict | None:
    m = ADDRESS_RE.search(text)
    if not m:
        return None
    g = m.groupdict()
    return {
        "address1": " ".join(g["address1"].split()),
        "address2": " ".join((g.get("address2") or "").split()),
        "city": " ".join(g["city"].split()),
        "state": g["state"].upper(),
        "country": "USA",
        "zip": g["zip"],
    }


@dataclass
class PaymentChoice:
    method_id: str | None
    explicit: bool  # the customer named it (vs. defaulted to the original method)
    problem: str | None = None


GIFT_WORDS = ("gift card", "giftcard", "礼品卡", "购物卡", "tarjeta regalo", "tarjeta de regalo", "geschenkkarte",
              "gutschein", "carte cadeau", "carte-cadeau", "ギフトカード", "ギフト券")
ORIGINAL_WORDS = ("original", "same card", "same payment", "same method", "原", "原来", "原路", "原支付",
                  "método original", "la misma", "ursprüngl", "gleiche", "d'origine", "initial", "元の", "同じ")
CARD_WORDS = ("credit card", "card", "信用卡", "银行卡", "tarjeta", "kreditkarte", "karte", "carte", "クレジット",
              "カード")


def _mention_pos(text: str, words: tuple[str, ...]) -> int:
    t = _norm(text)
    hits = [p for p in (_find_word(w, t, stem=len(w) > 4) for w in words) if p >= 0]
    return min(hits) if hits else -1


def choose_payment_method(text: str, user: dict, original_id: str | None, *, prefer_new: bool = False) -> PaymentChoice:
    """The payment method the customer names. With several named ("with PayPal instead of
    the gift card"), `prefer_new` takes the first one that is not the order's original."""
    methods: dict = user["payment_methods"]
    if m := PM_ID_RE.search(text):
        mid = m.group(1)
        return PaymentChoice(mid, True, None if mid in methods else f"{mid} is not one of your payment methods")
    t = _norm(text)
    by_source = lambda src: [k for k, v in methods.items() if v["source"] == src]  # noqa: E731
    found: list[tuple[int, PaymentChoice]] = []
    if (pos := _mention_pos(text, GIFT_WORDS)) >= 0:
        cards = by_source("gift_card")
        found.append((pos, PaymentChoice(cards[0] if len(cards) == 1 else None, True,
                                         "you have no gift card on file" if not cards else None)))
    if (pos := _mention_pos(text, ORIGINAL_WORDS)) >= 0:
        found.append((pos, PaymentChoice(original_id, True)))
    if (pos := _mention_pos(text, ("paypal",))) >= 0:
        pp = by_source("paypal")
        found.append((pos, PaymentChoice(pp[0] if pp else None, True,
                                         None if pp else "you have no PayPal account on file")))
    cards = by_source("credit_card")
    if last4 := LAST4_RE.search(text):
        hit = [k for k in cards if methods[k].get("last_four") == last4.group(1)]
        found.append((last4.start(), PaymentChoice(hit[0] if hit else None, True,
                                                   None if hit else f"you have no card ending in {last4.group(1)}")))
    else:
        brands = [(p, k) for k in cards if (p := _mention_pos(t, (methods[k].get("brand", "").lower(),))) >= 0]
        if len(brands) == 1:
            found.append((brands[0][0], PaymentChoice(brands[0][1], True)))
        elif (pos := _mention_pos(text, CARD_WORDS)) >= 0 and not any(c.method_id in cards for _, c in found):
            only = cards[0] if len(cards) == 1 else (original_id if original_id in cards else None)
            if only:
                found.append((pos, PaymentChoice(only, True)))
    if not found:
        return PaymentChoice(original_id, False)
    found.sort(key=lambda pc: pc[0])
    if prefer_new:
        for _, choice in found:
            if choice.method_id != original_id:
                return choice
    return found[0][1]


@dataclass
class ItemPick:
    items: list[dict] = field(default_factory=list)
    ambiguous: bool = False


def pick_items(text: str, order: dict) -> ItemPick:
    """Items of the order the message refers to, by product name (and options to break ties)."""
    items = order["items"]
    if has_any(text, KEYWORDS["all"]):
        return ItemPick(list(items))
    mentioned_ids = [it for it in items if it["item_id"] in text]
    if mentioned_ids:
        return ItemPick(mentioned_ids)
    chosen: list[dict] = []
    ambiguous = False
    by_name: dict[str, list[dict]] = {}
    for it in items:
        by_name.setdefault(it["name"], []).append(it)
    scores = {name: product_mention(name, text) for name in by_name}
    best_score = max(scores.values(), default=0)
    for name, group in by_name.items():
        # the most specific mention wins ("cafetera espresso" over "cafetera")
        if not scores[name] or scores[name] < best_score and _overlaps(name, by_name, text):
            continue
        if len(group) == 1:
            chosen.append(group[0])
            continue
        scored = [(len(option_value_mentions(list(it["options"].values()), text)), it) for it in group]
        best = max(s for s, _ in scored)
        top = [it for s, it in scored if s == best]
        if len(top) == 1:
            chosen.append(top[0])
        else:
            ambiguous = True
    if not chosen and not ambiguous and len(items) == 1:
        return ItemPick(list(items))
    return ItemPick(chosen, ambiguous)


def _overlaps(name: str, by_name: dict, text: str) -> bool:
    """Does this product's mention lie inside a more specific mention of another product?"""
    t = _norm(text)
    mine = [x.lower() for v in glossary().get("products", {}).get(name, {}).values() for x in v] + [name.lower()]
    return any(any(x in other.lower() for x in mine if _find_word(x, t) >= 0)
               for o in by_name if o != name
               for other in [o, *(y for v in glossary().get("products", {}).get(o, {}).values() for y in v)]
               if _find_word(other.lower(), t) >= 0)


def variant_change_requested(text: str, item: dict, product: dict) -> bool:
    """Does the message name another value of one of this item's options?"""
    for key, current in item["options"].items():
        values = sorted({v["options"].get(key) for v in product["variants"].values()} - {None, current})
        if option_value_mentions(values, text):
            return True
    return False


@dataclass
class VariantPick:
    variant: dict | None
    candidates: list[dict] = field(default_factory=list)


def pick_variant(text: str, item: dict, product: dict) -> VariantPick:
    """The available variant of the same product the customer wants instead of `item`.

    Mentioned option values that differ from the current item's say what should change;
    options the customer did not mention stay as they are where possible.
    """
    variants = [v for v in product["variants"].values() if v["available"] and v["item_id"] != item["item_id"]]
    keys = list(item["options"].keys())
    values_by_key = {k: sorted({v["options"].get(k) for v in product["variants"].values()} - {None}) for k in keys}
    wanted: dict[str, str] = {}
    kept: dict[str, str] = {}  # mentioned, equal to the current value, and nothing else for that option
    for k, vals in values_by_key.items():
        hits = option_value_mentions(vals, text)
        new = {v: pos for v, pos in hits.items() if v != item["options"][k]}
        if new:
            wanted[k] = max(new, key=new.get)  # "the black one for a white one": the later mention
        elif hits:
            kept[k] = item["options"][k]
    if not wanted:
        return VariantPick(None, variants)
    wanted.update(kept)
    matching = [v for v in variants if all(v["options"].get(k) == val for k, val in wanted.items())]
    if not matching:
        return VariantPick(None, variants)

    def same_count(v: dict) -> int:
        return sum(v["options"].get(k) == item["options"][k] for k in keys if k not in wanted)

    best = max(same_count(v) for v in matching)
    top = [v for v in matching if same_count(v) == best]
    if len(top) > 1 and has_any(text, KEYWORDS["cheapest"]):
        top = [min(top, key=lambda v: v["price"])]
    return VariantPick(top[0] if len(top) == 1 else None, top)
