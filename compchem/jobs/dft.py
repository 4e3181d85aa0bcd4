"""Jobs that compute one species' energy: the DFT optimization (or single point) through the cached
runner, the three Gaussian steps (write the input, run it, parse the output into the same record as
the PySCF path), composite ``B//A`` single points at a record's geometry, and the implicit-solvent
single point at the gas-phase geometry."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

from compchem.artifacts import SolventRecord
from compchem.errors import InputError
from compchem.jobs.common import archive_log, kept_log, log, spec_from_build, write_outputs
from compchem.logs import job_log
from compchem.models import CalcSpec, LevelOfTheory, Resources, cavity_radii
from compchem.records import Cache, write_json_atomic, write_text_atomic


def optimize_job(
    build_path: str,
    level: dict[str, Any],
    record_path: str,
    xyz_path: str,
    threads: int = 1,
    memory_mb: int = 4000,
    cache_dir: str | None = None,
    log_path: str | None = None,
    task: str = "optimize",
) -> None:
    """Optimize one species at one level (resuming from a checkpoint if one exists), write its
    JSON record and its optimized geometry (.xyz)."""
    from compchem.runner import run_cached

    spec = spec_from_build(build_path, level, task)
    cache = Cache(cache_dir) if cache_dir else None
    with _kept_log_of(spec, cache, log_path), job_log(log_path) as stream:
        result = run_cached(spec, Resources(threads=threads, memory_mb=memory_mb), cache, stream)
    if cache is not None and log_path is not None:
        archive_log(cache, result.spec_hash, log_path)
    write_outputs(result, spec.level, record_path, xyz_path)


def _kept_log_of(
    spec: CalcSpec, cache: Cache | None, log_path: str | None
) -> contextlib.AbstractContextManager[None]:
    """``kept_log`` of ``spec``'s job; nothing to keep without a cache or a log."""
    if cache is None or log_path is None:
        return contextlib.nullcontext()
    # logs of interrupted runs kept under a key this spec reuses (a level loosened since)
    keys = spec.reusable_keys()
    log_key = next((k for k in keys if cache.unfinished_log_path(k).exists()), keys[0])
    return kept_log(cache, log_key, log_path)


def _geometry_record_of(spec: CalcSpec, geometry_record: str | None) -> str:
    """``geometry_record``, which a composite level ``B//A`` cannot do without."""
    if geometry_record is None:
        raise InputError(f"{spec.label}: composite level '{spec.level.name}' needs its geometry record")
    return geometry_record


def composite_single_point_spec(spec: CalcSpec, geometry_record: str | None) -> CalcSpec:
    """The single point of composite spec ``spec`` (level ``B//A``): B, task energy, at the geometry of
    ``geometry_record`` (the species' optimized record at A)."""
    from compchem.records import read_record

    geometry_record = _geometry_record_of(spec, geometry_record)
    opt = read_record(geometry_record)
    if tuple(opt.symbols) != spec.symbols:
        raise InputError(f"{spec.label}: the geometry record {geometry_record} holds other atoms")
    return dataclasses.replace(opt.spec_at(spec.level.single_point_level(), "energy"), label=spec.label)


def gaussian_input_job(
    build_path: str,
    level: dict[str, Any],
    gjf_path: str,
    threads: int = 1,
    memory_mb: int = 4000,
    geometry_record: str | None = None,
) -> None:
    """Write the Gaussian input (.gjf) of one species; %nprocshared/%mem from the job's resources. At a
    composite level ``B//A`` it is B's single point at the geometry of ``geometry_record`` (the
    species' record at A)."""
    from compchem.backends.registry import get_backend

    spec = spec_from_build(build_path, level)
    if spec.level.geometry is not None:
        spec = composite_single_point_spec(spec, geometry_record)
    chk = Path(gjf_path).with_suffix(".chk").name
    text = get_backend("gaussian").input_text(spec, Resources(threads=threads, memory_mb=memory_mb), chk)
    write_text_atomic(gjf_path, text)


def gaussian_run_job(
    command: str | None, gjf_path: str, output_path: str, log_path: str | None = None
) -> None:
    """Run Gaussian on one input with the configured command (or explain how to run it by hand)."""
    from compchem.backends.registry import get_backend

    with job_log(log_path):
        wall = get_backend("gaussian").execute(command, gjf_path, output_path)
        log.info("Gaussian finished normally in %.1f s: %s", wall, output_path)


def gaussian_parse_job(
    build_path: str,
    level: dict[str, Any],
    output_path: str,
    record_path: str,
    xyz_path: str,
    cache_dir: str | None = None,
    log_path: str | None = None,
    geometry_record: str | None = None,
) -> None:
    """Parse one Gaussian output into the same JSON record and .xyz as the PySCF path. At a composite
    level ``B//A`` the output is B's single point at the geometry of ``geometry_record`` (the species'
    record at A), and the record combines the two as the PySCF path does."""
    from compchem.backends.registry import get_backend
    from compchem.records import read_record
    from compchem.runner import composite_result

    spec = spec_from_build(build_path, level)
    read_result = get_backend("gaussian").read_result
    with job_log(log_path):
        if spec.level.geometry is not None:
            point = composite_single_point_spec(spec, geometry_record)
            single_point = read_result(point, Path(output_path).read_text())
            opt = read_record(_geometry_record_of(spec, geometry_record))
            result = composite_result(spec, opt, single_point)
            if cache_dir:
                Cache(cache_dir).put(point.content_hash(), "record", single_point.to_dict(), overwrite=False)
        else:
            result = read_result(spec, Path(output_path).read_text())
        if cache_dir:
            Cache(cache_dir).put(spec.content_hash(), "record", result.to_dict(), overwrite=False)
        log.info(
            "%s: Gaussian E=%.10f Ha, converged=%s, %d steps",
            spec.label,
            result.energy_hartree,
            result.converged,
            result.n_opt_steps,
        )
    write_outputs(result, spec.level, record_path, xyz_path)


def solvated_level(gas: LevelOfTheory, solvent: dict[str, Any]) -> LevelOfTheory:
    """The gas-phase level ``gas`` in the implicit solvent of config ``thermo.solvent`` (model,
    dielectric constant, optional cavity radii), otherwise unchanged and without its pre-optimization
    stage; named ``<level>+<solvent name>``."""
    if gas.solvent_model:
        raise InputError(f"thermo.solvent: level '{gas.name}' is already an implicit-solvent level")
    return dataclasses.replace(
        gas.single_point_level(),
        name=f"{gas.name}+{solvent['name']}",
        solvent_model=solvent["model"],
        solvent_eps=float(solvent["eps"]),
        solvent_radii_angstrom=cavity_radii("thermo.solvent.radii_angstrom", solvent.get("radii_angstrom")),
    )


def solvent_single_point_job(
    record_path: str,
    level: dict[str, Any],
    solvent: dict[str, Any],
    out_path: str,
    threads: int = 1,
    memory_mb: int = 4000,
    cache_dir: str | None = None,
    log_path: str | None = None,
) -> None:
    """Implicit-solvent single point of one optimized species at its gas-phase geometry (config
    ``thermo.solvent``: ``name``, ``model`` pcm or ddcosmo, dielectric constant ``eps``, optional
    ``radii_angstrom`` cavity radii of some elements), at the record's level otherwise unchanged.
    Writes the solvated and the gas-phase energy and their difference (the solvation energy at fixed
    geometry, Hartree), and the cavity sphere radius of each element (Angstrom)."""
    from compchem.analysis.binding import medium_label
    from compchem.backends.registry import get_backend
    from compchem.records import read_record
    from compchem.runner import run_cached

    record = read_record(record_path)
    gas = LevelOfTheory.from_record(level)
    solvated = solvated_level(gas, solvent)
    cache = Cache(cache_dir) if cache_dir else None
    with job_log(log_path) as stream:
        spec = record.spec_at(solvated, "energy")
        radii = get_backend("pyscf").cavity_radii_angstrom(spec)
        log.info(
            "%s: cavity sphere radii (Å): %s", record.label, ", ".join(f"{el} {r}" for el, r in radii.items())
        )
        result = run_cached(spec, Resources(threads=threads, memory_mb=memory_mb), cache, stream)
        solvation = result.energy_hartree - record.energy_hartree
        log.info(
            "%s: %s single point at the %s geometry: E=%.10f Ha, solvation energy %.6f Ha",
            record.label,
            solvated.describe(),
            gas.name,
            result.energy_hartree,
            solvation,
        )
    solvent_record = SolventRecord(
        label=record.label,
        level=gas.name,
        solvent=dict(solvent),
        description=f"{medium_label(solvated.to_dict())} single point at the gas-phase {gas.name} geometry",
        energy_hartree=result.energy_hartree,
        gas_energy_hartree=record.energy_hartree,
        solvation_energy_hartree=solvation,
        cavity_radii_angstrom=radii,
        spec_hash=result.spec_hash,
        gas_spec_hash=record.spec_hash,
        wall_time_s=result.wall_time_s,
    )
    write_json_atomic(out_path, solvent_record.to_dict())
    if cache is not None and log_path is not None:
        archive_log(cache, result.spec_hash, log_path)
