"""Structured PII: each type found when valid, left alone when its checksum or range fails,
and the ids a store tool needs (orders, items, tracking, zips, prices, dates) never touched."""
from __future__ import annotations

import pytest

from guards.checksums import cn_id_ok, iban_ok, iban_with_check, luhn_check_digit, luhn_ok, ssn_ok
from guards.pii import ALL_KINDS, DEFAULT_KINDS, detect, redact, redact_json, restore


def kinds(text: str) -> list[tuple[str, str]]:
    return [(e.kind, e.value) for e in detect(text)]


def test_checksums():
    assert luhn_ok("4526018159083012") and not luhn_ok("4526018159083013")
    assert luhn_check_digit("452601815908301") == "2"
    assert iban_ok("DE89 3704 0044 0532 0130 00") and not iban_ok("DE89 3704 0044 0532 0130 01")
    assert iban_ok(iban_with_check("FR", "20041010050500013M02606"))
    assert not iban_ok("XX89370400440532013000")  # unknown country
    assert not iban_ok("DE8937040044053201300")  # wrong length for DE
    assert ssn_ok("536-22-8451") and not ssn_ok("000-12-3456") and not ssn_ok("666-12-3456")
    assert not ssn_ok("912-12-3456") and not ssn_ok("536-00-8451") and not ssn_ok("536-22-0000")
    assert cn_id_ok("110105198803121236") and not cn_id_ok("110105198803121235")
    assert cn_id_ok("44030520010120101X") and cn_id_ok("44030520010120101x")
    assert not cn_id_ok("110105198802301234")  # 30 February
    assert not cn_id_ok("910105198803121236")  # no province group 9


@pytest.mark.parametrize("text, value", [
    ("mail me at j.o'neil+shop@outlook.co.uk please", "j.o'neil+shop@outlook.co.uk"),
    ("我的邮箱是zhangwei_88@163.com，谢谢", "zhangwei_88@163.com"),
    ("メールはyamada.hanako@example.jpです", "yamada.hanako@example.jp"),
])
def test_email(text, value):
    assert kinds(text) == [("EMAIL", value)]


@pytest.mark.parametrize("phone", [
    "+1 (415) 555-0132", "+1-202-555-0173", "(212) 555-0187", "415-555-0132",    # US
    "020 7946 0958", "07700 900461", "+44 20 7946 0958",                         # UK
    "030 12345678", "0151 23456789", "+49 89 1234567", "089/1234567",            # DE
    "06 12 34 56 78", "01.23.45.67.89", "+33 6 98 76 54 32",                    # FR
    "+34 612 345 678", "91 123 45 67",                                           # ES
    "333 123 4567", "+39 06 1234 5678",                                          # IT
    "090-1234-5678", "03-1234-5678", "０９０－８７６５－４３２１",                 # JP (full-width too)
    "138 0013 8000", "13912345678", "１３９１２３４５６７８", "010-6552 9988", "+86 21 6234 5678",  # CN
])
def test_phone_formats(phone):
    assert kinds(f"call me on {phone} thanks") == [("PHONE", phone)]
    assert kinds(f"电话：{phone}。") == [("PHONE", phone)]


@pytest.mark.parametrize("text", [
    "Where is order #W4503264? Tracking 357962501027 hasn't moved since 2024-05-03.",
    "I want to exchange item 6469567736 for product 8310926033, it cost $488.81.",
    "Ship it to zip 10083 please, the order total was 1,104.42 USD.",
    "郵便番号は 150-0041 です。",
    "订单 #W4503264 的商品 6469567736 价格是 47.84 美元",
    "Version 1.2.3 of the app, server 192.168.1.10, 3 items at 15 € each on 12/05/2024.",
    "Die Rechnung RE-2024-0042 über 1.104,42 € stimmt nicht, PLZ 80335.",
    "This card number 4526 0181 5908 3013 doesn't work.",       # Luhn fails
    "The IBAN DE44 5001 0517 5407 3249 32 is refused.",         # mod 97 fails
    "SSN 000-12-3456 was rejected.",                             # area 000
    "身份证号110105198803121235好像填错了",                         # MOD 11-2 fails
    "my user id is liam_santos_5468 and payment credit_card_7815826",
])
def test_hard_negatives_are_not_pii(text):
    assert detect(text) == []


def test_structured_positives():
    assert kinds("card 4526 0181 5908 3012 and amex 3796 030824 62817") == [
        ("CARD", "4526 0181 5908 3012"), ("CARD", "3796 030824 62817")]
    assert kinds("Wire to GB29 NWBK 6016 1331 9268 19 or NL91ABNA0417164300 and IT60 X054 2811 1010 0000 0123 456.") == [
        ("IBAN", "GB29 NWBK 6016 1331 9268 19"), ("IBAN", "NL91ABNA0417164300"),
        ("IBAN", "IT60 X054 2811 1010 0000 0123 456")]
    assert kinds("my SSN is 536-22-8451") == [("US_SSN", "536-22-8451")]
    assert kinds("SSN 536228451") == [("US_SSN", "536228451")]
    assert kinds("身份证：44030520010120101X") == [("CN_RESIDENT_ID", "44030520010120101X")]
    # a 12-digit Luhn-valid number is a card only next to a card word (tracking ids are 12 digits)
    assert kinds("tracking 630427373398") == []
    assert kinds("card number 630427373398 is lost") == [("CARD", "630427373398")]


def test_redact_keeps_its_contract():
    red = redact("Mail a@b.com or call +1 415 555 0132, card 4526018159083012, order #W4503264.")
    assert red.text == "Mail <EMAIL_1> or call <PHONE_1>, card <CARD_1>, order #W4503264."
    assert red.kinds == ["CARD", "EMAIL", "PHONE"]
    assert restore(red.text, red.found) == "Mail a@b.com or call +1 415 555 0132, card 4526018159083012, order #W4503264."
    assert redact("a@b.com twice a@b.com").text == "<EMAIL_1> twice <EMAIL_1>"
    assert redact("keep a@b.com, hide c@d.com", keep={"a@b.com"}).text == "keep a@b.com, hide <EMAIL_1>"
    # names and addresses only when asked: the default stays the structured kinds
    assert redact("I'm Sarah Mitchell at 742 Evergreen Terrace").found == {}
    full = redact("I'm Sarah Mitchell at 742 Evergreen Terrace", kinds=ALL_KINDS)
    assert full.text == "I'm <PERSON_1> at <STREET_ADDRESS_1>"
    assert DEFAULT_KINDS < ALL_KINDS
    assert redact_json({"a": ["x a@b.com"], "n": 3}) == {"a": ["x <EMAIL_1>"], "n": 3}
