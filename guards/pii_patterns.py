"""Structured PII: e-mail, phone, payment card, IBAN, US SSN, Chinese resident id.

Every finder takes the *shadow* text (full-width digits, letters and punctuation mapped to
ASCII one character for one, so offsets are those of the original) and yields
``(kind, start, end)``. Candidates are checked before they count: Luhn for cards, mod-97
for IBANs, the issued ranges for SSNs, MOD 11-2 and a real birth date for resident ids,
and for phones the digit count, grouping and context (an id glued to ``#W``, a date, an
IP address, a price or a zip code is not a phone). Order ids (#W1234567), 10-digit item
and product ids and 12-digit tracking ids never match on their own.

Written the way people type them: an IBAN in lower case (checksum and country length
still required, letters all one case), a card number right after a card word whatever its
issuer prefix (Luhn still required), numbers glued to the previous one by a comma
("…-Office\\,+44 20 7946 0958-Fax"), an area code in brackets with no space ("(415)555-0132").
A 7-8 digit local number needs a phone word near it; when an id word ("license") is
also near, the closer of the two decides. A number followed by a street name
("04213 118 Oak Street") is a zip and a house number, not a phone.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from guards.checksums import card_brand_plausible, cn_id_ok, iban_ok, luhn_ok, ssn_ok
from guards.pii_context import CAP, lexicon

Span = tuple[str, int, int]

# Full-width ASCII variants (U+FF01-FF5E) -> ASCII, ideographic space -> space, and the
# dashes people type in phone numbers -> "-". One character for one: offsets survive.
# The full-width comma stays as it is: in CJK text it separates two numbers
# ("13800138000，13912345678"), it is never a thousands separator.
_SHADOW = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if c != 0xFF0C}
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
    r"(?<![A-Za-z0-9_@#/.+-])(?<!\d,)(?:\+[ ]?|00(?=[1-9]))?(?:\(\d{1,5}\)(?:[ ]?\d{1,10})?|\d{1,13})"
    r"(?:(?:[ ]?[.\-/][ ]?|[ ]|[ ]?\(0\)[ ]?)(?:\(\d{1,5}\)[ ]?|\d{1,10})){0,7}"
    r"(?:[ ]?(?:x|ext\.?|Durchwahl|poste)[ ]?\d{1,5})?(?![A-Za-z0-9_@]|[.,]\d)"
)

_CUE_WINDOW = 40
CARD_CUE = re.compile(r"(?i)(card|carte|tarjeta|karte|kreditkarte|visa|master|amex|maestro|discover|jcb|"
                      r"卡|カード|cc\b|número de tarjeta|pan\b)")
SSN_CUE = re.compile(r"(?i)(ssn|social security|soc\.? sec|sozialversicherung|seguro social|sécurité sociale)")
PHONE_CUE = re.compile(
    r"(?i)(\b(?:phone|tel|tél|telephone|téléphone|telefon|telefonnummer|teléfono|telefono|mobile|mobil|"
    r"móvil|movil|cell|handy|portable|fixe|fax|desk\s?:|call|text|texts|sms|messages?|mensajes?|whatsapp|"
    r"llam|llám|rufen|ruf|appel|ring|contact|answering|reach|dial|"
    r"my\s(?:registered\s|contact\s|new\s|other\s)?number|mi\snúmero|meine\snummer|mon\snuméro)|"
    r"电话|手机|座机|短信|電話|携帯|ファックス|联系方式|連絡先)")
# words that name the number as something else: an id, a zip, a price, a version
_ID_WORDS = (
    r"zip|postal|postcode|post code|plz|code postal|c\.?p\.|código postal|cap\b|"
    r"邮编|郵便番号|〒|order|pedido|commande|bestellung|订单|注文|purchase|compra|achat|kauf|"
    r"item|artikel|article|artículo|product|produkt|produit|producto|商品|产品|"
    r"tracking|suivi|seguimiento|sendungsnummer|快递单号|追跡|fedex|ups\b|usps|dhl|colissimo|chronopost|"
    r"correos|顺丰|invoice|factura|facture|rechnung|sku|ean|isbn|id\b|(?<!area\s)code|código|version|v\.|"
    r"€|\$|£|¥|usd|eur")
# right before the number (also as a JSON key, or with "number"): not a phone, not a card
NOT_PHONE_CUE = re.compile(
    rf"(?i)(?:{_ID_WORDS})(?:_?id|\s(?:number|no\.?|nr\.?|n[º°o]\.?|num[ée]ro|nummer|id))?"
    r"[\"']?\s*[:#=]?\s*[\"']?\s*$")
# anywhere in the window: competes with a phone word, the closer one decides
ID_WORD = re.compile(rf"(?i)(?<![A-Za-z])(?:{_ID_WORDS})")
_DATE_RE = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2}))(?:\s\d{1,2})?$")
_DATE_START = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})\b")
OTHER_ID_CUE = re.compile(r"(?i)(licen[cs]e|passport|pasaporte|passeport|reisepass|führerschein|permis|"
                          r"steuer|tax id|vat|nif|siret)")
_IP_RE = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
# a price or a measurement ("5030 4.32 cm", "2 400 mAh") is not a phone
_AMOUNT_AFTER = re.compile(r"^\s?(?:€|\$|£|¥|元|円|usd|eur|gbp|cny|jpy|euros?|dollars?|yuan|"
                             r"(?:cm|mm|km|kg|mah|mhz|ghz|gb|tb|zoll|inch|in\.|px|ml)\b)", re.I)
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
PHONE_POST_CUE = re.compile(r"(?i)^[\s-]?(?:office|fax|mobile|cell|home|work|tel|phone|\(?mobil|\(?handy)\b")


def _street_after_re() -> re.Pattern:
    lex = lexicon()
    types = "|".join(re.escape(t) for t in sorted(lex["street_types_en"], key=len, reverse=True))
    words = "|".join(re.escape(t) for t in sorted(lex["street_words_fr"] + lex["street_words_es"],
                                                  key=len, reverse=True))
    return re.compile(rf"^[ ](?:(?:{CAP}[ ]){{1,3}}(?:{types})\b|(?i:{words})[ ])")


_STREET_AFTER = _street_after_re()  # "2437 Main St", "12 rue de la Paix": a house number


def _last_end(rx: re.Pattern, text: str) -> int:
    """End of the last match of ``rx`` in ``text`` (-1 when none): how close a cue is."""
    end = -1
    for m in rx.finditer(text):
        end = m.end()
    return end


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
            if _one_case(raw[:cut]) and iban_ok(raw[:cut]):
                yield "IBAN", m.start(), m.start() + cut
                pos = m.start() + cut
                break
        else:
            pos = m.start() + 1


def _one_case(value: str) -> bool:
    """IBAN letters all upper or all lower case ("gb29nwbk…" as typed in a lower-case
    message); mixed case ("Lp12abcd…") is a code or a word, not an account."""
    letters = [c for c in value if c.isalpha()]
    return all(c.isupper() for c in letters) or all(c.islower() for c in letters)


def find_cn_ids(text: str) -> Iterator[Span]:
    for m in CN_ID_RE.finditer(text):
        if cn_id_ok(m.group()):
            yield "CN_RESIDENT_ID", m.start(), m.end()


def find_cards(text: str) -> Iterator[Span]:
    for m in CARD_RE.finditer(text):
        raw = m.group().rstrip(" -")
        digits = re.sub(r"\D", "", raw)
        n = len(digits)
        if not (12 <= n <= 19) or not luhn_ok(digits):
            continue
        # right after "card" the issuer prefix is not needed (old Maestro 0604..., private labels)
        near = _before(text, m.start(), 20)
        card_cue_at = _last_end(CARD_CUE, near)
        if not card_brand_plausible(digits) and card_cue_at < 0:
            continue
        if card_cue_at < 0 and NOT_PHONE_CUE.search(near):
            continue  # "cancel purchase 113542617735902": an order id that passes Luhn
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
    after = text[start + len(raw):start + len(raw) + 40]
    if _AMOUNT_AFTER.match(after) or _STREET_AFTER.match(after):
        return False
    if core.startswith("+"):
        return 8 <= n <= 15
    if core.startswith("00") and len(groups) >= 2 and [len(g) for g in groups] != [3, 2, 4]:
        return 11 <= n <= 15
    if _DATE_RE.match(core) or _DATE_START.match(core) or _IP_RE.match(core):
        return False
    phone_cue_at = _last_end(PHONE_CUE, before)
    if _last_end(OTHER_ID_CUE, before) > phone_cue_at:
        return False  # "license 1234567"; but "license clerk … Phone: 358 0594" is a phone
    if len(groups) == 3 and [len(g) for g in groups] == [3, 2, 4]:
        return False  # SSN-shaped
    # "mon numéro de commande est 1234567": the order word is closer than the phone word
    cue = phone_cue_at > _last_end(ID_WORD, before) or bool(PHONE_POST_CUE.match(after))
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
