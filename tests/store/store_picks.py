"""Find seed records with given properties, so tests use real data, not magic ids."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator


try:
    import orjson

    def clone(data):
        """A deep copy of JSON data (orjson: ~10x faster than copy.deepcopy)."""
        return orjson.loads(orjson.dumps(data))
except ImportError:  # pragma: no cover
    def clone(data):
        """A deep copy of JSON data, several times faster than copy.deepcopy."""
        return json.loads(json.dumps(data))


def orders(seed: dict, status: str,
           pred: Callable[[dict], bool] = lambda o: True) -> Iterator[dict]:
    return (o for o in seed["orders"].values() if o["status"] == status and pred(o))


def order(seed: dict, status: str, pred: Callable[[dict], bool] = lambda o: True) -> dict:
    found = next(orders(seed, status, pred), None)
    assert found is not None, f"no {status} order with the wanted property in the seed"
    return found


def methods(seed: dict, order_: dict) -> dict:
    return seed["users"][order_["user_id"]]["payment_methods"]


def paid_with(seed: dict, order_: dict) -> dict:
    return methods(seed, order_)[order_["payment_history"][0]["payment_method_id"]]


def other_user(seed: dict, user_id: str) -> str:
    return next(u for u in seed["users"] if u != user_id)


def gift_cards(seed: dict, order_: dict) -> list[dict]:
    return [m for m in methods(seed, order_).values() if m["source"] == "gift_card"]


def non_gift(seed: dict, order_: dict) -> list[dict]:
    return [m for m in methods(seed, order_).values() if m["source"] != "gift_card"]


def variants(seed: dict, item: dict, available: bool | None = True,
             different: bool = True) -> list[dict]:
    """Variants of the item's product (other than the item itself when different)."""
    out = []
    for v in seed["products"][item["product_id"]]["variants"].values():
        if different and v["item_id"] == item["item_id"]:
            continue
        if available is None or v["available"] == available:
            out.append(v)
    return out


def swap(seed: dict, status: str, want: Callable[[dict, dict, dict], bool]):
    """(order, item, new variant) where want(order, item, variant) holds."""
    for o in orders(seed, status):
        for it in o["items"]:
            for v in variants(seed, it, available=None):
                if want(o, it, v):
                    return o, it, v
    raise AssertionError(f"no {status} order/item/variant with the wanted property")


def foreign_item(seed: dict, item: dict) -> str:
    """An available item id of a different product."""
    for p in seed["products"].values():
        if p["product_id"] != item["product_id"]:
            for v in p["variants"].values():
                if v["available"]:
                    return v["item_id"]
    raise AssertionError("catalogue has a single product")
