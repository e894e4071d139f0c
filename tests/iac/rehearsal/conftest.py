"""The rehearsal says what it could not do as AWS would, in the run's summary."""

import pytest

from .tools import NOTICES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for message in NOTICES:
        terminalreporter.write_line(f"rehearsal: {message}")
