"""The counterpoise job: the Boys–Bernardi single points of one cluster's fragments (own basis and
full basis with ghost atoms, through the cached runner), the complex's single point when its record
is at another level, and the fragments' dispersion energies; ``compchem.analysis.counterpoise``
defines those single points and turns their energies into BSSE, interaction, deformation and binding
energies. Also the cache key under which the job's log is archived."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import IO, Any

from compchem.analysis.counterpoise import (
    FragmentSpecs,
    check_counterpoise_level,
    complex_energy_reusable,
    complex_energy_spec,
    counterpoise_specs,
    counterpoise_summary,
    electronic_level,
    fragment_row,
    record_fragments,
)
from compchem.artifacts import CounterpoiseRecord
from compchem.errors import InputError
from compchem.jobs.common import archive_log
from compchem.logs import job_log
from compchem.models import CalcResult, CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache, write_json_atomic

# the counterpoise lines keep the logger name they had when this ran in compchem.analysis.counterpoise
log = logging.getLogger("compchem.analysis.counterpoise")


def counterpoise_job(
    cluster_record: str,
    relaxed_records: list[str],
    charges_mults: list[list[int]],
    level: dict[str, Any],
    out_path: str,
    threads: int = 1,
    memory_mb: int = 4000,
    cache_dir: str | None = None,
    log_path: str | None = None,
) -> None:
    """Boys–Bernardi counterpoise and ligand deformation energies of one cluster. ``relaxed_records``
    and ``charges_mults`` follow the cluster's fragments in atom order (the ion, then each ligand)."""
    from compchem.records import read_record

    complex_result = read_record(cluster_record)
    level_obj = LevelOfTheory.from_record(level)
    fragments = record_fragments(complex_result)
    if len(relaxed_records) != len(fragments) or len(charges_mults) != len(fragments):
        raise InputError(
            f"{complex_result.label}: {len(fragments)} fragments but {len(relaxed_records)} "
            f"relaxed records and {len(charges_mults)} charge/multiplicity pairs"
        )
    relaxed = [read_record(path) for path in relaxed_records]
    cache = Cache(cache_dir) if cache_dir else None
    with job_log(log_path) as stream:
        out = run_counterpoise(
            complex_result,
            fragments,
            [(charge, mult) for charge, mult in charges_mults],
            level_obj,
            Resources(threads=threads, memory_mb=memory_mb),
            cache,
            relaxed=relaxed,
            stream=stream,
        )
    if cache is not None and log_path is not None:
        archive_log(cache, counterpoise_log_key(out), log_path)
    write_json_atomic(out_path, CounterpoiseRecord.from_dict(out, source=out_path).to_dict())


def counterpoise_log_key(analysis: dict[str, Any]) -> str:
    """Cache key of a counterpoise job's log: from the complex energy's and every single point's
    content hash, so a rerun that only reuses cached single points gets the log that computed them."""
    hashes = [analysis["complex_energy_source"]] + [
        f[k] for f in analysis["fragments"] for k in ("full_basis_spec_hash", "own_basis_spec_hash")
    ]
    return hashlib.sha256(json.dumps(["counterpoise", hashes]).encode()).hexdigest()


def _dispersion_energy(spec: CalcSpec) -> float:
    from compchem.backends.registry import get_backend

    return get_backend("pyscf").dispersion_energy(spec)


def run_counterpoise(
    complex_result: CalcResult,
    fragments: Sequence[tuple[str, Sequence[int]]] | None,
    charges_mults: Mapping[str, tuple[int, int]] | Sequence[tuple[int, int]],
    level: LevelOfTheory,
    resources: Resources,
    cache: Cache | None,
    relaxed: Sequence[CalcResult | float] | None = None,
    stream: IO[str] | None = None,
) -> dict[str, Any]:
    """Counterpoise and deformation analysis of one complex record; single points via ``run_cached``.

    Parameters
    ----------
    complex_result : CalcResult
        The (optimized) complex; its geometry is used. Its energy is reused when it was computed at
        ``level`` (same energy-determining settings), otherwise the complex is recomputed at ``level``.
    fragments : sequence of (name, atom indices), or None
        None takes the record's own ``fragments`` (the cluster builder writes them).
    charges_mults : mapping name -> (charge, multiplicity), or a sequence in the order of ``fragments``
    level : LevelOfTheory
        Level of the single points.
    resources : Resources
        Threads and memory.
    cache : Cache, optional
        Single points are cached like any other calculation.
    relaxed : sequence of CalcResult or float, optional
        Each fragment at its own optimized geometry (records or energies in Hartree), in the order of
        ``fragments``, at the same level; gives deformation energies and the relaxed binding energies.
    stream : file, optional
        PySCF's output.

    Returns
    -------
    dict
        ``complex_energy_hartree``, ``fragments`` (per fragment: name, atoms, charge, multiplicity,
        ``own_basis_hartree``, ``full_basis_hartree``, ``bsse_hartree``, spec hashes and, with
        ``relaxed``, ``relaxed_hartree`` and ``deformation_hartree``), the totals of
        ``counterpoise_binding`` (and, with ``relaxed``, ``binding_hartree``, ``binding_cp_hartree``,
        ``total_deformation_hartree``, ``identity_residual_hartree``), each total also in eV and
        kcal/mol, the level and the definitions.
    """
    check_counterpoise_level(level)
    if fragments is None:
        fragments = record_fragments(complex_result)
    complex_spec = complex_energy_spec(complex_result, level)
    e_complex, complex_source = _complex_energy(complex_result, complex_spec, level, resources, cache, stream)
    specs = counterpoise_specs(complex_spec, fragments, charges_mults)
    if relaxed is not None and len(relaxed) != len(specs):
        raise InputError(f"run_counterpoise: {len(relaxed)} relaxed fragments for {len(specs)} fragments")
    rows = [
        _fragment_row(fs, level, resources, cache, stream, None if relaxed is None else relaxed[k])
        for k, fs in enumerate(specs)
    ]
    complex_dispersion = _dispersion_energy(complex_spec) if level.dispersion else None
    out = counterpoise_summary(
        complex_spec.label, e_complex, complex_source, level, rows, complex_dispersion, relaxed is not None
    )
    log.info(
        "%s: interaction raw %.4f eV, BSSE %.4f eV, CP-corrected %.4f eV",
        complex_spec.label,
        out["interaction_raw_ev"],
        out["bsse_ev"],
        out["interaction_cp_ev"],
    )
    return out


def _complex_energy(
    complex_result: CalcResult,
    complex_spec: CalcSpec,
    level: LevelOfTheory,
    resources: Resources,
    cache: Cache | None,
    stream: IO[str] | None,
) -> tuple[float, str]:
    """The complex's energy at ``level`` and the content hash of its source: the record's own when it
    was computed at that level, else a single point at its geometry."""
    from compchem.runner import run_cached

    if complex_energy_reusable(complex_result, level):
        return complex_result.energy_hartree, complex_result.spec_hash
    log.info("%s: complex record is at another level; single point at '%s'", complex_spec.label, level.name)
    sp = run_cached(complex_spec, resources, cache, stream)
    return sp.energy_hartree, sp.spec_hash


def _fragment_row(
    fs: FragmentSpecs,
    level: LevelOfTheory,
    resources: Resources,
    cache: Cache | None,
    stream: IO[str] | None,
    relaxed: CalcResult | float | None,
) -> dict[str, Any]:
    """The two single points of one fragment and its row of the analysis.

    SCIENCE.md §2: dispersion (D3/D4) depends on the nuclei only and is added outside the
    counterpoise term: the ghost-atom single point runs without it, and the fragment's own
    dispersion energy is added to both its own- and full-basis energies, so it cancels in the BSSE."""
    from compchem.runner import run_cached

    full = run_cached(
        dataclasses.replace(fs.full_basis, level=electronic_level(level)), resources, cache, stream
    )
    own = run_cached(fs.own_basis, resources, cache, stream)
    e_disp = _dispersion_energy(fs.own_basis) if level.dispersion else 0.0
    return fragment_row(fs, own, full, e_disp, level.dispersion, relaxed)
