"""Shared fixtures."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

# Under pytest-xdist (pyproject addopts: one worker per core) each worker gets its share of the cores for
# PySCF/BLAS threads, set before anything imports them; Snakemake runs in tests pass their own --cores.
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    _share = max(1, (os.cpu_count() or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))
    os.environ.setdefault("OMP_NUM_THREADS", str(_share))

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
