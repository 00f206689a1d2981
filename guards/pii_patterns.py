"""Structured PII: e-mail, phone, payment card, IBAN, US SSN, Chinese resident id.

Every finder takes the *shadow* text (full-width digits, letters and punctuation mapped to
ASCII one character for one, so offsets are those of the original) and yields
``(kind, start, end)``. Candidates are checked before they count: Luhn for cards, mod-97
for IBANs, the issued ranges for SSNs, MOD 11-2 and a real birth date for resident ids,
and for phones the digit count, grouping and context (an id glued to ``#W``, a date, an
IP address, a price or a zip code is not a phone). Order ids (#W1234567), 10-digit item
and product ids and 12-digit tracking ids never match on their own.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from guards.checksums import card_brand_plausible, cn_id_ok, iban_ok, luhn_ok, ssn_ok

Span = tuple[str, int, int]

# Full-width ASCII variants (U+FF01-FF5E) -> ASCII, ideographic space -> space, and the
# dashes people type in phone numbers -> "-". One character for one: offsets survive.
_SHADOW = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_SHADOW.update({0x3000: 0x20, 0x2010: 0x2D, 0x2011: 0x2D, 0x2012: 0x2D, 0x2013: 0x2D,
                0x2212: 0x2D, 0x30FC: 0x30FC, 0x00A0: 0x20})


def shadow(text: str) -> str:
    return text.translate(_SHADOW)


EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9_.%+'-])[A-Za-z0-9._%+-](?:[A-Za-z0-9._%+'-]{0,63}[A-Za-z0-9_%+-])?"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![A-Za-z0-9_-])"
)
CARD_RE = re.compile(r"(?<![A-Za-z0-9_#.,/-])(?:\d[ -]?){11,18}\d(?![A-Za-z0-9_-]|[.,]\d)")
IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,32}(?![A-Za-z0-9])")
CN_ID_RE = re.compile(r"(?<![A-Za-z0-9])\d{17}[\dXx](?![A-Za-z0-9])")
SSN_RE = re.compile(r"(?<![A-Za-z0-9_#./-])(\d{3})([- ])(\d{2})\2(\d{4})(?![A-Za-z0-9_/-]|[.,]\d)")
SSN_BARE_RE = re.compile(r"(?<![A-Za-z0-9_#./-])\d{9}(?![A-Za-z0-9_/-]|[.,]\d)")
# digit groups with the separators phone numbers use; validated in _phone_ok
PHONE_RE = re.compile(
    r"(?<![A-Za-z0-9_@#/.,+-])(?:\+[ ]?|00(?=[1-9]))?(?:\(\d{1,5}\)[ ]?|\d{1,13})"
    r"(?:(?:[ ]?[.\-/][ ]?|[ ]|[ ]?\(0\)[ ]?)(?:\(\d{1,5}\)[ ]?|\d{1,10})){0,7}"
    r"(?:[ ]?(?:x|ext\.?|Durchwahl|poste)[ ]?\d{1,5})?(?![A-Za-z0-9_@]|[.,]\d)"
)

_CUE_WINDOW = 40
CARD_CUE = re.compile(r"(?i)(card|carte|tarjeta|karte|kreditkarte|visa|master|amex|maestro|discover|jcb|"
                      r"卡|カード|cc\b|número de tarjeta|pan\b)")
SSN_CUE = re.compile(r"(?i)(ssn|social security|soc\.? sec|sozialversicherung|seguro social|sécurité sociale)")
PHONE_CUE = re.compile(
    r"(?i)(\b(?:phone|tel|tél|telephone|téléphone|telefon|telefonnummer|teléfono|telefono|mobile|mobil|"
    r"móvil|movil|cell|handy|portable|fixe|fax|call|text|whatsapp|llam|llám|rufen|ruf|appel|ring|contact|"
    r"answering|reach|dial)|"
    r"电话|手机|座机|電話|携帯|ファックス|联系方式|連絡先)")
NOT_PHONE_CUE = re.compile(
    r"(?i)(zip|postal|postcode|post code|plz|code postal|c\.?p\.|código postal|cap\b|"
    r"邮编|郵便番号|〒|order|pedido|commande|bestellung|订单|注文|item|artikel|article|artículo|"
    r"product|produkt|produit|producto|商品|产品|tracking|suivi|seguimiento|sendungsnummer|"
    r"快递单号|追跡|invoice|factura|facture|rechnung|sku|ean|isbn|id\b|version|v\.|€|\$|£|¥|usd|eur)\s*[:#]?\s*$")
_DATE_RE = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2}))(?:\s\d{1,2})?$")
_DATE_START = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})\b")
OTHER_ID_CUE = re.compile(r"(?i)(licen[cs]e|passport|pasaporte|passeport|reisepass|führerschein|permis|"
                          r"steuer|tax id|vat|nif|siret)")
_IP_RE = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
_CURRENCY_AFTER = re.compile(r"^\s?(?:€|\$|£|¥|元|円|usd|eur|gbp|cny|jpy|euros?|dollars?|yuan)", re.I)
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
PHONE_POST_CUE = re.compile(r"(?i)^[\s-]?(?:office|fax|mobile|cell|home|work|tel|phone|\(?mobil|\(?handy)\b")


def _before(text: str, start: int, width: int = _CUE_WINDOW) -> str:
    return text[max(0, start - width):start]


def find_emails(text: str) -> Iterator[Span]:
    for m in EMAIL_RE.finditer(text):
        yield "EMAIL", m.start(), m.end()


def find_ibans(text: str) -> Iterator[Span]:
    pos = 0
    while (m := IBAN_RE.search(text, pos)) is not None:
        raw = m.group()
        pos = m.end()
        # the greedy match may have swallowed the following words: try shorter endings
        cuts = [len(raw)] + [i for i in range(len(raw) - 1, 14, -1) if raw[i] in " -"]
        for cut in cuts:
            if raw[:2].isupper() and iban_ok(raw[:cut]):
                yield "IBAN", m.start(), m.start() + cut
                pos = m.start() + cut
                break
        else:
            pos = m.start() + 1


def find_cn_ids(text: str) -> Iterator[Span]:
    for m in CN_ID_RE.finditer(text):
        if cn_id_ok(m.group()):
            yield "CN_RESIDENT_ID", m.start(), m.end()


def find_cards(text: str) -> Iterator[Span]:
    for m in CARD_RE.finditer(text):
        raw = m.group().rstrip(" -")
        digits = re.sub(r"\D", "", raw)
        n = len(digits)
        if not (12 <= n <= 19) or not luhn_ok(digits) or not card_brand_plausible(digits):
            continue
        if n <= 13 and not CARD_CUE.search(_before(text, m.start())):
            continue  # 12-13 digits: a tracking id or an EAN passes Luhn one time in ten
        yield "CARD", m.start(), m.start() + len(raw)


def find_ssns(text: str) -> Iterator[Span]:
    for m in SSN_RE.finditer(text):
        if ssn_ok(m.group()):
            yield "US_SSN", m.start(), m.end()
    for m in SSN_BARE_RE.finditer(text):
        if ssn_ok(m.group()) and SSN_CUE.search(_before(text, m.start())):
            yield "US_SSN", m.start(), m.end()


def _groups(raw: str) -> list[str]:
    return re.findall(r"\d+", raw)


def _phone_ok(text: str, start: int, raw: str) -> bool:
    core = re.sub(r"(?i)[ ]?(?:x|ext\.?|Durchwahl|poste)[ ]?\d{1,5}$", "", raw)
    digits = re.sub(r"\D", "", core)
    n = len(digits)
    groups = _groups(core)
    before = _before(text, start)
    if NOT_PHONE_CUE.search(before[-20:]):
        return False
    if _CURRENCY_AFTER.match(text[start + len(raw):start + len(raw) + 8]):
        return False
    if core.startswith("+"):
        return 8 <= n <= 15
    if core.startswith("00") and len(groups) >= 2 and [len(g) for g in groups] != [3, 2, 4]:
        return 11 <= n <= 15
    if _DATE_RE.match(core) or _DATE_START.match(core) or _IP_RE.match(core):
        return False
    if OTHER_ID_CUE.search(before):
        return False
    if len(groups) == 3 and [len(g) for g in groups] == [3, 2, 4]:
        return False  # SSN-shaped
    cue = bool(PHONE_CUE.search(before)) or bool(PHONE_POST_CUE.match(text[start + len(raw):start + len(raw) + 10]))
    if len(groups) == 1:
        return bool(_CN_MOBILE.match(digits)) or (cue and 7 <= n <= 13)
    if len(groups) == 2 and not (core.startswith(("0", "(")) or cue):
        return False  # "17151 2450": two bare numbers (house number, amounts) without a trunk 0
    if 9 <= n <= 13:
        return True
    return cue and 7 <= n <= 8


def find_phones(text: str) -> Iterator[Span]:
    for m in PHONE_RE.finditer(text):
        raw = m.group().rstrip(" .-/")
        if raw.startswith("(") and not re.match(r"\(\d{1,5}\)", raw):
            continue
        if _phone_ok(text, m.start(), raw):
            yield "PHONE", m.start(), m.start() + len(raw)


STRUCTURED_FINDERS = {
    "EMAIL": find_emails,
    "IBAN": find_ibans,
    "CN_RESIDENT_ID": find_cn_ids,
    "CARD": find_cards,
    "US_SSN": find_ssns,
    "PHONE": find_phones,
}
