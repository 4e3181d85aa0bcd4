"""JSON records and the content-addressed cache.

Every calculation ends in one JSON record, written atomically (temporary file in the same folder,
fsync, rename), so a kill at any moment leaves either the old file or the complete new one. The cache
keeps records and optimization checkpoints under the hash of what determines them, so renaming a
species reuses its result and two different jobs never share a file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compchem.errors import DamagedFileError
from compchem.models import CalcResult

log = logging.getLogger(__name__)

#: Highest ``schema_version`` of a record this code reads (``CalcResult.schema_version``).
RECORD_SCHEMA_VERSION = 1
#: Keys every file of a kind must hold (``read_json(..., kind=...)``); kinds not listed are only parsed.
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "record": (
        "label",
        "task",
        "program",
        "spec_hash",
        "level",
        "charge",
        "multiplicity",
        "symbols",
        "coordinates_angstrom",
        "energy_hartree",
        "converged",
    ),
    "checkpoint": ("symbols", "coordinates_angstrom", "history"),
    "build": ("symbols", "coordinates_angstrom", "charge", "multiplicity"),
    "opt_hessian": ("hessian_cartesian_hartree_per_bohr2",),
    "thermo": ("label", "thermo", "frequencies"),
    "counterpoise": ("fragments",),
    "solvent": ("label", "energy_hartree", "solvent"),
    "poses": ("poses", "selected_pose"),
}
#: Key of the SHA-256 of a cache entry's or record's content, written with it (files written before it
#: existed have none and are checked without it).
CHECKSUM_KEY = "content_sha256"


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


def read_json(path: str | os.PathLike[str], kind: str | None = None) -> Any:
    """Read one JSON file the project wrote, checked: it must parse, match the checksum written with
    it (``CHECKSUM_KEY``, returned without it) where it has one, and, for a ``kind`` of
    ``REQUIRED_KEYS``, be a mapping with those keys (a record also a known ``schema_version``).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    DamagedFileError
        Empty, cut short or otherwise not JSON, or not what ``kind`` requires; the message names the
        file and what to do.
    """
    path = Path(path)
    text = path.read_text()
    if not text.strip():
        raise DamagedFileError(path, "the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"not valid JSON ({exc.msg}: line {exc.lineno}, column {exc.colno})"
        if text.lstrip()[:1] in "{[" and text.rstrip()[-1:] not in "}]":
            problem += "; it ends before its JSON does (cut short?)"
        raise DamagedFileError(path, problem) from None
    if kind is not None:
        check_content(path, data, kind)
    return verified(path, data)


def check_content(path: str | os.PathLike[str], data: Any, kind: str) -> None:
    """Raise a DamagedFileError unless ``data`` (read from ``path``) holds what a file of ``kind``
    must hold (``REQUIRED_KEYS``; a record a known schema version)."""
    if kind not in REQUIRED_KEYS:
        return
    if not isinstance(data, dict):
        raise DamagedFileError(path, f"a {kind} file must hold a JSON object, found {type(data).__name__}")
    missing = [k for k in REQUIRED_KEYS[kind] if k not in data]
    if missing:
        raise DamagedFileError(path, f"a {kind} file lacks the key(s) {missing}")
    if kind == "record":
        version = data.get("schema_version", 1)
        if not isinstance(version, int) or not 1 <= version <= RECORD_SCHEMA_VERSION:
            raise DamagedFileError(
                path,
                f"record schema_version {version!r}, this compchem reads 1 to {RECORD_SCHEMA_VERSION}",
                "update compchem, or delete the record and rerun",
            )


def write_record(path: str | os.PathLike[str], result: CalcResult) -> None:
    """Write a CalcResult as a JSON record, atomically, with the checksum of its content."""
    write_json_atomic(path, with_checksum(result.to_dict()))


def read_record(path: str | os.PathLike[str]) -> CalcResult:
    """Read a JSON record written by ``write_record``, checked (``read_json`` with kind ``record``)."""
    return CalcResult.from_dict(read_json(path, kind="record"))


def with_checksum(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``CHECKSUM_KEY`` set to the SHA-256 of the rest."""
    data = {k: v for k, v in data.items() if k != CHECKSUM_KEY}
    data[CHECKSUM_KEY] = content_sha256(data)
    return data


def verified(path: str | os.PathLike[str], data: Any) -> Any:
    """``data`` read from ``path`` without its checksum key, after checking the checksum where there is
    one (a DamagedFileError when the content no longer matches it)."""
    if isinstance(data, dict) and CHECKSUM_KEY in data:
        data = dict(data)
        stored = data.pop(CHECKSUM_KEY)
        if stored != content_sha256(data):
            raise DamagedFileError(path, "its content does not match the checksum written with it")
    return data


def content_sha256(data: Any) -> str:
    """SHA-256 of the canonical JSON of ``data`` (a cache entry without its checksum key)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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
        """Stored data, or None when absent. A damaged entry (``check_entry``) is moved aside into
        ``<root>/quarantine/`` with a warning naming both paths and counts as absent: the calculation
        is then a cache miss, and a damaged checkpoint makes the optimization start again from its
        starting geometry."""
        path = self.path(key, kind)
        try:
            return self.check_entry(key, kind)
        except FileNotFoundError:
            return None
        except DamagedFileError as exc:
            moved = self.quarantine(path)
            log.warning(
                "damaged cache entry %s: %s; moved aside to %s and treated as a cache miss",
                path,
                exc.problem,
                moved,
            )
            return None

    def check_entry(self, key: str, kind: str) -> Any:
        """The entry ``key``/``kind``, checked: it parses, holds its kind's keys, matches its checksum
        (when written with one) and, for a record, was filed under its own content hash.

        Raises FileNotFoundError when absent and DamagedFileError when damaged."""
        path = self.path(key, kind)
        data = read_json(path, kind)
        if kind == "record" and data.get("spec_hash") != key:
            raise DamagedFileError(
                path, f"it holds the record of {str(data.get('spec_hash'))[:12]}, not of {key[:12]}"
            )
        return data

    def quarantine(self, path: Path) -> Path:
        """Move a damaged file into ``<root>/quarantine/`` (never deleted), under a name with the time."""
        target_dir = self.root / "quarantine"
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"{path.name}.{time.strftime('%Y%m%dT%H%M%S')}.{os.getpid()}"
        shutil.move(str(path), target)
        return target

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
            write_json_atomic(path, with_checksum(data) if isinstance(data, dict) else data)
        return path

    def discard(self, key: str, kind: str) -> None:
        """Remove an entry if present."""
        self.path(key, kind).unlink(missing_ok=True)
