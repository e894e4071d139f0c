"""The rehearsal's AWS account (moto), and what it could not do as AWS would, said in the
run's summary."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.iac.infra import load_terraform
from tests.support.servers import moto_server

from .account import Account, create
from .tools import NOTICES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for message in NOTICES:
        terminalreporter.write_line(f"rehearsal: {message}")


@pytest.fixture(scope="session")
def account(sentiment_model_dir: Path) -> Iterator[Account]:
    """One account for the tier: the model published once, signed with the release key."""
    with moto_server() as endpoint:
        yield create(endpoint, load_terraform(), sentiment_model_dir)
