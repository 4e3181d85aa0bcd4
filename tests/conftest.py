"""Shared fixtures."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def root() -> Path:
    """Repository root."""
    return ROOT


@pytest.fixture
def data_dir() -> Path:
    """tests/data."""
    return DATA


class LogLines(logging.Handler):
    """Collects the ``compchem`` logger's messages (geomeTRIC's logging.config.fileConfig replaces the
    root handlers, and with them pytest's caplog, during an optimization)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def compchem_log():
    """INFO messages of the ``compchem`` loggers, collected even through geomeTRIC runs."""
    logger, handler = logging.getLogger("compchem"), LogLines()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)
