"""Compatibility alias: the backend registry now lives in ``compchem.backends.registry`` and the cached
entry point (``run_cached``, staged and composite runs) in ``compchem.runner``. Every name imported from
here before keeps working."""

from __future__ import annotations

from compchem.backends.registry import BACKENDS, Backend, RunFunction, get_backend, get_runner
from compchem.runner import (
    _cached_record,
    _final_stage_hash,
    _run_composite,
    _run_staged,
    _stage_summary,
    composite_result,
    run_cached,
)

__all__ = [
    "BACKENDS",
    "Backend",
    "RunFunction",
    "_cached_record",
    "_final_stage_hash",
    "_run_composite",
    "_run_staged",
    "_stage_summary",
    "composite_result",
    "get_backend",
    "get_runner",
    "run_cached",
]
