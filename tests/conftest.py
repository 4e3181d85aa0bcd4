"""Shared fixtures."""

from __future__ import annotations

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
