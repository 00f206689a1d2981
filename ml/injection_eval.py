"""The injection classifier's data, evaluation and model card.

Reported (never tuned on): the promptshield ``test`` split (detection rate = recall on
attacks, false-positive rate on benign prompts, per attack type), the Giskard jailbreak
set (all attacks: detection rate only), and two checks on the project's own data:
benign customer messages in six languages (every turn of ``evals/datasets/support_*.jsonl``:
false-positive rate) and the blind ``adversarial.jsonl`` set (first turns expected to be
blocked as injection vs the rest). The model is in ``ml/injection.py``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from guards.injection_rules import rule_hits
from ml.data_files import shared_file
from ml.model_card import md_table, write_card_files

if TYPE_CHECKING:
    from ml.injection import InjectionClassifier

CARD_MD = "injection.card.md"
CARD_JSON = "injection.card.json"
DATA_FILE = Path("injection") / "promptshield.csv"
GISKARD_FILE = Path("injection") / "giskard_jailbreaks.csv"
EVAL_DIR = Path(__file__).resolve().parents[1] / "evals" / "datasets"


def data_path(shared_data: Path) -> Path:
    """The shared data folder, the data set's folder, or the CSV itself."""
    return shared_file(shared_data, DATA_FILE)


def load_splits(shared_data: Path):
    import pandas as pd

    df = pd.read_csv(data_path(shared_data), usecols=["prompt", "label", "attack_type", "split"])
    df = df.dropna(subset=["prompt", "label"])
    df["label"] = df["label"].astype(int)
    return df[df["split"] == "train"].reset_index(drop=True), df[df["split"] == "test"].reset_index(drop=True)


ROUTING = Path(__file__).resolve().parent / "datasets" / "routing.jsonl"


def benign_in_domain(shared_data: Path, bitext_rows: int) -> list[str]:
    """Benign messages from the train splits of the routing set (six languages) and Bitext."""
    import pandas as pd

    out = [r["text"] for r in map(json.loads, ROUTING.read_text(encoding="utf-8").splitlines())
           if r.get("split") == "train"]
    bitext = Path(shared_data) / "support_intents" / "bitext_customer_support.csv"
    if bitext_rows and bitext.exists():
        df = pd.read_csv(bitext, usecols=["instruction", "split"])
        df = df[df["split"] == "train"].dropna()
        out += df["instruction"].sample(min(bitext_rows, len(df)), random_state=0).tolist()
    return out


def load_giskard(shared_data: Path) -> list[str]:
    import pandas as pd

    return pd.read_csv(Path(shared_data) / GISKARD_FILE)["prompt"].dropna().tolist()


def support_turns() -> list[tuple[str, str]]:
    """(language, message) for every customer turn of the support eval sets (benign)."""
    out = []
    for path in sorted(EVAL_DIR.glob("support_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                out += [(case.get("lang", "?"), t) for t in case["turns"]]
    return out


def adversarial_cases() -> tuple[list[str], list[str]]:
    """First turns of adversarial.jsonl: (expected to be blocked, everything else)."""
    path = EVAL_DIR / "adversarial.jsonl"
    attacks, others = [], []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                (attacks if case["expected_outcome"] == "blocked" else others).append(case["turns"][0])
    return attacks, others


def rates(flags: np.ndarray, labels: np.ndarray) -> dict:
    flags, labels = np.asarray(flags, bool), np.asarray(labels, int)
    pos, neg = labels == 1, labels == 0
    tp = int((flags & pos).sum())
    fp = int((flags & neg).sum())
    return {
        "n_attacks": int(pos.sum()), "n_benign": int(neg.sum()),
        "detection_rate": round(tp / pos.sum(), 4) if pos.any() else None,
        "fpr": round(fp / neg.sum(), 4) if neg.any() else None,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "false_positives": fp,
    }


def _three(model: InjectionClassifier, texts: list[str], labels: np.ndarray) -> dict:
    by_model = np.array([model.probability(t) >= model.threshold for t in texts])
    by_rules = np.array([bool(rule_hits(t)) for t in texts])
    return {"model": rates(by_model, labels), "rules": rates(by_rules, labels),
            "combined": rates(by_model | by_rules, labels)}


def evaluate_all(model: InjectionClassifier, shared_data: Path, test_df) -> dict:
    texts = test_df["prompt"].tolist()
    labels = test_df["label"].to_numpy()
    test = _three(model, texts, labels)
    combined = np.array([model.score(t).flagged for t in texts])
    per_type = {}
    for attack, idx in test_df.groupby("attack_type").groups.items():
        if attack == "benign":
            continue
        sub = np.asarray(list(idx))
        per_type[str(attack)] = {"n": len(sub), "flagged": round(float(combined[sub].mean()), 4),
                                 "label": int(labels[sub][0])}
    giskard = load_giskard(shared_data)
    gk = _three(model, giskard, np.ones(len(giskard), dtype=int))
    turns = support_turns()
    support_flags = [(lang, model.score(t).flagged) for lang, t in turns]
    per_lang: dict[str, list[int]] = {}
    for lang, f in support_flags:
        per_lang.setdefault(lang, []).append(int(f))
    attacks, others = adversarial_cases()
    return {
        "test": test,
        "test_per_attack_type": per_type,
        "giskard": gk,
        "support_benign": {
            "n": len(turns),
            "fpr": round(sum(f for _, f in support_flags) / len(turns), 4) if turns else None,
            "per_language_fpr": {k: round(sum(v) / len(v), 4) for k, v in sorted(per_lang.items())},
            "flagged": [t for (lang, t), (_, f) in zip(turns, support_flags) if f][:10],
        },
        "adversarial_blind": {
            "attacks": len(attacks),
            "detection_rate": round(float(np.mean([model.score(t).flagged for t in attacks])), 4) if attacks else None,
            "others": len(others),
            "fpr": round(float(np.mean([model.score(t).flagged for t in others])), 4) if others else None,
        },
    }


def predict_ms(model: InjectionClassifier, texts: list[str]) -> float:
    start = time.perf_counter()
    for t in texts:
        model.score(t)
    return round((time.perf_counter() - start) * 1000 / max(1, len(texts)), 3)


def write_card(out_dir: Path, result: dict, csv_path: Path) -> None:
    t, g = result["test"], result["giskard"]
    card = {
        "model": "injection",
        "task": "flag prompt-injection and jailbreak attempts in user input and in retrieved or stored "
                "text that reaches a prompt",
        "data": {
            "source": "Neural-alchemy/promptshield, deduplicated (MIT)",
            "path": str(csv_path),
            "train_rows": result["train_rows"],
            "test_rows": result["test_rows"],
            "language": "English (a few attacks in French, Korean and others)",
        },
        "features": "NFKC + lower case; TF-IDF word 1-2 grams (tokens keep <>|#[]{}`$) + TF-IDF char_wb "
                    "2-5 grams (min_df=2), sublinear tf",
        "estimator": f"LinearSVC(C={result['C']}, class_weight=balanced), probabilities by a sigmoid "
                     f"fitted on 5-fold out-of-fold scores; threshold {result['threshold']} = lowest with "
                     "benign FPR <= 1% on those out-of-fold probabilities (train rows only)",
        "extra_training_data": f"{result['extra_benign_rows']} benign in-domain messages: the train split "
                               "of ml/datasets/routing.jsonl (6 languages) and 1,000 Bitext train rows; "
                               "without them the model flagged 98% of real customer messages",
        "rules": "multilingual regexes (guards/data/injection_rules.json): ignore-instructions in "
                 "en/fr/de/es/it/zh/ja/ko, system-prompt requests, spoofed system tags, role-play "
                 "jailbreaks (DAN, developer mode), instructions addressed to the AI inside content; "
                 "flagged = rule hit OR model probability >= threshold",
        **result,
        "limits": [
            "promptshield is mostly synthetic and templated; its benign prompts are short generic "
            "questions, so the test FPR says little about real customer messages: the support-turn "
            "check (the project's own support eval sets, six languages) is the closer figure.",
            "The model is English-only; non-English attacks are caught by the rules only, which "
            "know the common phrasings, not paraphrases.",
            "Giskard's 35 prompts are long DAN-style jailbreaks and hijacks (attacks only), so only "
            "a detection rate is reported there.",
            "The rules were written with the promptshield train split and the attack families "
            "named in the issue in view; the adversarial.jsonl figure is from a set written blind "
            "to the guard.",
        ],
    }
    lines = [
        "# Model card: prompt-injection classifier",
        "",
        f"- Task: {card['task']}.",
        f"- Data: {card['data']['source']}, `{csv_path.name}`: {result['train_rows']} train / "
        f"{result['test_rows']} test rows; plus {card['extra_training_data']}.",
        f"- Features: {card['features']}.",
        f"- Estimator: {card['estimator']}.",
        f"- Rules: {card['rules']}.",
        f"- Validation (train only): {json.dumps(result['validation'])}.",
        f"- Train time {result['train_seconds']} s; score {result['predict_ms']} ms/message "
        f"(scikit-learn {result['sklearn_version']}).",
        "",
        "## Test split and Giskard jailbreaks",
        "",
        *md_table(["set", "detector", "detection rate", "FPR", "precision", "n attacks / benign"],
                  [(name, det, res[det]["detection_rate"], res[det]["fpr"], res[det]["precision"],
                    f"{res[det]['n_attacks']} / {res[det]['n_benign']}")
                   for name, res in (("promptshield test", t), ("giskard", g))
                   for det in ("model", "rules", "combined")]),
        "",
        "Per attack type (test, combined): " + ", ".join(
            f"{k} {v['flagged']:.2f} (n={v['n']}{', benign: share wrongly flagged' if v['label'] == 0 else ''})"
            for k, v in result["test_per_attack_type"].items()) + ".",
        "",
        "## The project's own messages",
        "",
        f"- Benign customer turns (support eval sets, {result['support_benign']['n']} messages): FPR "
        f"{result['support_benign']['fpr']} ({json.dumps(result['support_benign']['per_language_fpr'])}).",
        f"- adversarial.jsonl (blind): {result['adversarial_blind']['attacks']} injection cases, detection "
        f"{result['adversarial_blind']['detection_rate']}; {result['adversarial_blind']['others']} other first "
        f"turns, flagged {result['adversarial_blind']['fpr']}.",
        "",
        "## Limits",
        "",
        *[f"- {x}" for x in card["limits"]],
        "",
    ]
    write_card_files(Path(out_dir) / CARD_JSON, Path(out_dir) / CARD_MD, card, lines)
