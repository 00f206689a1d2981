"""Language detection on short, natural customer messages (hand-written check set)."""

from __future__ import annotations


import pytest

from ml.language import LANGUAGES, detect_language

CASES: dict[str, list[str]] = {
    "en": [
        'got it, thanks',
        'Can I pay with PayPal?',
        'my order says delivered but nothing is here',
        'please stop emailing me',
        'I need an invoice for my company',
        'where do I leave a review',
        "yes",
        "no thanks",
        "ok",
        "Where is my order #W2378156?",
        "I want a refund",
        "hi, my package never arrived",
        "can you cancel it please",
        "The shoes are too small, can I exchange them?",
        "my email is john.smith@example.com",
        "thanks!",
        "what's the status of order 113542617735902",
        "it came broken",
        "I'd like to change my shipping address",
        "still waiting for my money back",
        "yes please go ahead",
        "how long does delivery take to Canada?",
        "Wrong color, I ordered blue",
        "can I talk to a real person",
        "the tracking number doesn't work",
        "Hello, I was charged twice",
        "sure",
        "nope",
    ],
    "zh": [
        '可以用PayPal付款吗',
        '我需要发票',
        '别再给我发邮件了',
        '显示已签收但我没收到',
        '能帮我一下吗',
        '好的没问题',
        "是的",
        "好的",
        "我的订单到哪里了？",
        "我想退款",
        "订单 #W2378156 还没收到",
        "可以取消订单吗",
        "收到的商品坏了",
        "请帮我改一下收货地址",
        "谢谢",
        "不用了",
        "什么时候发货？",
        "我要找人工客服",
        "退款什么时候到账",
        "这个尺码太小了，能换吗",
        "我的邮箱是 wang@qq.com",
        "iPhone 充电器不能用",
        "快递单号查不到",
        "付款失败了怎么办",
        "我被扣了两次钱",
        "能发到上海吗",
        "你们的退货政策是什么",
    ],
    "es": [
        'Me llegó un producto equivocado',
        '¿Aceptan PayPal?',
        'Necesito la factura',
        'no quiero recibir más correos',
        'dice entregado pero no tengo nada',
        '¿me pueden ayudar?',
        "sí",
        "si, por favor",
        "gracias",
        "¿Dónde está mi pedido?",
        "Quiero un reembolso",
        "hola, mi paquete no ha llegado",
        "¿Pueden cancelar el pedido #W2378156?",
        "El producto llegó roto",
        "necesito cambiar la dirección de envío",
        "todavía no me han devuelto el dinero",
        "vale, perfecto",
        "¿Cuánto tarda el envío a México?",
        "me cobraron dos veces",
        "quiero hablar con una persona",
        "la talla es muy pequeña",
        "buenos días, tengo un problema con mi compra",
        "mi correo es ana.lopez@gmail.com",
        "no funciona el número de seguimiento",
        "ya lo recibí, muchas gracias",
        "el color no es el que pedí",
        "claro que sí",
    ],
    "de": [
        'Kann ich mit PayPal zahlen?',
        'Ich brauche eine Rechnung',
        'Bitte keine E-Mails mehr',
        'Laut Tracking zugestellt, aber nichts da',
        'Könnt ihr mir helfen?',
        'Passt, danke',
        "ja",
        "nein danke",
        "danke",
        "Wo ist meine Bestellung?",
        "Ich möchte eine Rückerstattung",
        "Hallo, mein Paket ist nicht angekommen",
        "Können Sie die Bestellung #W2378156 stornieren?",
        "Der Artikel war kaputt",
        "Ich muss meine Lieferadresse ändern",
        "ich warte immer noch auf mein Geld",
        "ja bitte",
        "Wie lange dauert der Versand nach Österreich?",
        "Mir wurde zweimal abgebucht",
        "Ich will mit einem Mitarbeiter sprechen",
        "Die Größe passt nicht",
        "Guten Tag, ich habe ein Problem mit meiner Bestellung",
        "meine E-Mail ist max.mueller@web.de",
        "Die Sendungsnummer funktioniert nicht",
        "Falsche Farbe geliefert",
        "alles klar, vielen Dank",
        "genau",
    ],
    "fr": [
        'Je peux payer avec PayPal ?',
        "J'ai besoin d'une facture",
        "Arrêtez de m'envoyer des mails",
        "Le suivi dit livré mais je n'ai rien",
        "vous pouvez m'aider ?",
        'parfait',
        "oui",
        "non merci",
        "merci",
        "Où est ma commande ?",
        "Je veux un remboursement",
        "Bonjour, mon colis n'est pas arrivé",
        "Pouvez-vous annuler la commande #W2378156 ?",
        "L'article est arrivé cassé",
        "je dois changer mon adresse de livraison",
        "j'attends toujours mon argent",
        "oui s'il vous plaît",
        "Combien de temps pour la livraison en Belgique ?",
        "J'ai été débité deux fois",
        "je voudrais parler à un conseiller",
        "la taille est trop petite",
        "Bonjour, j'ai un problème avec ma commande",
        "mon email est marie.dupont@orange.fr",
        "le numéro de suivi ne marche pas",
        "ce n'est pas la bonne couleur",
        "d'accord, merci beaucoup",
        "c'est bon",
    ],
    "ja": [
        'PayPalで払えますか',
        '領収書が必要です',
        'メールを送らないでください',
        '配達済みになっているのに届いていない',
        '助けてもらえますか',
        '大丈夫です',
        "はい",
        "いいえ",
        "ありがとう",
        "注文はどこですか？",
        "返金してください",
        "荷物がまだ届いていません",
        "注文 #W2378156 をキャンセルしたいです",
        "商品が壊れていました",
        "配送先の住所を変更したい",
        "お願いします",
        "いつ届きますか",
        "担当者と話したいです",
        "サイズが小さすぎます",
        "二重に請求されました",
        "メールは tanaka@example.jp です",
        "追跡番号が使えません",
        "色が違います",
        "了解です",
        "返品ポリシーを教えてください",
        "カードで払えません",
        "iPhoneのケースが届かない",
    ],
    "it": [
        'Posso pagare con PayPal?',
        'Mi serve la fattura',
        'Non mandatemi più email',
        'risulta consegnato ma non ho niente',
        'mi potete aiutare?',
        'perfetto',
        "sì",
        "grazie",
        "Dov'è il mio ordine?",
        "Vorrei un rimborso",
        "Ciao, il pacco non è arrivato",
        "Potete annullare l'ordine #W2378156?",
        "L'articolo è arrivato rotto",
        "devo cambiare l'indirizzo di spedizione",
        "sto ancora aspettando i soldi",
        "va bene, grazie mille",
        "Quanto tempo ci vuole per la consegna?",
        "mi avete addebitato due volte",
        "vorrei parlare con un operatore",
        "la taglia è troppo piccola",
        "buongiorno, ho un problema con il mio ordine",
        "la mia email è luca.rossi@libero.it",
        "il numero di tracciamento non funziona",
        "il colore è sbagliato",
        "perfetto, grazie",
        "non ho ricevuto niente",
    ],
    "pt": [
        'Posso pagar com PayPal?',
        'Preciso da nota fiscal',
        'Parem de me mandar emails',
        'diz entregue mas não recebi',
        'podem me ajudar?',
        'beleza, valeu',
        "sim",
        "obrigado",
        "Onde está a minha encomenda?",
        "Quero um reembolso",
        "Olá, o meu pacote não chegou",
        "Podem cancelar o pedido #W2378156?",
        "O produto chegou quebrado",
        "preciso mudar o endereço de entrega",
        "ainda estou esperando o dinheiro",
        "sim, por favor",
        "Quanto tempo demora a entrega?",
        "fui cobrado duas vezes",
        "quero falar com um atendente",
        "o tamanho ficou pequeno",
        "bom dia, tenho um problema com o meu pedido",
        "o meu email é joao.silva@gmail.com",
        "o código de rastreio não funciona",
        "a cor está errada",
        "muito obrigada",
        "não recebi nada",
    ],
}

ALL = [(lang, text) for lang, texts in CASES.items() for text in texts]


def test_check_set_size():
    assert len(ALL) >= 120
    assert all(len(texts) >= 20 for texts in CASES.values())


def test_accuracy_on_check_set():
    wrong = [(lang, text, detect_language(text)) for lang, text in ALL if detect_language(text) != lang]
    accuracy = 1 - len(wrong) / len(ALL)
    assert accuracy >= 0.95, f"accuracy {accuracy:.3f}; wrong: {wrong}"


@pytest.mark.parametrize("text", ["", "   ", "12345", "#W2378156", "a@b.com", "?!", "👍"])
def test_defaults_to_english_when_nothing_to_go_on(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    ("text", "lang"),
    [("yes", "en"), ("sí", "es"), ("ja", "de"), ("oui", "fr"), ("是的", "zh"), ("はい", "ja")],
)
def test_one_word_answers(text, lang):
    assert detect_language(text) == lang


def test_ids_and_emails_do_not_decide():
    assert detect_language("order W2378156 jean.dupont@mail.fr") == "en"
    assert detect_language("pedido 113542617735902 por favor") == "es"
    assert detect_language("订单 113542617735902 customer@example.com") == "zh"


def test_returns_known_codes_and_is_deterministic():
    for _, text in ALL:
        first = detect_language(text)
        assert first in LANGUAGES
        assert detect_language(text) == first


