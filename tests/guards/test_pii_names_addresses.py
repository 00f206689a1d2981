"""Person names and street addresses in six languages, and what must not be taken for them."""
from __future__ import annotations

import pytest

from guards.pii import detect


def found(text: str, kind: str) -> list[str]:
    return [e.value for e in detect(text) if e.kind == kind]


@pytest.mark.parametrize("text, name", [
    ("Hi, I'm Sarah Mitchell, thanks", "Sarah Mitchell"),
    ("My name is Priya Raman.", "Priya Raman"),
    ("Thanks, Emily! It arrived.", "Emily"),
    ("Maybe it's under Mathias Ruud", "Mathias Ruud"),
    ("Hello, this is Michael O'Connor from the shop", "Michael O'Connor"),
    ("Guten Tag, ich heiße Jonas Becker.", "Jonas Becker"),
    ("Vielen Dank, Frau Müller!", "Müller"),
    ("Bonjour, je m'appelle Camille Dubois.", "Camille Dubois"),
    ("Merci Madame Lefèvre.", "Lefèvre"),
    ("Hola, me llamo Lucía Fernández.", "Lucía Fernández"),
    ("Soy Carmen López, gracias.", "Carmen López"),
    ("你好，我叫王小明，谢谢", "王小明"),
    ("请联系张伟先生。", "张伟"),
    ("收件人：李娜，电话见下", "李娜"),
    ("田中太郎と申します。", "田中太郎"),
    ("私は佐藤です。", "佐藤"),
    ("鈴木様、ありがとうございます。", "鈴木"),
])
def test_names(text, name):
    assert found(text, "PERSON") == [name]


@pytest.mark.parametrize("text", [
    "Please send the Wireless Earbuds and the Office Chair, order #W2611340.",
    "Will you ship it in May? Grace period is fine.",
    "I'm happy with the Water Bottle but not the Desk Lamp.",
    "我是想问一下订单什么时候发货",
    "私は学生です。お客様各位",
    "Thanks Amazon, the Bluetooth Speaker works.",
])
def test_not_names(text):
    assert found(text, "PERSON") == []


@pytest.mark.parametrize("text, address", [
    ("Send it to 742 Evergreen Terrace, Springfield.", "742 Evergreen Terrace"),
    ("new address is 1200 Congress Ave, Suite 400, Austin", "1200 Congress Ave, Suite 400"),
    ("Hello from 55 West 46th Street, New York.", "55 West 46th Street"),
    ("ich wohne in der Hauptstraße 5 in Berlin", "Hauptstraße 5"),
    ("Bitte an Bahnhofstr. 12a liefern", "Bahnhofstr. 12a"),
    ("neue Adresse: Am Rosenhang 7", "Am Rosenhang 7"),
    ("Livrez au 12 rue de la Paix svp", "12 rue de la Paix"),
    ("j'habite 8 avenue Victor Hugo à Lyon", "8 avenue Victor Hugo"),
    ("Envíenlo a Calle de Alcalá 48 por favor", "Calle de Alcalá 48"),
    ("vivo en Avenida de la Constitución 12, 3º B en Sevilla", "Avenida de la Constitución 12, 3º B"),
    ("请寄到上海市浦东新区世纪大道100号，谢谢", "上海市浦东新区世纪大道100号"),
    ("想把地址改成广州市天河区天河路385号。", "广州市天河区天河路385号"),
    ("お届け先は東京都渋谷区神南1-2-3です。", "東京都渋谷区神南1-2-3"),
    ("住所は大阪府大阪市北区梅田3丁目1番1号です。", "大阪府大阪市北区梅田3丁目1番1号"),
])
def test_addresses(text, address):
    assert found(text, "STREET_ADDRESS") == [address]


@pytest.mark.parametrize("text", [
    "zip 10083 please", "PLZ 80335, Lieferung in 2-3 Werktagen", "Version 1.2.3 der App",
    "Testbericht 4,5 von 5 Sternen", "Compré 3 unidades a 15 €", "I bought 2 Office Chairs 3 weeks ago",
    "2番目の商品を交換したい", "第2件半价吗", "Meine Karte 5236 6712 7684 2683",
])
def test_not_addresses(text):
    assert found(text, "STREET_ADDRESS") == []
