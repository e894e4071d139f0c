"""The negation and contrast suite: big enough, balanced, documented and never trained on."""

from collections import Counter

from model_build.sentiment.corpus import duplicate_key
from model_build.sentiment.lexicon_data import lexicon_training_rows
from model_build.sentiment.negation_suite import SUITE_PATH, load_suite, score_suite


def test_the_suite_holds_at_least_300_sentences_balanced_by_label() -> None:
    rows = load_suite()
    assert len(rows) >= 300
    counts = Counter(row.label for row in rows)
    assert set(counts) == {"negative", "neutral", "positive"}
    assert len(set(counts.values())) == 1
    assert len({duplicate_key(row.text) for row in rows}) == len(rows)


def test_the_suite_covers_the_issue_s_patterns_and_says_where_it_came_from() -> None:
    patterns = {row.pattern for row in load_suite()}
    assert {"negated_negative", "negated_positive", "hardly", "no_complaints"} <= patterns
    assert {"contrast", "fact", "sarcasm"} <= patterns
    provenance = (SUITE_PATH.parent / "README.md").read_text()
    assert "written by" in provenance and all(f"`{p}`" in provenance for p in patterns)
    texts = {row.text for row in load_suite()}
    assert {"not bad at all", "I can't say I love it.", "Delivery was on Tuesday."} <= texts


def test_no_suite_sentence_is_among_the_rows_the_project_writes_for_training() -> None:
    training = {duplicate_key(text) for text in lexicon_training_rows(42).texts}
    assert not [row.text for row in load_suite() if duplicate_key(row.text) in training]


def test_suite_scores_break_down_by_pattern() -> None:
    rows = load_suite()
    # GIVEN answers that are right exactly on the sarcasm rows
    answers = [r.label if r.pattern == "sarcasm" else "wrong" for r in rows]
    scores = score_suite(rows, answers)
    sarcasm = sum(r.pattern == "sarcasm" for r in rows)
    assert scores["per_pattern"]["sarcasm"] == {"accuracy": 1.0, "n": sarcasm}
    assert scores["per_pattern"]["fact"]["accuracy"] == 0.0
    assert scores["accuracy"] == round(sarcasm / len(rows), 4)
