"""Chinese and Japanese messages with an order id, e-mail or URL glued to the text (no
spaces in CJK writing): the id is stripped as noise and takes none of the words with it."""
from __future__ import annotations

import pytest

from ml.language import detect_language, strip_noise


@pytest.mark.parametrize("text, lang", [
    ("订单#W1234567的状态", "zh"),
    ("我的订单W1234567到哪了", "zh"),
    ("订单号113542617735902还没到", "zh"),
    ("请问#W1234567什么时候发货", "zh"),
    ("退款了吗？订单#W2378156", "zh"),
    ("订单＃Ｗ２３７８１５６的状态", "zh"),          # full-width id
    ("请发到john.smith@example.com谢谢", "zh"),
    ("见https://example.com/a?b=1的页面", "zh"),
    ("注文#W2378156はどこ", "ja"),
    ("注文番号W2378156の配送状況", "ja"),
    ("W1234567の注文をキャンセルしたい", "ja"),
    ("商品123456789のサイズ", "ja"),
])
def test_cjk_text_glued_to_an_id_keeps_its_language(text, lang):
    assert detect_language(text) == lang


def test_only_the_id_is_stripped():
    assert strip_noise("订单#W1234567的状态").split() == ["订单", "的状态"]
    assert strip_noise("注文#W2378156はどこ").split() == ["注文", "はどこ"]
    assert strip_noise("请发到john.smith@example.com谢谢").split() == ["请发到", "谢谢"]


@pytest.mark.parametrize("text, lang", [
    ("Where is my order #W2378156?", "en"),
    ("my email is john.smith@example.com", "en"),
    ("¿Dónde está mi pedido #W2378156?", "es"),
    ("josé@example.es ¿dónde está mi pedido?", "es"),
    ("#W2378156", "en"),                 # an id alone says nothing: the default
])
def test_latin_messages_with_ids_are_unchanged(text, lang):
    assert detect_language(text) == lang
