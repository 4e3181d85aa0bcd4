"""JSON records and the content-addressed cache.

Every calculation ends in one JSON record, written atomically (temporary file in the same folder,
fsync, rename), so a kill at any moment leaves either the old file or the complete new one. The cache
keeps records and optimization checkpoints under the hash of what determines them, so renaming a
species reuses its result and two different jobs never share a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compchem.models import CalcResult


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically (never a half-written file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=1, sort_keys=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read one JSON file."""
    with open(path) as handle:
        return json.load(handle)


def write_record(path: str | os.PathLike[str], result: CalcResult) -> None:
    """Write a CalcResult as a JSON record, atomically."""
    write_json_atomic(path, result.to_dict())


def read_record(path: str | os.PathLike[str]) -> CalcResult:
    """Read a JSON record written by ``write_record``."""
    return CalcResult.from_dict(read_json(path))


class Cache:
    """Content-addressed store: ``<root>/<hash[:2]>/<hash>.<kind>.json``.

    Kinds used: ``record`` (a finished result, never rewritten), ``checkpoint`` (the last state
    of an unfinished optimization, rewritten after every step and removed once the record exists) and
    ``opt_hessian`` (geomeTRIC's approximate Hessian where an optimization converged, the starting
    Hessian of a later stage: ``opt_initial_hessian: preopt``). Next to them, not JSON and not
    committed: the SCF orbitals of an optimization (``scf_chk_path``).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, key: str, kind: str) -> Path:
        """File of ``kind`` for content hash ``key``."""
        return self.root / key[:2] / f"{key}.{kind}.json"

    def scf_chk_path(self, key: str) -> Path:
        """PySCF checkpoint (HDF5: molecule, orbitals) of the last SCF of optimization ``key``: the
        first SCF of a resumed run, or of a later stage, starts from it. Machine-local (not
        committed): without it the SCF starts from PySCF's default guess, at the cost of a few cycles."""
        return self.root / key[:2] / f"{key}.scf.chk"

    def log_path(self, key: str) -> Path:
        """Archived job log (plain text) of the run that computed the record ``key``."""
        return self.root / key[:2] / f"{key}.log"

    def unfinished_log_path(self, key: str) -> Path:
        """Logs of the interrupted runs of an unfinished job ``key`` (see ``jobs.kept_log``)."""
        return self.root / key[:2] / f"{key}.unfinished.log"

    def get(self, key: str, kind: str) -> Any | None:
        """Stored data, or None when absent."""
        path = self.path(key, kind)
        return read_json(path) if path.exists() else None

    def find(self, keys: Sequence[str], kind: str) -> tuple[str, Any] | None:
        """The first of ``keys`` with a stored entry of ``kind``, as ``(key, data)``, or None."""
        for key in keys:
            if (data := self.get(key, kind)) is not None:
                return key, data
        return None

    def put(self, key: str, kind: str, data: Any, *, overwrite: bool = True) -> Path:
        """Store ``data`` atomically; with ``overwrite=False`` an existing entry is kept as it is."""
        path = self.path(key, kind)
        if overwrite or not path.exists():
            write_json_atomic(path, data)
        return path

    def discard(self, key: str, kind: str) -> None:
        """Remove an entry if present."""
        self.path(key, kind).unlink(missing_ok=True)
