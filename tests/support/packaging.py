"""A small frame to package estimators on, and `inferno` run in-process."""

import numpy as np
import pandas as pd
import pytest

from handlers.cli.main import main

RNG = np.random.default_rng(0)


FRAME = pd.DataFrame(
    {
        "amount": RNG.gamma(2, 50, 120).round(2),
        "items": RNG.integers(1, 9, 120),
        "member": RNG.random(120) < 0.5,
    }
)


LABELS = np.where(FRAME.amount > 100, "high", "low")


def inferno(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
