"""A basket recommender on seeded synthetic purchases: "what will this customer buy next?".

No package on the registries we can reach ships a ratings or purchases data set inside it (the
well-known loaders, e.g. for MovieLens, download at run time; pydataset's `movies` holds average
ratings, not users'), so the purchases are generated, seeded and documented in `baskets`:

- ITEMS products `p000`..`p119` in CATEGORIES categories; within a category item popularity
  falls off as 1/rank (Zipf), so some products sell far more than others;
- each customer has category tastes drawn from Dirichlet(0.3): one or two favourite categories;
- each customer buys 6 to 12 times: a category from their tastes, then an item by popularity.

The model: counts of the basket's item ids (CountVectorizer) into multinomial naive Bayes over
"the next item", so `predict_proba` scores every product at once and the ranking kind takes the
top k. Evaluation on held-out customers: the last purchase is hidden, the rest is the basket;
hit rate and MRR at 10 against the most-popular-items baseline.
"""

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline

from model_build.examples import tabular
from shared.manifest import ModelManifest, SampleCheck, TextInputSchema

ITEMS = 120
CATEGORIES = 8
CUSTOMERS = 3000
TOP_K = 10
OPTIONS = {"max_k": 20, "default_k": 10, "min_score": 0.01}
REPORT_TITLE = "Basket recommender, held-out customers (last purchase hidden)"
COLUMNS = {f"hit rate@{TOP_K}": f"hit_rate_at_{TOP_K}", f"MRR@{TOP_K}": f"mrr_at_{TOP_K}"}


def baskets(seed: int, customers: int = CUSTOMERS) -> list[list[str]]:
    """Each customer's purchases in order (see the module docstring for the generator)."""
    rng = np.random.default_rng(seed)
    per_category = ITEMS // CATEGORIES
    popularity = 1.0 / np.arange(1, per_category + 1)
    popularity /= popularity.sum()
    histories = []
    for _ in range(customers):
        tastes = rng.dirichlet(np.full(CATEGORIES, 0.3))
        length = int(rng.integers(6, 13))
        categories = rng.choice(CATEGORIES, size=length, p=tastes)
        ranks = rng.choice(per_category, size=length, p=popularity)
        histories.append(
            [f"p{c * per_category + r:03d}" for c, r in zip(categories, ranks, strict=True)]
        )
    return histories


def train_basket(output_dir: Path, seed: int = tabular.SEED) -> ModelManifest:
    train, test = tabular.in_order(baskets(seed))
    # Leave-one-out pairs: each purchase is "the next item" for the rest of the customer's basket.
    contexts = [" ".join(h[:i] + h[i + 1 :]) for h in train for i in range(len(h))]
    targets = [h[i] for h in train for i in range(len(h))]
    pipeline = Pipeline(
        [
            ("basket", CountVectorizer(token_pattern=r"p\d{3}", lowercase=False)),
            ("next_item", MultinomialNB(alpha=0.1)),
        ]
    )
    pipeline.fit(contexts, targets)
    classes = [str(c) for c in pipeline.classes_]
    counts: dict[str, int] = {}
    for item in targets:
        counts[item] = counts.get(item, 0) + 1
    popular = sorted(counts, key=lambda item: (-counts[item], item))[:TOP_K]
    scores_matrix = pipeline.predict_proba([" ".join(h[:-1]) for h in test])
    model_lists = [
        [classes[i] for i in np.argsort(-row, kind="stable")[:TOP_K]] for row in scores_matrix
    ]
    truth = [h[-1] for h in test]
    scores = {
        "model": _ranking_scores(truth, model_lists),
        "baseline (most popular)": _ranking_scores(truth, [popular] * len(truth)),
    }
    sample_basket = " ".join(test[0][:-1])
    sample_row = pipeline.predict_proba([sample_basket])[0]
    top = [classes[i] for i in np.argsort(-sample_row, kind="stable")[:5]]
    expected = [item for item in top if sample_row[classes.index(item)] >= OPTIONS["min_score"]]
    return tabular.write_example(
        output_dir,
        name="basket",
        task="text-ranking",
        estimator=pipeline,
        input_schema=TextInputSchema(field="basket", max_length=2000),
        sample=SampleCheck(input={"basket": sample_basket, "k": 5}, expected={"items": expected}),
        metrics=tabular.against_baseline(
            scores,
            split={"customers": CUSTOMERS, "test_customers": len(test), "seed": seed},
            dataset="synthetic, seeded: model_build.examples.train_basket.baskets",
        ),
        reference_inputs=[{"basket": " ".join(h[:-1])} for h in test],
        description="The next products a customer is likely to buy, from the item ids in "
        "their basket (space separated), best first.",
        report=lambda directory: tabular.write_table(directory, REPORT_TITLE, scores, COLUMNS),
        summary=str(scores["model"]),
        options=OPTIONS,
    )


def _ranking_scores(truth: list[str], lists: list[list[str]]) -> dict[str, Any]:
    hits = [answer in ranked for answer, ranked in zip(truth, lists, strict=True)]
    reciprocal = [
        1.0 / (ranked.index(answer) + 1) if answer in ranked else 0.0
        for answer, ranked in zip(truth, lists, strict=True)
    ]
    return {
        f"hit_rate_at_{TOP_K}": round(sum(hits) / len(hits), 4),
        f"mrr_at_{TOP_K}": round(sum(reciprocal) / len(reciprocal), 4),
        "n_test": len(truth),
    }
