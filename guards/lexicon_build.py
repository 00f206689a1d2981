"""Rebuild ``guards/data/given_names.json``: the given-name list the PII guard uses for
names that come without a cue ("Thanks, Emily!").

Source: the first-name lists of the Faker package (MIT licence; installed with
guardrails-ai) for the locales of the buyers cross-border sellers meet most (English,
German, French, Spanish, Italian, Portuguese, Dutch, Nordic, Polish, Czech, Hungarian).
``common_words`` (lower-case words seen at least 3 times in those corpora) tells a
capitalised word from an unknown name. A name that is also an everyday word or a place is *ambiguous* and is only taken as a
name next to a cue, a title or a capitalised surname: the list of those comes from the
lower-case vocabulary of the project's English corpora (support messages, routing
requests, product titles, review sentences: a name seen there in lower case, like "will",
"mark", "may", "rose", is a word) plus the cities of the store's seed addresses and a
short hand-written list. Run: ``python -m guards.lexicon_build`` (needs the shared data).
"""
from __future__ import annotations

import csv
import gzip
import importlib
import json
import re
from collections import Counter
from pathlib import Path

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR", "nl_NL",
           "sv_SE", "da_DK", "no_NO", "fi_FI", "pl_PL", "cs_CZ", "hu_HU"]
OUT = Path(__file__).resolve().parent / "data" / "given_names.json"
# words and places that are also given names, beyond what the corpora show
ALWAYS_AMBIGUOUS = {
    "April", "August", "June", "May", "Summer", "Autumn", "Winter", "Dawn", "Eve", "Sunday",
    "Will", "Mark", "Bill", "Grace", "Hope", "Faith", "Joy", "Rose", "Lily", "Iris", "Daisy",
    "Amber", "Ruby", "Jade", "Crystal", "Pearl", "Ivy", "Olive", "Violet", "Hazel", "Holly",
    "Sky", "River", "Rich", "Frank", "Sue", "Pat", "Chance", "Chase", "Hunter", "Mason",
    "Carter", "Parker", "Taylor", "Cash", "Angel", "Miles", "Gene", "Ray", "Guy", "Don",
    "Dean", "Van", "Long", "Young", "King", "Page", "Case", "Price", "Sale", "Max", "Jack",
    "Jordan", "Georgia", "Florence", "Paris", "Victoria", "Sydney", "Chelsea", "Austin",
    "Denver", "Dallas", "Houston", "Phoenix", "Charlotte", "Madison", "Jackson", "Lincoln",
    "Aurora", "Savannah", "Brooklyn", "Camden", "Eugene", "Troy", "Tyler", "Israel", "India",
    "China", "Kenya", "Asia", "Africa", "America", "Sharon", "Beverly", "Berlin", "Florian",
    "Apple", "Amazon", "Nike", "Tesla", "Dell", "Sony", "Canon", "Nikon", "Philips", "Bose",
    "Ali", "Li", "Lee", "Kim", "Art", "Bob", "Will", "Gift", "Star", "Sunny", "Happy",
    "Love", "Honey", "Sugar", "Candy", "Cookie", "Berry", "Cherry", "Ginger", "Pepper",
    "Clay", "Stone", "Wood", "Forest", "Glen", "Dale", "Heath", "Lane", "Brook", "Bay",
    "Field", "Marsh", "Moss", "Reed", "Rock", "Storm", "Rain", "Snow", "Sun", "Moon",
    "Alba", "Bella", "Dolores", "Luz", "Paz", "Sol", "Rosa", "Blanca", "Celeste", "Clara",
    "Constanza", "Esperanza", "Gloria", "Mercedes", "Pilar", "Rocio", "Soledad", "Victoria",
    "Ben", "Tag", "Hans", "Gut", "Heidi", "Kai", "Mai", "Ina", "Lena", "Line", "Linda",
    "Marin", "Nina", "Eva", "Ella", "Elle", "Else", "Ida", "Liv", "Mia", "Noah",
}


def _vocabulary(shared: Path) -> Counter:
    words: Counter = Counter()
    token = re.compile(r"[^\W\d_]+")

    def add(text: str) -> None:
        words.update(w for w in token.findall(text) if w.islower())

    with open(shared / "support_intents" / "bitext_customer_support.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            add(row.get("instruction", ""))
    with open(shared / "product_titles" / "pricerunner_titles.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            add(row.get("product_title", ""))
    reviews = shared / "reviews" / "amazon_review_sentences.csv"
    if reviews.exists():
        add(reviews.read_text(encoding="utf-8", errors="ignore"))
    routing = Path(__file__).resolve().parents[1] / "ml" / "datasets" / "routing.jsonl"
    for line in routing.read_text(encoding="utf-8").splitlines():
        add(json.loads(line)["text"])
    return words


def _cities(shared: Path) -> set[str]:
    users = json.loads((shared / "retail" / "users.json").read_text(encoding="utf-8"))
    out = set()
    for u in users.values():
        out.update((u.get("address") or {}).get("city", "").split())
    return out


def build(shared: Path) -> dict:
    names: set[str] = set()
    for loc in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            for n in getattr(provider, attr, None) or ():
                for part in str(n).replace("-", " ").split():
                    if len(part) >= 2 and part[0].isupper() and part.isalpha():
                        names.add(part)
    vocab = _vocabulary(shared)
    places = _cities(shared)
    ambiguous = {n for n in names if vocab[n.lower()] >= 2 or n in places or n in ALWAYS_AMBIGUOUS}
    ambiguous |= {n for n in ALWAYS_AMBIGUOUS if n in names}
    common = sorted(w for w, c in vocab.items() if c >= 3 and len(w) > 1 and w.capitalize() not in names)
    return {
        "common_words": common,
        "source": "first-name lists of the Faker package (MIT licence), locales: " + ", ".join(LOCALES)
                  + "; ambiguous = also an everyday word in the project's corpora, a seed city, or listed "
                    "by hand (guards/lexicon_build.py)",
        "given_names": sorted(names - ambiguous),
        "ambiguous": sorted(ambiguous),
    }


def main() -> None:
    from chuhai.settings import Settings

    data = build(Path(Settings().shared_data_dir))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"{OUT}: {len(data['given_names'])} names, {len(data['ambiguous'])} ambiguous, "
          f"{len(data['common_words'])} common words")


if __name__ == "__main__":
    main()
