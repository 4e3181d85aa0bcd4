"""Check a results folder and its content cache for damaged and orphaned files, without any DFT.

What is checked (``compchem check``; see docs/recovery.md):

- every JSON file the workflow reads back: the records of each level, the thermo, counterpoise, solvent
  and pose files, the built structures and the binding tables: each must parse and hold its kind's keys
  (``records.read_json``);
- every cache entry: the same, plus the checksum written with it and, for a record, that it is filed
  under its own content hash (``Cache.check_entry``);
- orphans: temporary files left by an interrupted atomic write (``.<name>.<random>.tmp``), checkpoints
  of optimizations whose record is already in the cache (a finished run removes them), and files in
  the cache whose names the cache does not make.
- stale records, which the workflow does not rerun by itself (its rerun triggers leave out file
  times, so that a fresh clone does not rerun committed jobs): an optimization record of a level
  whose starting geometry is none of the current builds of its species
  (``results/structures/<species>.build.json``, or any pose build of a cluster: the structure was
  rebuilt after a builder change), or whose content hash, recomputed from what the record holds
  (start geometry, charge, multiplicity, level, held distances), is none the current code gives
  that calculation (``CALC_CODE_VERSION`` or the xTB minimizer changed since it ran). Records that
  carry no starting geometry (older GFN-xTB records) are not judged, nor is a cluster's copy of its
  selected pose where the pose records are there (they are judged).

Damaged cache entries found in a workflow run are moved to ``<cache>/quarantine/`` by the run itself;
this check only reports.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from compchem.errors import DamagedFileError
from compchem.layout import Layout
from compchem.records import Cache, read_json

#: Largest coordinate difference (Å) between a record's starting geometry and a build that counts as
#: the same geometry (the builds and records store the same floats; this only absorbs rounding)
SAME_GEOMETRY_ANGSTROM = 1e-4
#: Folder of results/<level>/ -> the kind its JSON files are checked as
LEVEL_FOLDERS: dict[str, str] = {"records": "record", "counterpoise": "counterpoise", "poses": "poses"}
#: Folder-name prefixes of results/<level>/ -> kind (thermo, thermo_<level>, solvent_<name>)
LEVEL_PREFIXES: dict[str, str] = {"thermo": "thermo", "solvent_": "solvent"}
CACHE_NAME = re.compile(r"^(?P<key>[0-9a-f]{64})\.(?P<kind>[a-z_]+)\.json$")
CACHE_OTHER = re.compile(r"^[0-9a-f]{64}\.(scf\.chk|log|unfinished\.log)$")
TEMPORARY = re.compile(r"^\..+\.tmp$")


@dataclass(frozen=True)
class Finding:
    """One damaged, orphaned or stale file: its path, which of the three, and what is wrong."""

    path: str
    state: str  # "damaged" | "orphaned" | "stale"
    problem: str


def _kind_of(level_dir_child: Path) -> str | None:
    name = level_dir_child.name
    if name in LEVEL_FOLDERS:
        return LEVEL_FOLDERS[name]
    return next((kind for prefix, kind in LEVEL_PREFIXES.items() if name.startswith(prefix)), None)


def check_results(results_dir: str | Path, cache_dir: str | Path | None = None) -> list[Finding]:
    """Every damaged or orphaned file under ``results_dir`` and its cache (default
    ``<results_dir>/cache``), in path order."""
    layout = Layout(os.fspath(results_dir), None if cache_dir is None else os.fspath(cache_dir))
    results = Path(layout.results)
    cache_root = Path(layout.cache)
    findings: list[Finding] = []
    builds: dict[str, Any] = {}

    def check(path: Path, kind: str | None) -> Any:
        try:
            return read_json(path, kind)
        except DamagedFileError as exc:
            findings.append(Finding(str(path), "damaged", exc.problem))
            return None

    for path in sorted(results.rglob("*")):
        if cache_root in path.parents or path == cache_root:
            continue
        if path.is_file() and TEMPORARY.match(path.name):
            findings.append(Finding(str(path), "orphaned", "temporary file of an interrupted write"))
    structures = Path(layout.structures_dir)
    for path in sorted(structures.glob("*.build.json")):
        build = check(path, "build")
        if build is not None:
            builds[path.name.removesuffix(".build.json")] = build
    for level_dir in sorted(p for p in results.iterdir() if p.is_dir() and p not in (structures, cache_root)):
        for table in sorted(level_dir.glob("binding_energies.json")):
            check(table, None)
        for child in sorted(p for p in level_dir.iterdir() if p.is_dir()):
            kind = _kind_of(child)
            if kind is not None:
                for path in sorted(child.glob("*.json")):
                    data = check(path, kind)
                    if kind == "record" and data is not None:
                        findings += _stale(path, data, builds) or _outdated(path, data)
    findings += check_cache(cache_root)
    return sorted(findings, key=lambda f: f.path)


def _stale(path: Path, record: dict[str, Any], builds: dict[str, Any]) -> list[Finding]:
    """``[Finding]`` when the optimization ``record`` (a level's ``records/<species>.json``) started
    from none of the current builds of its species, else ``[]``."""
    start = (record.get("extra") or {}).get("initial_coordinates_angstrom")
    if record.get("task") != "optimize" or start is None:
        return []
    species = path.name.removesuffix(".json")
    # a cluster's own record is a copy of its selected pose: any of its pose builds may be its start
    names = [species, *(n for n in builds if n.startswith(f"{species}.pose"))]
    candidates = [builds[n] for n in names if n in builds]
    if not candidates:
        return []
    start_xyz = np.asarray(start, dtype=float)
    for build in candidates:
        xyz = np.asarray(build.get("coordinates_angstrom"), dtype=float)
        if (
            list(build.get("symbols", [])) == list(record.get("symbols", []))
            and xyz.shape == start_xyz.shape
            and float(np.abs(xyz - start_xyz).max()) <= SAME_GEOMETRY_ANGSTROM
        ):
            return []
    return [
        Finding(
            str(path),
            "stale",
            f"started from a geometry that no current build of {species} has (the structure was rebuilt "
            "after this record was computed): its numbers belong to the old build; delete the record "
            "(and the tables made from it) and rerun to recompute it",
        )
    ]


def _outdated(path: Path, record: dict[str, Any]) -> list[Finding]:
    """``[Finding]`` when the optimization ``record``'s content hash is none of the hashes the current
    code gives its calculation (recomputed from the record), else ``[]``."""
    from compchem.models import CalcSpec, LevelOfTheory, coordinate_rows

    start = (record.get("extra") or {}).get("initial_coordinates_angstrom")
    if record.get("task") != "optimize" or start is None or not record.get("spec_hash"):
        return []
    species = path.name.removesuffix(".json")
    if ".pose" not in species and any(path.parent.glob(f"{species}.pose*.json")):
        return []  # a cluster's copy of its selected pose: its pose records are judged
    held = tuple(
        (int(h["atoms"][0]), int(h["atoms"][1]), float(h["target_angstrom"]))
        for h in (record.get("extra") or {}).get("held_distances") or []
    )
    try:
        spec = CalcSpec(
            tuple(record["symbols"]),
            coordinate_rows(map(float, row) for row in start),
            int(record["charge"]),
            int(record["multiplicity"]),
            LevelOfTheory.from_record(record["level"]),
            "optimize",
            held_distances=held,
        )
        current = spec.reusable_keys()
    except Exception:  # noqa: BLE001 - a record this code cannot rebuild a spec from is not judged
        return []
    if record["spec_hash"] in current:
        return []
    return [
        Finding(
            str(path),
            "stale",
            "computed under an earlier definition of its calculation (its content hash is not the one "
            "the current code gives it: CALC_CODE_VERSION or the xTB minimizer changed since); delete "
            "the record (and the tables made from it) and rerun to recompute it",
        )
    ]


def check_cache(cache_root: str | Path) -> list[Finding]:
    """Damaged entries and orphans of one content cache (its quarantine folder is left out)."""
    root = Path(cache_root)
    if not root.is_dir():
        return []
    cache = Cache(root)
    findings: list[Finding] = []
    records: set[str] = set()
    checkpoints: list[tuple[str, Path]] = []
    for path in sorted(root.glob("*/*")):
        if path.parent.name == "quarantine" or not path.is_file():
            continue
        if TEMPORARY.match(path.name):
            findings.append(Finding(str(path), "orphaned", "temporary file of an interrupted write"))
            continue
        if CACHE_OTHER.match(path.name):
            continue
        match = CACHE_NAME.match(path.name)
        if match is None or path.parent.name != match.group("key")[:2]:
            findings.append(Finding(str(path), "orphaned", "not a file the cache makes (name or folder)"))
            continue
        key, kind = match.group("key"), match.group("kind")
        try:
            cache.check_entry(key, kind)
        except DamagedFileError as exc:
            findings.append(Finding(str(path), "damaged", exc.problem))
            continue
        if kind == "record":
            records.add(key)
        elif kind == "checkpoint":
            checkpoints.append((key, path))
    findings += [
        Finding(str(path), "orphaned", "checkpoint of an optimization whose record is already cached")
        for key, path in checkpoints
        if key in records
    ]
    return findings
