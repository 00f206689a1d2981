"""Contextual PII: person names and street addresses, by patterns per language.

No NER model: names are found by cues ("my name is", "ich heiße", "je m'appelle", "me llamo",
"我叫", "と申します"), titles (Mr, Frau, Madame, Sra., 先生, 様), greetings ("Thanks, Emily")
and a given-name list (``guards/data/given_names.json``; names that are also words,
like "Will" or "Rose", count only with a cue or a capitalised surname). Addresses are
found by street words per language ("123 Main St", "Hauptstraße 5", "12 rue de la Paix",
"Calle de Alcalá 48", "…3丁目1番1号", "…路88号") and after address cues. Precision
comes first: a zip code, a city or an id alone is never an address, a product name is
never a person. Cues and word lists: ``guards/data/pii_lexicon.json``.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files

Span = tuple[str, int, int]

_UP = "".join(ch for ch in map(chr, range(0x41, 0x250)) if ch.isupper()) + \
    "".join(ch for ch in map(chr, range(0x391, 0x3AA)) if ch.isupper())
_LO = "".join(ch for ch in map(chr, range(0x61, 0x250)) if ch.islower()) + \
    "".join(ch for ch in map(chr, range(0x3AC, 0x3CF)) if ch.islower())
CAP = rf"(?:[{_UP}]['’])?[{_UP}][{_LO}]+(?:[{_UP}][{_LO}]+)?(?:-[{_UP}][{_LO}]+)*"
WORD_RE = re.compile(rf"[{_UP}{_LO}]+(?:['’\-](?![sS]\b)[{_UP}{_LO}]+)*")
CAP_RE = re.compile(CAP)
HAN = "\u4e00-\u9fff\u3400-\u4dbf々"
KATA = "\u30a1-\u30f6\u30fc"
HIRA = "\u3041-\u3096"


def _data(name: str):
    return json.loads((files("guards") / "data" / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def lexicon() -> dict:
    lex = _data("pii_lexicon.json")
    names = _data("given_names.json")
    lex["given"] = frozenset(names["given_names"])
    lex["ambiguous"] = frozenset(names["ambiguous"])
    lex["not_names_set"] = frozenset(lex["not_names"])
    lex["particles_set"] = frozenset(lex["name_particles"])
    lex["titles_set"] = frozenset(lex["titles"])
    lex["common"] = frozenset(names["common_words"])
    lex["not_name_last_set"] = frozenset(lex["not_name_last"])
    return lex


# ----------------------------------------------------------------------------- names


def _phrase_re(phrases: list[str]) -> re.Pattern:
    alts = sorted((re.escape(p).replace(r"\ ", r"\s+") for p in phrases), key=len, reverse=True)
    return re.compile(rf"(?i)(?<![\w])(?:{'|'.join(alts)})[\s,:?]*$")


@lru_cache(maxsize=1)
def _cue_res() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    lex = lexicon()
    post = "|".join(re.escape(p) for p in sorted(lex["name_post_cues"], key=len, reverse=True))
    endings = "|".join(re.escape(p) for p in sorted(lex["surname_endings"], key=len, reverse=True))
    return (_phrase_re(lex["name_cues_strong"]), _phrase_re(lex["name_cues_weak"]),
            _phrase_re(lex["greetings"]), re.compile(rf"^\s?(?:{post})\b"),
            re.compile(rf"(?:{endings})$"))


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]


def _is_cap(word: str) -> bool:
    return bool(CAP_RE.fullmatch(word)) and word not in lexicon()["not_names_set"]


def _runs(text: str, toks: list[tuple[int, int, str]]) -> Iterator[list[int]]:
    """Indices of maximal runs of capitalised tokens joined by a single space (initials
    like "D." and particles like "van" may sit inside a run)."""
    lex = lexicon()
    i = 0
    while i < len(toks):
        s, e, w = toks[i]
        if not _is_cap(w):
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < len(toks):
            gap = text[toks[j - 1][1]:toks[j][0]]
            w2 = toks[j][2]
            if gap not in (" ", ". ") or (gap == ". " and len(toks[j - 1][2]) > 1):
                break
            if _is_cap(w2) or (len(w2) == 1 and w2.isupper() and j + 1 < len(toks)
                               and text[toks[j][1]:toks[j][1] + 1] in (".", " ") and _is_cap(toks[j + 1][2])):
                run.append(j)
                j += 1
            elif w2 in lex["particles_set"] and j + 1 < len(toks) and _is_cap(toks[j + 1][2]) \
                    and text[toks[j][1]:toks[j + 1][0]] == " ":
                run.extend([j, j + 1])
                j += 2
            else:
                break
        yield run
        i = j


def _sentence_start(text: str, start: int) -> bool:
    head = text[:start].rstrip()
    return not head or head[-1] in ".!?:\n\"'(>"


def _name_span(text, toks, run) -> tuple[int, int] | None:
    """The person-name span of a run of capitalised tokens, or None."""
    lex = lexicon()
    strong, weak, greet, post, surname = _cue_res()
    words = [toks[k][2] for k in run]
    start = toks[run[0]][0]
    before = text[max(0, start - 40):start]
    prev_word = toks[run[0] - 1][2] if run[0] > 0 else ""
    title = prev_word in lex["titles_set"] or (prev_word + "." in lex["titles_set"]
                                                and text[toks[run[0] - 1][1]:start].startswith("."))
    first, n = words[0], len(run)
    if first in lex["titles_set"] or first in lex["not_names_set"]:
        return None
    if n > 1 and words[1] in lex["street_types_en"]:
        return None  # "Victor Street" is a street
    if words[-1] in lex["not_name_last_set"]:
        return None  # "Russell Investments", "Dora Creek"
    known = first in lex["given"]
    after = text[toks[run[-1]][1]:toks[run[-1]][1] + 20]
    unknown_ok = all(w.lower() not in lex["common"] for w in words)
    if strong.search(before) or title:
        last = run[min(n, 3) - 1]
    elif known or (first in lex["ambiguous"] and n >= 2):
        last = run[min(n, 4) - 1]
    elif n == 1 and first in lex["ambiguous"] and (weak.search(before) or greet.search(before)):
        last = run[0]
    elif 2 <= n <= 4 and unknown_ok and (weak.search(before) or post.match(after)
                                          or (surname.search(words[-1]) and not _sentence_start(text, start))):
        last = run[-1]
    else:
        return None
    end = toks[last][1]
    if text[end:end + 1] == "." and len(toks[last][2]) == 1:
        end += 1
    return start, end


def find_latin_names(text: str) -> Iterator[Span]:
    toks = _tokens(text)
    for run in _runs(text, toks):
        # "Soy Carmen López", "Frau Müller": a cue or title may open the run itself
        for k in range(len(run)):
            if run[k] != run[0] + k:
                break
            span = _name_span(text, toks, run[k:])
            if span:
                yield "PERSON", *span
                break


def _han_run_after(text: str, pos: int, chars: str, limit: int) -> str:
    m = re.compile(rf"[{chars}]{{1,{limit}}}").match(text, pos)
    return m.group() if m else ""


_ZH_STOP = set("的了是在想要和跟与请帮把给说我你他她它们这那有也都就还")


def _zh_name(run: str) -> str:
    """Surname (from the list; 2-char compounds first) + 1-2 given-name chars, or ''."""
    lex = lexicon()
    if run[:2] in lex["zh_compound_surnames"]:
        n_sur = 2
    elif run[:1] and run[0] in lex["zh_surnames"]:
        n_sur = 1
    else:
        return ""
    given = ""
    for k in range(n_sur, min(n_sur + 2, len(run))):
        if run[k] in _ZH_STOP or any(run.startswith(x, k) for x in lex["zh_name_suffixes"]):
            break
        given += run[k]
    return run[:n_sur] + given if given else ""


_CJK_RE = re.compile(f"[{HAN}{KATA}{HIRA}]")


def find_zh_names(text: str) -> Iterator[Span]:
    if not _CJK_RE.search(text):  # most messages: skip the cue scans
        return
    lex = lexicon()
    for cue in lex["zh_name_cues"]:
        for m in re.finditer(re.escape(cue), text):
            pos = m.end()
            while pos < len(text) and text[pos] in "：: ":
                pos += 1
            run = _han_run_after(text, pos, HAN, 4)
            name = _zh_name(run)
            if name:
                yield "PERSON", pos, pos + len(name)
    suffixes = "|".join(map(re.escape, lex["zh_name_suffixes"]))
    for m in re.finditer(rf"([{HAN}]{{1,4}})(?:{suffixes})", text):
        run = m.group(1)
        for k in range(max(0, len(run) - 3), len(run)):
            cand = run[k:]
            name = _zh_name(cand) if len(cand) > 1 else (cand if cand in lex["zh_surnames"] else "")
            if name == cand:
                yield "PERSON", m.start(1) + k, m.end(1)
                break


def _ja_ok(run: str) -> bool:
    lex = lexicon()
    if re.fullmatch(rf"[{KATA}]{{2,12}}", run):
        return True
    return any(run.startswith(s) for s in lex["ja_surnames"])


def find_ja_names(text: str) -> Iterator[Span]:
    if not _CJK_RE.search(text):
        return
    lex = lexicon()
    name_chars = HAN + KATA
    for cue in lex["ja_name_cues_strong"]:
        if cue.startswith("と") or cue.startswith("とい"):
            for m in re.finditer(rf"([{name_chars}]{{1,8}})\s?{re.escape(cue)}", text):
                yield "PERSON", m.start(1), m.end(1)
        else:
            for m in re.finditer(rf"{re.escape(cue)}[はがを]?[：:\s]*([{name_chars}]{{1,8}})", text):
                yield "PERSON", m.start(1), m.end(1)
    for m in re.finditer(rf"私は([{name_chars}]{{1,8}})です", text):
        if _ja_ok(m.group(1)):
            yield "PERSON", m.start(1), m.end(1)
    suffixes = "|".join(map(re.escape, lex["ja_name_suffixes"]))
    for m in re.finditer(rf"([{name_chars}]{{1,8}})(?:{suffixes})(?!名)", text):
        run = m.group(1)
        for k in range(len(run)):
            if _ja_ok(run[k:]):
                yield "PERSON", m.start(1) + k, m.end(1)
                break


# ------------------------------------------------------------------------- addresses


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_EN_DROP = {"Park", "Green", "View", "Point", "Center", "Centre", "Row", "Walk", "Crossing", "Commons",
            "Hill", "Ridge", "Heights", "Grove", "Gardens", "Dr"}


@lru_cache(maxsize=1)
def _address_res() -> list[re.Pattern]:
    lex = lexicon()
    en_types = _alt([t for t in lex["street_types_en"] if t not in _EN_DROP])
    units = _alt(lex["unit_words"])
    suffixes = _alt(lex["street_suffixes"])
    long = _alt(lex["street_suffixes_long"])
    fr = _alt(lex["street_words_fr"])
    es = _alt(lex["street_words_es"])
    de_pre = _alt(lex["street_words_de_prefix"])
    unit = rf"(?:,?\s{{1,3}}(?:{units})\.?\s?#?\s?[\w-]{{1,6}}\b)?"
    num = r"\d{1,5}[a-zA-Z]?(?:[-/]\d{1,4}[a-zA-Z]?)?"
    word = rf"(?:{CAP}|\d{{1,4}}(?:st|nd|rd|th)|[{_UP}]\.)"
    return [
        # 123 Main St / 55 West 46th Street / 1987 74 Diakou Street, Suite 680
        re.compile(rf"(?<![\w#.,-])\d{{1,6}}[a-zA-Z]?(?:-\d{{1,5}})?,?\s(?:\d{{1,5}}\s)?(?:{word}\s){{0,4}}"
                   rf"(?:{en_types})\b\.?{unit}"),
        # Hauptstraße 5, Karl-Marx-Str. 12a, 6750 Koskikatu 25, Königsallee 27
        re.compile(rf"(?<![\w])(?:\d{{1,6}}\s)?(?:{CAP}[\s-])?(?:[{_UP}][{_LO}]{{3,}}(?i:{long})|"
                   rf"[{_UP}][{_LO}]*(?i:{suffixes})|(?i:{suffixes}))\s?\d{{1,4}}\s?[a-zA-Z]?\b(?![,.]\d){unit}"),
        # 20789 Allika 46 (zip or house number, street, number)
        re.compile(rf"(?<![\w#.,-])\d{{3,6}}\s(?:{CAP}\s){{1,3}}\d{{1,4}}[a-zA-Z]?(?![\w.,%]|\s?(?:kg|g|cm|mm|m|ml|l|GB|TB|x)\b)"),
        # Seestraße 5, 10115 Berlin / Rue X 3, 75002 Paris: street + number, zip + town
        re.compile(rf"(?<![\w])(?:{CAP}\s){{1,3}}\d{{1,4}}[a-zA-Z]?,\s?\d{{4,5}}\s{CAP}"),
        # Am Rosenhang 7
        re.compile(rf"(?<![\w])(?:{de_pre})\s{CAP}(?:\s{CAP})?\s\d{{1,4}}\s?[a-z]?\b"),
        # 12 rue de la Paix / 8 avenue Victor Hugo / 25 boulevard Saint-Michel
        re.compile(rf"(?<![\w#.,-])\d{{1,4}}(?:\s?(?:bis|ter|b))?,?\s(?i:{fr})\s"
                   rf"(?:(?:de|du|des|la|le|les)\s|[dl]['’]|{CAP}(?:\s|$))*(?:{CAP})?"),
        # Calle de Alcalá 48 / Avenida de la Constitución 12, 3º B / Via Roma 12 / Rua do Arenque 1634
        re.compile(rf"(?<![\w])(?:{es})\s(?:(?:de|del|la|las|los|el|y|da|do|dos|das|di|della|delle|dei)\s|{CAP}\s)"
                   rf"{{1,6}},?\s?(?:n[º°o]\.?\s?)?\d{{1,4}}[a-zA-Z]?"
                   r"(?:,?\s\d{1,2}\s?[º°ª](?:\s?\d{1,2}\s?[ºª]?|\s?[A-Za-z]\b)?)?"),
        # PSC 6293, Box 8158 / PO Box 123 / Postfach 12 34
        re.compile(r"(?<![\w])(?:(?:PSC|Unit|CMR)\s\d{3,5},?\s+Box\s\d{3,5}|(?i:P\.?\s?O\.?\s?Box|Postfach|"
                   r"Apartado de correos|Boîte postale)\s\d{1,6})"),
    ]


@lru_cache(maxsize=1)
def _address_cue_re() -> re.Pattern:
    cues = _alt(lexicon()["address_cues"]).replace(r"\ ", r"\s+")
    num = r"\d{1,6}[a-zA-Z]?"
    cap = rf"[{_UP}][{_UP}{_LO}'’.-]*"
    word = rf"[{_UP}{_LO}][{_UP}{_LO}'’.-]*"
    return re.compile(rf"(?i:(?<![\w])(?:{cues}))[\s:,]{{0,3}}"
                      rf"((?:{num}\s{cap}(?:\s{word}){{0,3}}|{cap}(?:\s{word}){{0,3}})\s{num}\b"
                      rf"(?:,\s(?:{cap}\s?){{1,3}})?)")


_NOT_STREET = re.compile(r"(?i)\b(zip|postal|plz|cp|code|order|item|pedido|commande|bestellung|suite|apt)\b")


_CONT_LINE = re.compile(
    rf"(?:[ \t]*,)?\n(?:[ \t>?]*\n)?[ \t>?]*(?:(?:Suite|Apt|Unit|Ste|Flat|Apartment)\.?\s?#?\w{{1,6}}|"
    rf"{CAP}(?:[ -]{CAP}){{0,3}}(?:,?\s?[A-Z]{{2}})?(?:\s\d{{4,6}})?|[{_UP}]{{2,}}(?:\s[{_UP}]{{2,}}){{0,2}}|"
    rf",?\s?[A-Z]{{2}}\s\d{{4,6}}|\d{{4,6}}\s{CAP}(?:\s{CAP})?|{CAP}(?:\s{CAP})?\s\d{{4,6}})[ \t]*(?=\n|$|[.?!])")


def _extend_lines(text: str, end: int) -> int:
    """Take the unit, town and zip lines that follow an address block."""
    for _ in range(5):
        m = _CONT_LINE.match(text, end)
        if not m:
            break
        end = m.end()
    return end


def find_latin_addresses(text: str) -> Iterator[Span]:
    for rx in _address_res():
        for m in rx.finditer(text):
            s, e = m.start(), m.end()
            while e > s and text[e - 1] in " ,\n":
                e -= 1
            yield "STREET_ADDRESS", s, _extend_lines(text, e)
    for m in _address_cue_re().finditer(text):
        if not _NOT_STREET.match(m.group(1)):
            yield "STREET_ADDRESS", m.start(1), _extend_lines(text, m.end(1))


_ZH_ADDR = re.compile(rf"[{HAN}]{{2,24}}?(?:路|街|大道|大街|巷|弄|胡同|道)\s?\d{{1,5}}\s?[号號]"
                      rf"(?:[{HAN}A-Za-z0-9]{{0,8}}?(?:楼|室|单元|栋|幢|座|层))*")
_JA_ADDR = re.compile(
    rf"[{HAN}{HIRA}{KATA}]{{1,30}}?(?:(?:\d{{1,4}}|[一二三四五六七八九十]{{1,3}})(?:丁目|番地|番|号)"
    rf"(?:\s?\d{{1,4}}(?:番地|番|号)?)*(?:[-‐]\d{{1,4}}){{0,3}}|\d{{1,4}}(?:[-‐]\d{{1,4}}){{1,3}})")
_ZH_TRIM = set("请寄送发到至往住在是为改成把我的家新想要帮给：:")
_JA_PARTICLES = set("はをにへがでとも")


def _trim_cjk(text: str, s: int, e: int, regions: list[str], cues: list[str]) -> int:
    chunk = text[s:e]
    hits = [chunk.find(r) for r in regions if r in chunk]
    if hits:
        return s + min(hits)
    best = 0
    for c in cues:
        k = chunk.rfind(c)
        if k >= 0:
            best = max(best, k + len(c))
    return s + best


def find_cjk_addresses(text: str) -> Iterator[Span]:
    if not _CJK_RE.search(text):
        return
    lex = lexicon()
    cues = lex["cjk_address_cues"]
    for m in _ZH_ADDR.finditer(text):
        s = _trim_cjk(text, m.start(), m.end(), lex["cn_regions"], cues)
        if s == m.start():
            while s < m.end() and text[s] in _ZH_TRIM:
                s += 1
        if m.end() - s >= 4:
            yield "STREET_ADDRESS", s, m.end()
    for m in _JA_ADDR.finditer(text):
        chunk = m.group()
        if not (re.search("[都道府県市区町村郡]", chunk) or "丁目" in chunk):
            continue
        s = _trim_cjk(text, m.start(), m.end(), lex["jp_regions"], cues)
        if s == m.start():
            last = max((i for i, ch in enumerate(chunk) if ch in _JA_PARTICLES
                        and i < len(chunk) - 4), default=-1)
            s = m.start() + last + 1
        if m.end() - s >= 4:
            yield "STREET_ADDRESS", s, m.end()


CONTEXT_FINDERS = {
    "STREET_ADDRESS": (find_latin_addresses, find_cjk_addresses),
    "PERSON": (find_latin_names, find_zh_names, find_ja_names),
}
