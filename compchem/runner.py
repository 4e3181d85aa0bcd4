"""Run a CalcSpec through the content cache: ``run_cached`` is the one entry point every workflow job,
the CLI and the benchmarks compute through. It answers from a cached record when one exists (under the
spec's content hash or one of its reusable keys), else computes with the level's backend (found in
``compchem.backends.registry``) and caches the record. Staged levels (pre-optimization, then
optimization) and composite levels ``B//A`` (optimization at A, single point at B) are sequences of
ordinary cached calculations, assembled here into one record under the staged or composite spec's hash.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import IO

from compchem.backends.registry import get_runner
from compchem.models import CalcResult, CalcSpec, LevelOfTheory, Resources, coordinate_rows
from compchem.records import Cache

#: the logger of the module this code came from (compchem.backends.base), so log lines stay the same
log = logging.getLogger("compchem.backends.base")


def run_cached(
    spec: CalcSpec, resources: Resources, cache: Cache | None, stream: IO[str] | None = None
) -> CalcResult:
    """Return the cached result of ``spec`` if one exists, else compute, cache and return it.

    The cache key is the content hash of the spec (geometry, charge, multiplicity, level, task,
    code version), never the species name: a renamed species reuses its record under its new label.
    A finished record is never rewritten; the optimization checkpoint is dropped once it exists.
    """
    if (geometry_level := spec.level.geometry) is not None:
        if spec.task == "optimize":
            return _run_composite(spec, geometry_level, resources, cache, stream)
        # an energy or gradient at a given geometry: the composite level's single-point level
        spec = dataclasses.replace(spec, level=spec.level.single_point_level())
    key = spec.content_hash()
    if spec.task == "optimize" and (pre_level := spec.level.preopt) is not None and len(spec.symbols) > 1:
        return _run_staged(spec, pre_level, resources, cache, stream)
    if (cached := _cached_record(spec, cache)) is not None:
        return cached
    runner = get_runner(spec.level.backend, spec.task)
    result = runner(spec, resources, cache, stream)
    if cache is not None:
        cache.put(key, "record", result.to_dict(), overwrite=False)
        for reusable in spec.reusable_keys():
            cache.discard(reusable, "checkpoint")
    return result


def _cached_record(spec: CalcSpec, cache: Cache | None) -> CalcResult | None:
    """The cached record answering ``spec`` (its own, or one of ``spec.reusable_keys()``), relabelled."""
    if cache is None:
        return None
    found = cache.find(spec.reusable_keys(), "record")
    if found is None:
        return None
    key, stored = found
    log.info("%s: reusing cached result %s", spec.label, cache.path(key, "record"))
    result = CalcResult.from_dict(stored)
    if key == spec.content_hash():
        # the same science under another name (a level of another config, a per-element basis that
        # reduces to one basis here): the record answers in the asking level's name, so the records
        # of one table share one level
        result = dataclasses.replace(result, level=spec.level.to_dict())
    return dataclasses.replace(result, label=spec.label)


def _run_staged(
    spec: CalcSpec,
    pre_level: LevelOfTheory,
    resources: Resources,
    cache: Cache | None,
    stream: IO[str] | None,
) -> CalcResult:
    """Staged optimization: optimize at ``pre_level`` (``spec.level.preopt``) first, then at the level
    itself from that geometry. Each stage is an ordinary cached, checkpointed calculation, so a killed
    staged job resumes inside whichever stage it was in; the combined result is cached under the
    staged spec."""
    key = spec.content_hash()
    if (cached := _cached_record(spec, cache)) is not None:
        return cached
    log.info("%s: stage 1/2, pre-optimization at '%s' (%s)", spec.label, pre_level.name, pre_level.describe())
    stage1 = run_cached(
        dataclasses.replace(spec, level=pre_level, label=f"{spec.label}@{pre_level.name}"),
        resources,
        cache,
        stream,
    )
    log.info(
        "%s: stage 2/2, optimization at '%s' (%s) from the stage-1 geometry",
        spec.label,
        spec.level.name,
        spec.level.describe(),
    )
    final_spec = dataclasses.replace(
        spec,
        level=spec.level.without_preopt(),
        coordinates_angstrom=coordinate_rows(stage1.coordinates_angstrom),
        hessian_from=stage1.spec_hash,
    )
    stage2 = run_cached(final_spec, resources, cache, stream)
    stages = [_stage_summary(s) for s in (stage1, stage2)]
    result = dataclasses.replace(
        stage2,
        label=spec.label,
        spec_hash=key,
        level=spec.level.to_dict(),
        wall_time_s=round(stage1.wall_time_s + stage2.wall_time_s, 2),
        extra={
            **stage2.extra,
            "stages": stages,
            "initial_coordinates_angstrom": [list(r) for r in spec.coordinates_angstrom],
        },
    )
    if cache is not None:
        cache.put(key, "record", result.to_dict(), overwrite=False)
    return result


def _run_composite(
    spec: CalcSpec,
    geometry_level: LevelOfTheory,
    resources: Resources,
    cache: Cache | None,
    stream: IO[str] | None,
) -> CalcResult:
    """Composite protocol ``B//A``: optimize at the geometry level A (``geometry_level``, which is
    ``spec.level.geometry``; itself possibly staged), then one single point at B at A's geometry.
    Both are ordinary cached calculations, so a finished optimization at A (from any run that used A,
    e.g. the first stage of a staged level) is reused and only the single point is computed. The
    result carries A's geometry, convergence and steps, B's energy, and is cached under the composite
    spec's own content hash."""
    key = spec.content_hash()
    if (cached := _cached_record(spec, cache)) is not None:
        return cached
    energy_level = spec.level.single_point_level()
    log.info(
        "%s: composite %s: geometry at '%s' (%s)",
        spec.label,
        spec.level.notation(),
        geometry_level.name,
        geometry_level.describe(),
    )
    opt = run_cached(
        dataclasses.replace(spec, level=geometry_level, label=f"{spec.label}@{geometry_level.name}"),
        resources,
        cache,
        stream,
    )
    log.info(
        "%s: composite %s: single point at '%s' (%s) at the '%s' geometry",
        spec.label,
        spec.level.notation(),
        energy_level.name,
        energy_level.describe(),
        geometry_level.name,
    )
    point = dataclasses.replace(
        opt.spec_at(energy_level, "energy"),
        label=f"{spec.label}@{energy_level.name}",
        # the single point's first SCF starts from A's last orbitals (projected), where they are here
        hessian_from=_final_stage_hash(opt),
    )
    sp = run_cached(point, resources, cache, stream)
    result = composite_result(spec, opt, sp)
    if cache is not None:
        cache.put(key, "record", result.to_dict(), overwrite=False)
    return result


def composite_result(spec: CalcSpec, opt: CalcResult, sp: CalcResult) -> CalcResult:
    """The record of composite spec ``spec`` (level ``B//A``) from its optimization at A (``opt``) and
    B's single point at that geometry (``sp``, from PySCF or a parsed Gaussian output): A's geometry,
    convergence, steps and gradient norms, B's energy, under the composite spec's content hash."""
    geometry_level = spec.level.geometry
    if geometry_level is None:
        raise ValueError(f"{spec.label}: composite_result needs a composite level, not '{spec.level.name}'")
    stages = list(opt.extra.get("stages") or [_stage_summary(opt)])
    stages.append({**_stage_summary(sp), "task": "energy"})
    log.info(
        "%s: composite %s: E=%.10f Ha (geometry level: %.10f Ha)",
        spec.label,
        spec.level.notation(),
        sp.energy_hartree,
        opt.energy_hartree,
    )
    return dataclasses.replace(
        opt,
        label=spec.label,
        spec_hash=spec.content_hash(),
        level=spec.level.to_dict(),
        energy_hartree=sp.energy_hartree,
        n_scf_cycles_last=sp.n_scf_cycles_last,
        n_basis_functions=sp.n_basis_functions,
        program=sp.program,
        program_version=sp.program_version,
        software={**opt.software, **sp.software},
        wall_time_s=round(opt.wall_time_s + sp.wall_time_s, 2),
        extra={
            **opt.extra,
            "stages": stages,
            "composite": {
                "notation": spec.level.notation(),
                "geometry_level": geometry_level.name,
                "geometry_spec_hash": opt.spec_hash,
                "geometry_energy_hartree": opt.energy_hartree,
                "geometry_wall_time_s": opt.wall_time_s,
                "single_point_level": sp.level["name"],
                "single_point_program": sp.program,
                "single_point_spec_hash": sp.spec_hash,
                "single_point_wall_time_s": sp.wall_time_s,
                # the gradient norms of the record are the geometry level's
                "gradient_level": geometry_level.name,
            },
            "initial_coordinates_angstrom": [list(r) for r in spec.coordinates_angstrom],
        },
    )


def _final_stage_hash(opt: CalcResult) -> str:
    """Content hash of the calculation that produced ``opt``'s geometry (its last stage when staged),
    whose SCF orbitals the cache may hold."""
    stages = opt.extra.get("stages") or []
    return str(stages[-1]["spec_hash"]) if stages else opt.spec_hash


def _stage_summary(s: CalcResult) -> dict[str, object]:
    """One entry of a record's ``extra.stages``: level, hash, energy, steps and wall time of a stage."""
    return {
        "level": s.level["name"],
        "spec_hash": s.spec_hash,
        "energy_hartree": s.energy_hartree,
        "n_opt_steps": s.n_opt_steps,
        "wall_time_s": s.wall_time_s,
        "n_basis_functions": s.n_basis_functions,
        "initial_hessian": s.extra.get("opt_initial_hessian", "model"),
    }
