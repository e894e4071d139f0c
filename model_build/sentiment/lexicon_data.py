"""Training rows that teach a bag of n-grams what VADER knows: word valence and negation.

VADER's scores cannot run inside a served artifact (only scikit-learn types load), so its
knowledge goes in through the training data instead:

- each lexicon entry (vaderSentiment's `vader_lexicon.txt`, MIT: 7,500 words, emoticons and
  slang, each the mean of ten human ratings from -4 to +4) as a one-word text;
- short phrases written from templates for this project, in which a negator or "but" turns a
  lexicon word's polarity (VADER's own rules: a negated word flips, the clause after "but"
  decides).

These rows are added to the training side only, after the split, and are never scored. The
templates share no sentence with the negation suite (`suites/` beside this module), which was
written separately and is checked against them (`tests/unit/model_build/sentiment/
test_negation_suite.py`).
"""

import random
from pathlib import Path

from model_build.sentiment.datasets import TextDataset, concatenate, package_file

LEXICON_PACKAGE = "vaderSentiment"
LEXICON_FILE = "vader_lexicon.txt"
LEXICON_SOURCE = "vader_lexicon"
TEMPLATE_SOURCE = "negation_templates"
# A mean rating of at least 1 ("slightly" and beyond) is a polar word; weaker ones are skipped.
POLAR = 1.0
# Negated phrases: a polar word in a negator's scope reads as the opposite polarity.
NEGATED = (
    "not {w}",
    "it is not {w}",
    "it wasn't {w}",
    "isn't very {w}",
    "never {w}",
    "i don't think it is {w}",
    "can't say it was {w}",
    "hardly {w}",
    "not {w} at all",
    "nothing {w} about it",
    "they weren't {w}",
    "i would not call it {w}",
)
# Contrast: "{a}, but {b}" reads as b.
CONTRAST = ("{a}, but {b}", "{a} but {b}", "although {a}, {b}", "{a}, though {b}")


def lexicon_path() -> Path:
    """The lexicon file inside the installed package, found without importing its code."""
    return package_file(LEXICON_PACKAGE, LEXICON_FILE)


def read_lexicon(path: Path | None = None) -> dict[str, float]:
    """Token -> mean valence, for the entries at least POLAR away from 0."""
    lexicon: dict[str, float] = {}
    for line in (path or lexicon_path()).read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) >= 2 and abs(float(fields[1])) >= POLAR:
            lexicon[fields[0]] = float(fields[1])
    return lexicon


def _polarity(valence: float, flip: bool = False) -> str:
    return "positive" if (valence > 0) != flip else "negative"


def lexicon_rows(lexicon: dict[str, float]) -> TextDataset:
    words = sorted(lexicon)
    labels = [_polarity(lexicon[w]) for w in words]
    return TextDataset(
        words, labels, f"{LEXICON_PACKAGE}/{LEXICON_FILE}", [LEXICON_SOURCE] * len(words)
    )


def template_rows(lexicon: dict[str, float], seed: int) -> TextDataset:
    """One negated phrase per alphabetic lexicon word, and as many contrasts, seeded."""
    rng = random.Random(seed)
    words = sorted(w for w in lexicon if w.isalpha())
    positive = [w for w in words if lexicon[w] > 0]
    negative = [w for w in words if lexicon[w] < 0]
    texts: list[str] = []
    labels: list[str] = []
    for word in words:
        texts.append(rng.choice(NEGATED).format(w=word))
        labels.append(_polarity(lexicon[word], flip=True))
        opposite = negative if lexicon[word] > 0 else positive
        texts.append(rng.choice(CONTRAST).format(a=rng.choice(opposite), b=word))
        labels.append(_polarity(lexicon[word]))
    return TextDataset(
        texts, labels, "templates written for the project", [TEMPLATE_SOURCE] * len(texts)
    )


def lexicon_training_rows(seed: int) -> TextDataset:
    lexicon = read_lexicon()
    return concatenate([lexicon_rows(lexicon), template_rows(lexicon, seed)])
