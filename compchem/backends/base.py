"""Backend registry and the cached entry point every workflow job goes through."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import IO

from compchem.errors import BackendUnavailableError
from compchem.models import CalcResult, CalcSpec, Resources
from compchem.records import Cache

log = logging.getLogger(__name__)

RunFunction = Callable[[CalcSpec, Resources, "Cache | None", "IO[str] | None"], CalcResult]


def _pyscf_runner() -> RunFunction:
    from compchem.backends.pyscf_backend import run_pyscf

    return run_pyscf


#: Backend name -> (tasks it implements, loader of its run function).
BACKENDS: dict[str, tuple[tuple[str, ...], Callable[[], RunFunction]]] = {
    "pyscf": (("energy", "gradient", "optimize"), _pyscf_runner),
}


def get_runner(name: str, task: str) -> RunFunction:
    """The run function of backend ``name``; a clear error for unknown backends or tasks."""
    if name not in BACKENDS:
        raise BackendUnavailableError(f"unknown backend '{name}'; known: {sorted(BACKENDS)}")
    tasks, loader = BACKENDS[name]
    if task not in tasks:
        raise BackendUnavailableError(f"backend '{name}' does not implement task '{task}'")
    return loader()


def run_cached(
    spec: CalcSpec, resources: Resources, cache: Cache | None, stream: IO[str] | None = None
) -> CalcResult:
    """Return the cached result of ``spec`` if one exists, else compute, cache and return it.

    The cache key is the content hash of the spec (geometry, charge, multiplicity, level, task,
    code version), never the species name: a renamed species reuses its record under its new label.
    A finished record is never rewritten; the optimization checkpoint is dropped once it exists.
    """
    key = spec.content_hash()
    if cache is not None:
        stored = cache.get(key, "record")
        if stored is not None:
            log.info("%s: reusing cached result %s", spec.label, cache.path(key, "record"))
            result = CalcResult.from_dict(stored)
            return dataclasses.replace(result, label=spec.label)
    runner = get_runner(spec.level.backend, spec.task)
    result = runner(spec, resources, cache, stream)
    if cache is not None:
        cache.put(key, "record", result.to_dict(), overwrite=False)
        cache.discard(key, "checkpoint")
    return result
