"""Sources are read from package files, deduplicated across sources, then split per source."""

from collections import Counter

from model_build.sentiment.corpus import deduplicate, duplicate_key, split_corpus
from model_build.sentiment.datasets import TextDataset
from model_build.sentiment.review_data import (
    clean_text,
    load_movie_reviews,
    load_vader_ratings,
    rating_label,
)


def test_markup_entities_and_spacing_are_cleaned() -> None:
    assert (
        clean_text("Great film.<br /><br />Loved it &amp; more  \n")
        == "Great film. Loved it & more"
    )


def test_a_mean_rating_within_half_a_point_of_zero_is_neutral() -> None:
    assert [rating_label(r) for r in (-2.0, -0.5, -0.49, 0.0, 0.49, 0.5)] == [
        "negative",
        "negative",
        "neutral",
        "neutral",
        "neutral",
        "positive",
    ]


def test_texts_differing_only_in_case_markup_space_or_punctuation_are_duplicates() -> None:
    # GIVEN the same Rotten Tomatoes sentence as two packages spell it
    vader = "The Rock is destined to be the 21st Century's new ''Conan''"
    movie_reviews = 'the rock is destined to be the 21st century\'s new " conan "'
    assert duplicate_key(vader) == duplicate_key(movie_reviews)
    data = TextDataset(
        [vader, movie_reviews, "<b>Other</b>  text", "other text", "!!!"],
        ["positive", "positive", "neutral", "negative", "neutral"],
        "test",
        ["vader_movies", "rt_sentences", "a", "b", "a"],
    )
    # WHEN deduplicated THEN the first source's copy stays, and a text with no words goes
    unique, dropped = deduplicate(data)
    assert unique.sources == ["vader_movies", "a"]
    assert dropped == 3


def test_every_source_is_held_out_in_the_same_share() -> None:
    texts = [f"text number {i}" for i in range(1000)]
    sources = ["tweets"] * 600 + ["reviews"] * 400
    labels = ["positive", "negative"] * 500
    split = split_corpus(TextDataset(texts, labels, "test", sources), test_size=0.2, seed=1)
    assert Counter(split.test.sources) == {"tweets": 120, "reviews": 80}
    assert not set(split.train.texts) & set(split.test.texts)


def test_the_packaged_sources_are_read_without_importing_them() -> None:
    movies, rated = load_movie_reviews(), load_vader_ratings()
    assert Counter(movies.sources) == {"imdb_reviews": 25_000, "rt_sentences": 8_530}
    assert not any("<br" in text for text in movies.texts)
    assert set(Counter(rated.sources)) == {
        "vader_products",
        "vader_movies",
        "vader_editorials",
        "vader_tweets",
    }
    assert set(rated.labels) == {"negative", "neutral", "positive"}
