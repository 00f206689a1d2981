"""Flag angry or threatening customer messages for a human (en/zh/es/de/fr/ja).

Rule-based and deterministic: lexicons (``LEXICON``, kept as data below) of insults,
anger, profanity, "third time I ask" patterns, public-shaming, legal threats,
chargeback threats, violence and self-harm signals, plus shouting (ALL CAPS) and
repeated punctuation ("!!!").

Scoring: every *anger* category that fires adds its strongest matching weight (plus
0.1 for each further distinct match, up to +0.2); ``angry`` is that sum >= 0.6. So one
insult ("scammers") or a very strong word ("furious") is enough, while an ordinary
complaint with one weak word ("disappointed", "still waiting") is not. *Threat*
categories (legal, chargeback, violence, self_harm) set ``threat`` on their own unless
a negator stands right before them ("I'm not going to sue"). Self-harm counts as a
threat (to a person) so that it always reaches a human; its reason says which.
``score`` = min(1, anger sum + strongest threat weight).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pydantic import BaseModel, Field

ANGRY_THRESHOLD = 0.6

ANGER_CATEGORIES = (
    "insult", "anger", "profanity", "repeat_contact", "ultimatum", "public_shaming", "manager",
)
THREAT_CATEGORIES = ("legal", "chargeback", "violence", "self_harm")
_CJK_LANGS = {"zh", "ja"}


class Escalation(BaseModel):
    angry: bool
    threat: bool
    reasons: list[str] = Field(default_factory=list)  # "category: matched text", ...
    score: float = 0.0
    escalate: bool = False  # angry or threat: hand the thread to a human


# ---------------------------------------------------------------- lexicons (data)
# category -> language -> [(regex, weight)]. Latin-script patterns see lower-cased,
# accent-stripped text; zh/ja patterns see the text as written (lower-cased).
LEXICON: dict[str, dict[str, list[tuple[str, float]]]] = {
    "insult": {
        "en": [(r"\b(scammers?|thie(f|ves)|crooks?|fraudsters|frauds|con artists|liars|crooked)\b", 0.6),
               (r"\b(idiots?|morons?|clowns|imbeciles|incompetent|pathetic|rip-?off)\b", 0.6),
               (r"\b(fuck|screw|f\*+k?|f\*+ck) (you|u|off|this|your)\b|\bgo to hell\b|\bshame on you\b", 0.6),
               (r"\b(total|complete|absolute|such a|what a) (scam|fraud|joke|rip-?off)\b|\b(you|you guys|you people|this company|this store|this shop)( are|'re| is)( all)? (a )?(total |complete )?(scam|fraud|joke)\b", 0.6),
               (r"\b(you|they|you guys|you people) (stole|robbed|ripped off|cheated|scammed|conned)\b", 0.6),
               (r"\b(scam|fraud|joke of a (company|store|shop))\b|\b(this|that)( is|'s) a joke\b|\bwhat a joke\b", 0.45),
               (r"\buseless\b", 0.3)],
        "es": [(r"\b(estafador(es|as?)?|ladron(es)?|sinverguenzas?|rateros?|timadores?)\b", 0.6),
               (r"\b(idiotas?|inutiles|incompetentes?|pendejos?|imbeciles)\b", 0.6),
               (r"\b(estafa|timo|fraude)\b", 0.45)],
        "de": [(r"\b(betruger(n|in)?|abzocker|diebe|idioten|inkompetent\w*|unfahig\w*|verbrecher)\b", 0.6),
               (r"\b(saftladen|verarsch\w*|abzocke|lachnummer|drecksladen|allerletzte)\b|\b(ihr seid|sie sind) (echt |wirklich )?(das letzte|unmoglich)\b", 0.6),
               (r"\bbetrug\b", 0.45)],
        "fr": [(r"\b(escrocs?|arnaqueurs?|voleurs?|incompetents?|minables|abrutis?|connards?|idiots)\b", 0.6),
               (r"\b(foutage de gueule|bande d'?\w+|vous (vous )?foutez de)\b", 0.6),
               (r"\b(arnaque|escroquerie)\b", 0.45)],
        "zh": [(r"骗子|诈骗|黑店|奸商|无耻|不要脸|白痴|混蛋|傻逼|傻x|废物|坑人|坑爹|骗钱|强盗", 0.6),
               (r"垃圾", 0.45)],
        "ja": [(r"詐欺|泥棒|ふざけるな|ふざけんな|バカ|馬鹿|最低|クソ", 0.6)],
    },
    "anger": {
        "en": [(r"\b(furious|livid|outraged|enraged|pissed( off)?|disgraceful|how dare you)\b|\b(i'?m|i am|we are|we're) (so |really |very |extremely )?(angry|mad)\b", 0.6),
               (r"\b(fed up|sick (and tired )?of|enough is enough|ridiculous|disgusting|outrageous|worst \w+ ever|absolutely unacceptable|never again|never (buy|order|shop)\w*|i'?m done with (you|this|your)|can'?t take (this|it) any ?more)\b", 0.45),
               (r"\b(unacceptable|disappointed|frustrat\w+|annoyed|upset|terrible|horrible|awful)\b", 0.2)],
        "es": [(r"\b(furios[oa]|indignad[oa]|cabread[oa]|que verguenza|es una verguenza|hart[oa]s?|indignante|hasta las narices|hasta la madre|hasta el gorro)\b", 0.6),
               (r"\b(tomando el pelo|burlando de)\b", 0.45),
               (r"\b(ridiculo|inaceptable|el peor|pesimo servicio|nunca mas|vergonzoso)\b", 0.45),
               (r"\b(decepcionad[oa]|molest[oa]|frustrad[oa]|terrible|pesim[oa]|horrible|fatal)\b", 0.2)],
        "de": [(r"\b(stinksauer|wutend|emport|unverschamtheit|frechheit|skandal\w*|zumutung)\b", 0.6),
               (r"\b(reicht (es )?mir|nase voll|unverschamt|sauer|lacherlich|nie wieder|unfassbar)\b|\bdas (ist|war) (doch )?das letzte\b", 0.45),
               (r"\b(enttauscht|verargert|argerlich|schrecklich|furchtbar|inakzeptabel|unmoglich)\b", 0.2)],
        "fr": [(r"\b(furieux|furieuse|scandaleux|scandaleuse|inadmissible|honteux|honte|indigne|exaspere)\b", 0.6),
               (r"\b(en ai marre|ras le bol|j'en ai assez|ridicule|plus jamais|inacceptable)\b", 0.45),
               (r"\b(decue?|mecontente?|enerve|agace|horrible|lamentable|nul)\b", 0.2)],
        "zh": [(r"气死|太过分|忍无可忍|受够了|愤怒|火大|岂有此理|什么破|恶心|再也不(会)?(买|来)", 0.6),
               (r"失望|不满意|太差|生气|很烦|糟糕|离谱", 0.2)],
        "ja": [(r"激怒|ムカつく|いい加減にしろ|許せない|腹が立つ", 0.6), (r"残念|不満|ひどい", 0.2)],
    },
    "profanity": {
        "en": [(r"\b(fuck\w*|f\*+(k|ck)?\w*|shit\w*|bullshit|wtf|crap|damn|bloody|bastards?|asshole)\b", 0.3)],
        "es": [(r"\b(mierda|joder|jodid[oa]s?|cono|carajo|puta|chingad[oa])\b", 0.3)],
        "de": [(r"\b(scheisse|scheiss\w*|verdammt\w*|kacke|mist)\b", 0.3)],
        "fr": [(r"\b(merde|putain|bordel|chier|connerie)\b", 0.3)],
        "zh": [(r"他妈|tmd|妈的|卧槽|我操|cnm", 0.3)],
    },
    "repeat_contact": {
        "en": [(r"\b(second|third|fourth|fifth|2nd|3rd|4th|5th|\d+th|umpteenth|hundredth|last) (time|email|e-mail|message|request|reminder|call|attempt)\b", 0.35),
               (r"\bhow many (more )?times\b|\bagain and again\b|\bover and over\b", 0.35),
               (r"\b(asked|told|written|wrote|emailed|called|contacted|messaged)( to)?( you)?( \w+)? (several|many|multiple|three|four|five|\d+|so many|countless) times\b", 0.35),
               (r"\b(no ?one|nobody) (has |ever |even )?(answered|answers|answer|replied|replies|reply|responded|responds|respond|helps|helped|gets back)\b|\bkeep(s)? ignoring\b|\bignor(ed|ing) (me|my)\b", 0.35)],
        "es": [(r"\b(segunda|tercera|cuarta|quinta|enesima) vez\b|\bcuantas veces\b|\botra vez\b|\bvarias veces\b", 0.35),
               (r"\bnadie (me )?(responde|contesta|ayuda)\b|\bme ignoran\b", 0.35)],
        "de": [(r"\bzum (zweiten|dritten|vierten|x-ten|wiederholten) mal\b|\bwie oft (noch|denn)\b|\bschon wieder\b|\bmehrmals\b|\b(zweimal|dreimal|viermal|funfmal|x-mal|zigmal|mehrfach) (geschrieben|angerufen|nachgefragt|gefragt|gemeldet)\b", 0.35),
               (r"\bniemand (antwortet|meldet sich|hilft)\b|\bignoriert\b", 0.35)],
        "fr": [(r"\b(deuxieme|troisieme|quatrieme|\d+e|enieme) fois\b|\bcombien de fois\b|\bencore une fois\b|\bplusieurs fois\b", 0.35),
               (r"\bpersonne ne (repond|m'aide)\b|\bvous m'ignorez\b", 0.35)],
        "zh": [(r"第[二三四五六2-6]次|说了(好)?(多少|几)(次|遍)|好几次|多次|没人(回|理|管)|一直不(回|理)", 0.35)],
        "ja": [(r"何度も|[二三四3-5]回目|何回も|返事がない", 0.35)],
    },
    "ultimatum": {
        "en": [(r"\bor else\b|\bone more day\b|\blast chance\b|\bfinal warning\b|\bi'?m warning you\b|\bif (i|you) (don'?t|do not)\b.{0,50}\b(i will|i'll|i'm going to|i am going to)\b", 0.3)],
        "es": [(r"\bsi no\b.{0,50}\b(voy a|pienso|ire|hablare|pondre)\b|\bultimo aviso\b|\bo si no\b", 0.3)],
        "de": [(r"\bwenn\b.{0,40}\bnicht\b.{0,40}\b(dann|werde ich|schalte ich|gehe ich)\b|\bletzte (chance|warnung)\b|\bsonst\b", 0.3)],
        "fr": [(r"\bsinon\b|\bdernier avertissement\b|\bsi je n'?ai pas\b.{0,50}\b(je vais|je fais|je contacte)\b|\bsans (reponse|remboursement)\b", 0.3)],
        "zh": [(r"再不.{0,8}(就|我)|否则|最后一次机会", 0.3)],
    },
    "public_shaming": {
        "en": [(r"\b(1|one)[- ]star\b|\bbad review\b|\btell (everyone|all my friends)\b|\b(post|share|expose)\w* (this|you|it)? ?(on|to) (twitter|facebook|instagram|tiktok|reddit|youtube|social media)\b", 0.4)],
        "es": [(r"\bredes sociales\b|\bmala (resena|opinion)\b|\buna estrella\b", 0.4)],
        "de": [(r"\bsocial media\b|\bschlechte bewertung\b|\b(einen|1) stern\b|\boffentlich machen\b", 0.4)],
        "fr": [(r"\breseaux sociaux\b|\bavis negatif\b|\bune etoile\b", 0.4)],
        "zh": [(r"曝光|差评|发到网上|发微博|发抖音|(去|到)平台投诉", 0.4)],
    },
    "manager": {
        "en": [(r"\b(your|a|the) (manager|supervisor|boss)\b", 0.25)],
        "es": [(r"\b(tu|su|el|un) (gerente|supervisor|jefe|encargado)\b", 0.25)],
        "de": [(r"\b(ihren|deinen|den|einen) (vorgesetzten|chef|manager)\b", 0.25)],
        "fr": [(r"\b(votre|le|un) (responsable|superieur|manager|directeur)\b", 0.25)],
        "zh": [(r"(你们|找)(经理|领导|老板|主管)", 0.25)],
    },
    "legal": {
        "en": [(r"\b(sue|suing|sued)\b|\blaw ?suit\b|\blegal action\b|\b(small claims|to court|in court)\b", 0.7),
               (r"\b(contact|call|get|hire|involve|speak to|talk to|consult|hear from|through|forward\w* (this|it) to) (my|a) (lawyer|attorney|solicitor)\b|\bmy (lawyer|attorney|solicitor)( will|'ll)\b|\b(lawyer|attorney)'?s? letter\b", 0.7),
               (r"\breport (you|this|your \w+) to (the )?(bbb|ftc|police|authorities|consumer \w+|trading standards)\b|\b(bbb|ftc|trading standards|consumer protection( agency)?)\b|\b(call|calling|contact|involve) the police\b", 0.6)],
        "es": [(r"\b(hablar\w*|contactar\w*|llamar\w*|avisar\w*|consultar\w*|acudir\w*) (con |a )?(mi|un|una) abogad[oa]\b|\bmi abogad[oa] (se|les|os|te|va)\b", 0.7),
               (r"\b(demandar\w*|demanda judicial|tribunal(es)?|llevar\w* a juicio|acciones legales|profeco)\b", 0.7),
               (r"\b(denunciar\w*|denuncia|omic|oficina del consumidor|asociacion de consumidores|ocu)\b", 0.6)],
        "de": [(r"\b(meinen |einen )?(anwalt|anwaltin|rechtsanwalt) (einschalten|beauftragen|nehmen|informieren)\b|\b(schalte|nehme|beauftrage) (ich )?(meinen |einen )?(anwalt|rechtsanwalt)\b|\bzum anwalt\b|\bmein anwalt (wird|meldet)\b|\banwaltlich\w*\b", 0.7),
               (r"\b(verklagen|klage einreichen|vor gericht|rechtliche schritte|mahnverfahren)\b", 0.7),
               (r"\b(verbraucherzentrale|strafanzeige|anzeige erstatten)\b|\bpolizei (rufen|einschalten)\b|\bzur polizei\b", 0.6)],
        "fr": [(r"\b(contact\w*|appel\w*|saisir|prendre|voir|passer par|consulter) (un|mon) avocat\b|\bmon avocat (va|vous)\b", 0.7),
               (r"\b(porter plainte|poursuivre|poursuites|tribunal|proces|mise en demeure|en justice|la justice)\b", 0.7),
               (r"\b(dgccrf|ufc|que choisir|gendarmerie)\b|\b(appeler|prevenir) la police\b", 0.6)],
        "zh": [(r"起诉|告你们|找律师|请律师|律师函|法院|打官司|法律途径", 0.7), (r"消协|12315|工商局|报警|市场监管", 0.6)],
        "ja": [(r"弁護士に|訴え|訴訟|裁判", 0.7), (r"消費者センター|警察に", 0.6)],
    },
    "chargeback": {
        "en": [(r"\bcharge ?backs?\b|\bdispute (the|this|my|it|a)? ?(charge|payment|transaction)\b|\bdispute\w* (it|this)? ?with (my bank|paypal|visa|mastercard|amex|my card)\b", 0.6),
               (r"\b(credit card|card) (company|issuer)\b|\bgoing to my bank\b|\b(call|contact|tell|ask) my (bank|card issuer|credit card company)\b|\breverse the (charge|payment)\b|\bpaypal (claim|dispute)\b|\b(open|file) a (claim|dispute|case) with\b", 0.6)],
        "es": [(r"\bcontracargos?\b|\b(disputa|reclamacion) (con|en|a) (paypal|el banco|mi banco|la tarjeta)\b|\b(anular|desconocer|revertir) el (cargo|pago)\b|\b(hablar\w*|llamar\w*|reclamar\w*|avisar\w*) (a|con) mi banco\b", 0.6)],
        "de": [(r"\bruckbuchung\b|\bchargeback\b|\blastschrift (zuruck\w*|widerrufen)\b|\b(meine|die) bank (einschalten|kontaktieren|informieren)\b|\bkauferschutz\b|\bpaypal[- ]konflikt\b", 0.6)],
        "fr": [(r"\bretrofacturation\b|\bchargeback\b|\b(faire|fais|ferai|vais faire) opposition\b|\bopposition (sur|bancaire)\b|\bcontester (le|la|ce) (paiement|prelevement|debit)\b|\blitige paypal\b|\baupres de ma banque\b", 0.6)],
        "zh": [(r"拒付|信用卡公司|找银行|联系银行|撤销付款|申请争议|paypal争议", 0.6)],
        "ja": [(r"チャージバック|カード会社に(連絡|相談)", 0.6)],
    },
    "violence": {
        "en": [(r"\b(kill|hurt|shoot|stab|punch) (you|u|y'all)\b|\bburn (it|your \w+|the \w+)( \w+)? down\b|\bcome to your (office|store|warehouse|house|home)\b|\bwatch your back\b|\byou('ll| will) regret\b|\bi know where you (live|are)\b|\b(bomb|blow up) (your|the) \w+", 1.0)],
        "es": [(r"\b(matar(te|os|los|les)|voy a matar|quemarles|quemarlos|partir(te|les) la cara)\b|\b(os vais|se van) a arrepentir\b", 1.0)],
        "de": [(r"\b(bring\w* (euch|dich|sie) um|(euch|dich) umbringen|abstechen|anzunden|fertigmachen)\b|\bihr werdet es bereuen\b", 1.0)],
        "fr": [(r"\b(vous|te) (tuer|frapper|buter|casser la gueule)\b|\bbruler (votre|ton|le) \w+\b|\bvous allez le regretter\b", 1.0)],
        "zh": [(r"杀了你|弄死你|砍死|打死你|炸了你们|找上门|你们等着", 1.0)],
        "ja": [(r"殺す|ぶっ殺|覚えてろ", 1.0)],
    },
    "self_harm": {
        "en": [(r"\b(kill|hurt) myself\b|\bend (it all|my life)\b|\b(want|going) to end it\b(?! (with|for|now|here|today|please))|\bsuicid\w*\b|\bwant to die\b|\bno reason to live\b|\bdon'?t want to live\b", 1.0)],
        "es": [(r"\bsuicid\w*\b|\bquitar(me)? la vida\b|\bmatarme\b|\bno quiero vivir\b|\bquiero morir(me)?\b", 1.0)],
        "de": [(r"\bselbstmord\b|\bsuizid\w*\b|\bbring\w* mich um\b|\bmich umbringen\b|\bnicht mehr leben\b|\bsterben will\b", 1.0)],
        "fr": [(r"\bsuicid\w*\b|\bme tuer\b|\ben finir avec (la|ma) vie\b|\bje vais en finir\b|\bplus envie de vivre\b|\bveux mourir\b", 1.0)],
        "zh": [(r"自杀|不想活|活不下去|想死|轻生", 1.0)],
        "ja": [(r"死にたい|自殺|生きていけない", 1.0)],
    },
}

# A negator in the three words (Latin) / three characters (CJK) before a threat match
# cancels it: "I'm not going to sue", "no voy a demandar", "ich will nicht klagen".
_NEGATORS = {
    "not", "don't", "dont", "won't", "wont", "never", "no", "nicht", "kein", "keine",
    "nie", "ne", "n'", "pas", "jamais", "nunca", "ni", "without", "sin", "sans", "ohne",
}
_CJK_NEGATORS = re.compile(r"[不没別别]|无需|不会")

# Upper-case tokens that are not shouting.
_ACRONYMS = {
    "USA", "UK", "EU", "DHL", "UPS", "USPS", "FEDEX", "TNT", "GLS", "DPD", "EMS", "SMS",
    "PDF", "FAQ", "ASAP", "OK", "ID", "VAT", "IBAN", "PIN", "URL", "API", "CEO", "BBB",
    "FTC", "XL", "XXL", "XS", "PS", "AM", "PM", "COD", "SKU", "TV", "USB", "LED", "HDMI",
}
_UPPER_WORD = re.compile(r"\b[^\W\d_]{2,}\b")
_PUNCT = re.compile(r"[!！]{3,}|[!！?？]{4,}|(?:[!！][?？]|[?？][!！]){2,}|[!！].*[!！].*[!！]")
_LATIN_TOKEN = re.compile(r"[\w'’]+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, bool, re.Pattern[str], float]]:
    out = []
    for category, by_lang in LEXICON.items():
        for lang, patterns in by_lang.items():
            for pattern, weight in patterns:
                out.append((category, lang in _CJK_LANGS, re.compile(pattern), weight))
    return out


def _negated(subject: str, start: int, cjk: bool) -> bool:
    if cjk:
        return bool(_CJK_NEGATORS.search(subject[max(0, start - 3) : start]))
    before = _LATIN_TOKEN.findall(subject[max(0, start - 40) : start].replace("’", "'"))
    return any(tok in _NEGATORS or tok.endswith("n't") for tok in before[-3:])


def _shouting(text: str) -> bool:
    words = [w for w in _UPPER_WORD.findall(text) if w.upper() not in _ACRONYMS]
    letters = [w for w in words if any(ch.isupper() or ch.islower() for ch in w)]
    upper = [w for w in letters if w.isupper() and len(w) >= 2]
    return len(upper) >= 3 and len(upper) >= 0.6 * len(letters)


def assess_escalation(text: str) -> Escalation:
    """Is this customer message angry or threatening enough for a human?"""
    if not text or not text.strip():
        return Escalation(angry=False, threat=False)
    folded = _fold(text)
    raw = text.lower()
    hits: dict[str, list[tuple[float, str]]] = {}
    for category, cjk, pattern, weight in _compiled():
        subject = raw if cjk else folded
        for match in pattern.finditer(subject):
            if category in THREAT_CATEGORIES and category != "self_harm":
                if _negated(subject, match.start(), cjk):
                    continue
            hits.setdefault(category, []).append((weight, match.group(0).strip()))
    if _shouting(text):
        hits.setdefault("shouting", []).append((0.4, ""))
    if _PUNCT.search(text):
        hits.setdefault("repeated_punctuation", []).append((0.25, ""))

    reasons: list[str] = []
    anger = 0.0
    threat_weight = 0.0
    for category, found in hits.items():
        weights = sorted({w for w, _ in found}, reverse=True)
        distinct = {m for _, m in found}
        best = weights[0]
        if category in THREAT_CATEGORIES:
            threat_weight = max(threat_weight, best)
        else:
            anger += best + min(0.2, 0.1 * (len(distinct) - 1))
        terms = ", ".join(sorted(m for m in distinct if m))
        reasons.append(f"{category}: {terms}" if terms else category)
    angry = anger >= ANGRY_THRESHOLD
    threat = threat_weight > 0
    score = round(min(1.0, anger + threat_weight), 3)
    return Escalation(angry=angry, threat=threat, reasons=reasons, score=score, escalate=angry or threat)


__all__ = ["Escalation", "assess_escalation", "LEXICON", "ANGRY_THRESHOLD"]
