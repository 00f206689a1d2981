"""Features of a card-not-present transaction for the fraud model (ml/fraud.py), from the
fields of shared/data/fraud/transactions.csv, and how a store order maps onto them.

Left out on purpose: ``payment_currency`` (random codes in this data set), ``merchant``
(every name is "fraud_<company>", a generator artefact), the customer's name, job,
street and ids (``ENTITY_ID``, e-mail address, IP address, card BIN, phone number as
values: 190 of the 195 test customers also appear in train, so identifying values
would let a model remember customers instead of learning patterns).

A store order (shared/data/retail) has an amount, a card brand and the customer's
e-mail, but no timestamp, device, IP, phone or billing coordinates; ``store_order_features``
says for every feature whether it was available, a proxy, or filled with the training
data's typical value, so a score is never presented as more informed than it is.
"""
from __future__ import annotations

import numpy as np

CATEGORICAL = ["product_category", "email_domain", "ua_browser", "ua_os", "card_prefix", "phone_format"]
NUMERIC = ["log_amount", "hour", "is_night", "day_of_week", "is_online", "ua_mobile", "billing_latitude",
           "billing_longitude"]
FEATURES = NUMERIC + CATEGORICAL
FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com")
BRAND_PREFIX = {"visa": "4", "mastercard": "5"}
STORE_CATEGORY = "shopping_net"
_BROWSERS = (("opera", "Opera"), ("msie", "MSIE"), ("trident", "MSIE"), ("firefox", "Firefox"),
             ("crios", "Chrome"), ("chrome", "Chrome"), ("safari", "Safari"))
_OSES = (("android", "Android"), ("iphone", "iOS"), ("ipad", "iOS"), ("windows", "Windows"),
         ("mac os", "Mac"), ("macintosh", "Mac"), ("linux", "Linux"), ("x11", "Linux"))


def _first(text: str, table) -> str:
    low = (text or "").lower()
    return next((name for key, name in table if key in low), "other")


def email_domain(email: str | None) -> str:
    domain = (email or "").rsplit("@", 1)[-1].lower()
    return domain if domain in FREE_MAIL else "other"


def phone_format(phone: str | None) -> str:
    p = str(phone or "")
    if "x" in p.lower():
        return "extension"
    if p.startswith("+1"):
        return "plus1"
    if "(" in p:
        return "parens"
    return "dashed" if "-" in p or "." in p else "digits"


def transaction_features(df):
    """The model's feature frame from transactions.csv rows."""
    import pandas as pd

    ts = pd.to_datetime(df["EVENT_TIMESTAMP"], utc=True)
    ua = df["user_agent"].fillna("")
    out = pd.DataFrame({
        "log_amount": np.log1p(df["order_price"].astype(float)),
        "hour": ts.dt.hour.astype(float),
        "is_night": ((ts.dt.hour >= 22) | (ts.dt.hour < 5)).astype(float),
        "day_of_week": ts.dt.dayofweek.astype(float),
        "is_online": df["product_category"].astype(str).str.endswith("_net").astype(float),
        "ua_mobile": ua.str.contains(r"Mobile|Android|iPhone|iPad", regex=True).astype(float),
        "billing_latitude": df["billing_latitude"].astype(float),
        "billing_longitude": df["billing_longitude"].astype(float),
        "product_category": df["product_category"].astype(str),
        "email_domain": df["customer_email"].map(email_domain),
        "ua_browser": ua.map(lambda s: _first(s, _BROWSERS)),
        "ua_os": ua.map(lambda s: _first(s, _OSES)),
        "card_prefix": df["card_bin"].astype(str).str[0],
        "phone_format": df["billing_phone"].map(phone_format),
    }, index=df.index)
    return out[FEATURES]


def typical_values(features) -> dict:
    """What an unavailable feature is filled with: the median (numbers) or the most
    frequent value (categories) of the training rows."""
    fills = {c: float(features[c].median()) for c in NUMERIC}
    fills.update({c: str(features[c].mode().iloc[0]) for c in CATEGORICAL})
    return fills


def store_order_features(amount: float, card_brand: str | None, email: str | None,
                         fills: dict) -> tuple[dict, dict[str, str]]:
    """(feature values, provenance per feature) for a store order paid by card. Provenance
    is "available", "proxy: ..." or "filled: ..." (the training data's typical value)."""
    values, why = dict(fills), {}
    for name in FEATURES:
        why[name] = "filled: not held for store orders (training median / most frequent value)"
    values["log_amount"] = float(np.log1p(max(0.0, float(amount))))
    why["log_amount"] = "available: the disputed card payment"
    values["product_category"], values["is_online"] = STORE_CATEGORY, 1.0
    why["product_category"] = why["is_online"] = ("proxy: the store sells general merchandise online; "
                                                  f"'{STORE_CATEGORY}' is the closest training category")
    prefix = BRAND_PREFIX.get((card_brand or "").lower())
    if prefix:
        values["card_prefix"] = prefix
        why["card_prefix"] = "available: first BIN digit implied by the card brand"
    if email:
        values["email_domain"] = email_domain(email)
        why["email_domain"] = "available: the customer's account e-mail domain"
    for name in ("hour", "is_night", "day_of_week"):
        why[name] = "filled: store orders have no timestamp"
    return values, why


def is_available(provenance: str) -> bool:
    return provenance.startswith("available")

