"""Reply templates of the support agent, per language (prompts/support/<lang>.json)."""
from __future__ import annotations

from prompts import load_templates




def _load(lang: str) -> dict[str, str]:
    return load_templates("support", lang)


class Replies:
    def __init__(self, lang: str):
        self.lang = lang if _load(lang) else "en"
        self._t = _load(self.lang)
        self._en = _load("en")

    def has(self, key: str) -> bool:
        return key in self._t or key in self._en

    def t(self, key: str, **kw) -> str:
        template = self._t.get(key) or self._en.get(key, key)
        return template.format(**kw)

    def status(self, status: str) -> str:
        return self.t(f"status_{status}") if self.has(f"status_{status}") else status

    def join(self, parts: list[str]) -> str:
        if len(parts) <= 1:
            return "".join(parts)
        sep = "、" if self.lang in ("zh", "ja") else ", "
        return sep.join(parts[:-1]) + f" {self.t('and')} " + parts[-1]

    @staticmethod
    def options(options: dict) -> str:
        return ", ".join(str(v) for v in options.values())

    def item(self, item: dict) -> str:
        return f"{item['name']} ({self.options(item['options'])}, {self.money(item['price'])})"

    @staticmethod
    def money(amount: float) -> str:
        return f"${amount:,.2f}" if amount >= 0 else f"-${-amount:,.2f}"

    @staticmethod
    def address(a: dict) -> str:
        line = ", ".join(x for x in (a["address1"], a.get("address2", "")) if x)
        return f"{line}, {a['city']}, {a['state']} {a['zip']}, {a['country']}"

    def method(self, user: dict, method_id: str | None) -> str:
        m = user["payment_methods"].get(method_id or "", {})
        source = m.get("source")
        if source == "gift_card":
            return self.t("method_gift_card", id=method_id, balance=self.money(m.get("balance", 0)))
        if source == "credit_card":
            return self.t("method_credit_card", brand=m.get("brand", "").title(), last_four=m.get("last_four", ""))
        if source == "paypal":
            return self.t("method_paypal", id=method_id)
        return str(method_id)

    def methods(self, user: dict) -> str:
        return self.join([self.method(user, mid) for mid in user["payment_methods"]])


def replies(lang: str) -> Replies:
    return Replies(lang)
