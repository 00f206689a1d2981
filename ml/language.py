"""Deterministic language identification for short customer messages.

`detect_language(text)` returns one of ``LANGUAGES``: "en", "zh", "es", "de", "fr",
"ja", "it", "pt". No model, no downloads, well under a millisecond per message.

How it decides:
1. Strip tokens that carry no language: URLs, e-mail addresses, order / invoice ids
   (``#W2378156``, ``113542617735902``), anything holding a digit, @handles. A token
   ends at a space or at a Chinese or Japanese character, so an id glued to CJK text
   (``订单#W1234567的状态``) takes none of the text with it.
2. Script: any kana -> "ja"; Han without kana -> "zh" (when CJK characters are not
   swamped by Latin letters, e.g. a Chinese sentence around a product name).
3. Latin script: each word found in a language's profile (function words, greetings,
   yes/no, common support vocabulary) scores for that language, split evenly between
   the languages that share it; diacritics (ñ ¿ ß ã œ ...) and suffixes (-ción, -ção,
   -zione, -ung ...) add evidence. The best score wins; ties go to the order of
   ``_TIE_ORDER``; nothing recognised -> "en".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LANGUAGES: tuple[str, ...] = ("en", "zh", "es", "de", "fr", "ja", "it", "pt")
DEFAULT_LANGUAGE = "en"

# Latin-script word profiles. Kept as data: one whitespace-separated string per language.
_PROFILES: dict[str, str] = {
    "en": """
        invoice receipt review subscribe unsubscribe stop emailing perfect thanks got help pay nothing here says
        the a an and or but of to in on at for from with without by about as is are was
        were be been being am do does did done have has had having i me my mine you your
        yours we our us they their them he she his her it its this that these those there
        here what when where why how who which whom can could would should will shall may
        might must not no yes yeah yep nope ok okay okey please thanks thank thx hi hello
        hey dear sorry still yet just only also very too much many more most any some all
        every each again already never ever want need like know get got go going gone come
        came send sent received receive arrived arrive delivered delivery order orders
        ordered refund refunds money back cancel cancelled canceled change changed address
        shipping shipped package parcel item items product wrong broken damaged missing
        late where's it's i'm i've i'd don't doesn't didn't can't won't isn't wasn't you're
        that's what's help tracking track number payment paid pay charged charge card
        account email phone tomorrow today yesterday week weeks days day sure great good
        bad fine right now cool awesome nothing anything something if then than because so
        up out into over after before since until my please agent human someone speak talk
        return exchange size color colour new one two three time times hasn't haven't
        bought purchase purchased waiting wait
        """,
    "es": """
        factura recibo perfecto ayudar ayuda pagar aceptan deja dejan plata equivocado recibir correos dice entregado quiero mandar mandan dejen
        el la los las un una unos unas y o pero de del al en con sin por para sobre como
        es son era fue ser estar está están estoy estaba he ha han has hemos yo me mi mis
        tu tus te usted ustedes nos nuestro nuestra su sus ellos ellas él ella esto este
        esta estos estas eso ese esa qué que cuándo cuando dónde donde por qué porqué cómo
        como quién cuál puedo puede pueden podría quiero quisiera necesito no sí si vale
        claro gracias hola buenas buenos días tardes noches favor perdón todavía aún ya
        solo muy mucho muchos más nada algo todo todos otra otro otra vez pedido pedidos
        reembolso devolución devolver dinero cancelar cancelado cambiar dirección envío
        enviado paquete producto artículo roto dañado llegó llega llegado recibido recibí
        tarde hoy mañana ayer semana semanas número seguimiento pago pagado tarjeta cuenta
        correo ayuda hablar persona agente ahora bien mal también hay hace hice tengo tiene
        tienen dónde está mío señor señora compra compré talla nuevo uno dos tres gusto
        entonces porque pues aquí allí sigue sigo esperando nadie responde ningún ninguna
        """,
    "de": """
        rechnung quittung perfekt passt helfen könnt zahlen bezahlen brauche keine mails zugestellt laut tracking vielen dank
        der die das den dem des ein eine einen einem einer und oder aber von zu zum zur in
        im an am auf für mit ohne bei aus nach über ist sind war waren sein bin bist hat
        habe haben hatte ich mich mir mein meine meinen meiner du dich dir dein deine sie
        ihr ihre ihnen wir uns unser unsere es er was wann wo warum wie wer welche welcher
        kann können könnte möchte will wollen muss müssen soll nicht kein keine ja nein
        doch bitte danke dankeschön hallo guten tag morgen abend entschuldigung noch schon
        nur sehr viel mehr nichts etwas alles immer wieder bestellung bestellungen
        bestellt erstattung rückerstattung geld zurück stornieren storniert ändern adresse
        lieferadresse versand lieferung geliefert paket artikel produkt kaputt beschädigt
        falsch fehlt angekommen erhalten heute gestern woche wochen tage nummer
        sendungsverfolgung zahlung bezahlt karte konto hilfe sprechen mitarbeiter jetzt
        gut schlecht auch gibt machen gemacht wurde wird werden leider endlich seit dass
        weil wenn ob denn mal gerne klar okay genau stimmt richtig wo ist meine größe neu
        eins zwei drei hier dort niemand antwortet warte warten
        """,
    "fr": """
        facture reçu parfait aider payer besoin arrêtez envoyer mails dit rien peux pouvez
        le la les un une des du de d l et ou mais à au aux en dans sur pour par avec sans
        est sont était été être suis es sommes avez avons ai as a ont je j me m moi mon ma
        mes tu te toi ton ta tes vous votre vos nous notre nos il elle ils elles leur leurs
        ce cet cette ces ça cela qui que qu quoi quand où pourquoi comment quel quelle
        quels quelles peux peut pouvez pourriez veux voudrais voulons dois doit faut ne pas
        plus jamais rien non oui ouais si merci bonjour bonsoir salut svp stp pardon
        désolé encore déjà seulement très beaucoup trop tout tous toute toutes aussi
        commande commandes commandé remboursement rembourser argent annuler annulé annulée
        changer modifier adresse livraison livré livrée colis article produit cassé abîmé
        endommagé reçu reçue arrivé arrivée aujourd hui demain hier semaine semaines jours
        numéro suivi paiement payé carte compte aide parler conseiller agent maintenant
        bien mal voilà alors parce y avoir fait faire toujours personne répond attends
        attendre taille nouveau deux trois ici là madame monsieur
        """,
    "it": """
        fattura ricevuta perfetto aiutare aiuto pagare serve mandatemi mandare più email risulta niente potete posso
        il lo la i gli le un uno una e o ma di del della dei delle da dal dalla in nel
        nella su sul per con senza tra fra è sono era stato stata essere ho hai ha abbiamo
        avete hanno io mi mio mia miei mie tu ti tuo tua voi vostro vostra noi ci nostro
        nostra lui lei loro questo questa quello quella che cosa quando dove perché come
        chi quale posso può potete potrei voglio vorrei devo deve non no sì si grazie
        ciao buongiorno buonasera salve prego scusa scusi ancora già solo molto tanto
        troppo niente qualcosa tutto tutti anche ordine ordini ordinato rimborso soldi
        annullare annullato cambiare modificare indirizzo spedizione spedito consegna
        consegnato pacco articolo prodotto rotto danneggiato sbagliato arrivato ricevuto
        oggi domani ieri settimana settimane giorni numero tracciamento pagamento pagato
        carta account aiuto parlare operatore adesso bene male allora ecco fatto fare
        sempre nessuno risponde aspetto aspettando taglia nuovo due tre qui là va bene
        """,
    "pt": """
        fatura nota fiscal recibo perfeito ajudar pagar parem mandar emails diz entregue beleza valeu recebi podem posso
        o a os as um uma uns umas e ou mas de do da dos das no na nos nas em com sem por
        pelo pela para sobre é são era foi ser estar está estão estou estava tenho tem
        temos têm eu me meu minha meus minhas você vocês te teu tua nós nosso nossa ele ela
        eles elas isto isso este esta esse essa aquele que quando onde porque por que como
        quem qual posso pode podem poderia quero queria gostaria preciso não sim obrigado
        obrigada olá oi bom dia boa tarde noite favor desculpe ainda já só muito muita
        mais nada algo tudo todos também encomenda encomendas pedido pedidos reembolso
        dinheiro cancelar cancelado cancelada mudar alterar endereço entrega envio enviado
        pacote produto artigo quebrado danificado errado chegou chegaram recebi recebido
        hoje amanhã ontem semana semanas dias número rastreamento rastreio pagamento pago
        cartão conta ajuda falar atendente agora bem mal então aqui ali ninguém responde
        esperando tamanho novo dois duas três vez vezes fui cobrado cobrada vou vai fazer
        feito
        """,
}

# Evidence from characters and word endings: (regex, {language: weight}).
_CHAR_CUES: list[tuple[re.Pattern[str], dict[str, float]]] = [
    (re.compile(r"[ñ¿¡]"), {"es": 2.0}),
    (re.compile(r"ß"), {"de": 2.0}),
    (re.compile(r"[äö]"), {"de": 1.5}),
    (re.compile(r"ü"), {"de": 1.0}),
    (re.compile(r"[ãõ]"), {"pt": 2.0}),
    (re.compile(r"œ"), {"fr": 2.0}),
    (re.compile(r"[êîûëïÿ]"), {"fr": 1.0}),
    (re.compile(r"ç"), {"fr": 0.8, "pt": 0.8}),
    (re.compile(r"â"), {"fr": 0.5, "pt": 0.5}),
    (re.compile(r"ô"), {"fr": 0.7, "pt": 0.5}),
    (re.compile(r"è"), {"fr": 0.8, "it": 0.6}),
    (re.compile(r"[ìò]"), {"it": 1.0}),
    (re.compile(r"ù"), {"it": 0.6, "fr": 0.5}),
    (re.compile(r"à"), {"fr": 0.5, "it": 0.4, "pt": 0.3}),
    (re.compile(r"[áíóú]"), {"es": 0.5, "pt": 0.5}),
    (re.compile(r"\w+ción\b|\w+siones?\b"), {"es": 1.0}),
    (re.compile(r"\w+ções?\b|\w+ção\b"), {"pt": 1.5}),
    (re.compile(r"\w+zion[ei]\b"), {"it": 1.0}),
    (re.compile(r"\w+(ung|keit|heit|lich|chen)\b|sch"), {"de": 0.6}),
    (re.compile(r"\w+(tion|ing|ness|ly)\b|\bth|wh"), {"en": 0.3}),
    (re.compile(r"\w+(eux|eur|ement|aient|ais|ait)\b"), {"fr": 0.4}),
    (re.compile(r"\w+(mente)\b"), {"es": 0.2, "it": 0.2, "pt": 0.2}),
]

# Preference when two languages score the same (most frequent customer languages first).
_TIE_ORDER: tuple[str, ...] = ("en", "es", "de", "fr", "pt", "it")


def _noise_pattern(tok: str, local: str, domain: str, handle: str) -> re.Pattern[str]:
    return re.compile(
        rf"https?://{tok}+|www\.{tok}+"  # URLs
        rf"|{local}+@{domain}+(?:\.{domain}+)+"  # e-mail addresses
        rf"|@{handle}+"  # handles
        rf"|#{tok}+"  # ids written with a hash
        rf"|{tok}*\d{tok}*"  # any token holding a digit: order ids, sizes, prices, dates
    )


# Chinese and Japanese put no space between an id and the words around it
# ("订单#W1234567的状态", "注文#W2378156はどこ"), so in text holding CJK characters (Han,
# kana, CJK and full-width punctuation) a noise token ends at one of them as well as at a
# space. Text without them keeps the plain (faster) pattern.
_CJK = "\u3000-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20\uff5b-\uff9f"
_HAS_CJK = re.compile(f"[{_CJK}]")
_NOISE = _noise_pattern(r"\S", r"[\w.+-]", r"[\w-]", r"\w")
_NOT_CJK = f"(?![{_CJK}])"
_NOISE_CJK = _noise_pattern(f"[^\\s{_CJK}]", rf"(?:{_NOT_CJK}[\w.+-])", rf"(?:{_NOT_CJK}[\w-])", rf"(?:{_NOT_CJK}\w)")

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _is_kana(ch: str) -> bool:
    o = ord(ch)
    return 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9F


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


@lru_cache(maxsize=1)
def _word_weights() -> dict[str, dict[str, float]]:
    owners: dict[str, set[str]] = {}
    for lang, words in _PROFILES.items():
        for w in words.split():
            w = unicodedata.normalize("NFC", w.strip(",").lower())
            owners.setdefault(w, set()).add(lang)
    return {w: {lang: 1.0 / len(langs) for lang in langs} for w, langs in owners.items()}


def strip_noise(text: str) -> str:
    """Remove URLs, e-mails, handles and tokens with digits (order ids, prices)."""
    cjk = not text.isascii() and _HAS_CJK.search(text)
    return (_NOISE_CJK if cjk else _NOISE).sub(" ", text)


def latin_scores(text: str) -> dict[str, float]:
    """Scores for the Latin-script languages (exposed for debugging and tests)."""
    weights = _word_weights()
    low = unicodedata.normalize("NFC", text.lower())
    scores = {lang: 0.0 for lang in _PROFILES}
    for word in _WORD.findall(low):
        word = word.replace("’", "'")
        parts = [word]
        if "'" in word and word not in weights:  # l'adresse, j'ai, qu'il, dell'ordine
            parts = word.split("'")
        for part in parts:
            for lang, w in weights.get(part, {}).items():
                scores[lang] += w
    for pattern, cue in _CHAR_CUES:
        n = len(pattern.findall(low))
        if n:
            for lang, w in cue.items():
                scores[lang] += w * min(n, 3)
    return scores


def detect_language(text: str) -> str:
    """Return the language code of a customer message ("en" when unsure)."""
    if not text:
        return DEFAULT_LANGUAGE
    cleaned = strip_noise(text)
    kana = han = latin = 0
    for ch in cleaned:
        if ch.isascii():
            if ch.isalpha():
                latin += 1
        elif _is_kana(ch):
            kana += 1
        elif _is_han(ch):
            han += 1
        elif ch.isalpha():
            latin += 1
    cjk = kana + han
    if cjk and cjk * 4 >= latin:
        return "ja" if kana else "zh"
    if not latin:
        return DEFAULT_LANGUAGE
    scores = latin_scores(cleaned)
    best = max(scores.values())
    if best <= 0:
        return DEFAULT_LANGUAGE
    for lang in _TIE_ORDER:
        if scores[lang] == best:
            return lang
    return DEFAULT_LANGUAGE  # pragma: no cover


__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "detect_language", "strip_noise", "latin_scores"]
