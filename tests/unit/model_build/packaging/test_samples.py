"""Reading a packaging sample: CSV and JSON Lines alike, code columns kept as text, one clear
line for what is not a sample."""

from pathlib import Path

import pytest

from model_build.packaging.errors import PackagingError
from model_build.packaging.samples import read_sample


def test_csv_and_json_lines_read_alike_and_codes_stay_text(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("store,amount\n0042,1.5\n0107,2\n")
    (tmp_path / "s.JSONL").write_text(
        '{"store": "0042", "amount": 1.5}\n{"store": "0107", "amount": 2}\n'
    )
    for name in ("s.csv", "s.JSONL"):
        frame = read_sample(tmp_path / name, strings=["store"])
        assert frame.to_dict("list") == {"store": ["0042", "0107"], "amount": [1.5, 2.0]}
    assert read_sample(tmp_path / "s.csv")["store"].tolist() == [42, 107]  # unless asked


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("s.txt", "a\n1\n", "a sample is a .csv, .jsonl or .parquet file (got .txt)"),
        ("s.csv", None, "no such sample file"),
        ("s.csv", "a,b\n", "the sample has no rows"),
        ("s.jsonl", "not json\n", "cannot read it as json"),
    ],
)
def test_what_is_not_a_sample_is_named(
    tmp_path: Path, name: str, content: str | None, says: str
) -> None:
    if content is not None:
        (tmp_path / name).write_text(content)
    with pytest.raises(PackagingError) as caught:
        read_sample(tmp_path / name)
    assert says in str(caught.value) and "\n" not in str(caught.value)
