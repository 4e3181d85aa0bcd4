"""The thermochemistry job: frequencies of one optimized species (re-optimized at the frequencies
level first when that is another level, displaced along imaginary modes while tries remain), then
ZPE, H(T) and G(T). Which level, geometry and energy are used is decided in ``compchem.vibrations``;
this module runs the calculations it asks for, logs, and writes the thermo file."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import IO, Any

from compchem.errors import InputError
from compchem.jobs.common import log
from compchem.logs import job_log
from compchem.models import CalcResult, CalcSpec, Resources, coordinate_rows
from compchem.records import Cache, write_json_atomic
from compchem.vibrations import (
    FrequencyPlan,
    atom_minimum,
    check_reoptimized,
    electronic_energy,
    frequency_plan,
    geometry_shift,
    max_imaginary_tries,
    temperature_scan,
    thermo_at,
    thermo_document,
)

#: The ``thermo`` settings a thermo job uses (the frequencies level is passed on its own): switching
#: counterpoise or implicit-solvent single points on or off reruns no frequency job.
THERMO_JOB_SETTINGS = (
    "temperature_k",
    "pressure_atm",
    "qrrho",
    "standard_state",
    "max_imaginary_tries",
    "frequencies_geometry",
    "temperature_scan_k",
)


def thermo_job(
    record_path: str,
    level: dict[str, Any],
    settings: dict[str, Any],
    out_path: str,
    threads: int = 1,
    memory_mb: int = 4000,
    cache_dir: str | None = None,
    log_path: str | None = None,
    frequencies_level: dict[str, Any] | None = None,
) -> None:
    """Frequencies of one optimized species (displacing and re-optimizing along imaginary modes,
    at most ``settings['max_imaginary_tries']`` times), then ZPE, H(T) and G(T).

    With ``frequencies_level`` (a level dict, config ``thermo.frequencies_level``; ``backend: xtb`` for
    GFN-xTB through tblite) the species is first re-optimized at that level from its ``level`` geometry,
    its frequencies are computed there, and the thermal corrections are added to the record's electronic
    energy at ``level``: the composite E(level) + corrections(frequencies_level) scheme. Without it,
    everything is at ``level``; at a composite level ``B//A`` the frequencies are A's. With
    ``settings['frequencies_geometry'] == 'run_level'`` the composite
    scheme skips the re-optimization: the Hessian at the frequencies level is taken at the ``level``
    geometry as it is (no displacement loop either), which keeps the run level's coordination; imaginary
    modes there are reported and left out of the sums.
    """
    from compchem.records import read_record

    record = read_record(record_path)
    if record.extra.get("held_distances"):
        raise InputError(
            f"{record.label}: its optimization held distances (a constrained minimum), so harmonic "
            "frequencies and thermal terms do not describe a minimum; the workflow leaves it out "
            "(Plan.thermo_species)"
        )
    plan = frequency_plan(level, settings, frequencies_level)
    resources = Resources(threads=threads, memory_mb=memory_mb)
    cache = Cache(cache_dir) if cache_dir else None
    spec = record.spec_at(plan.spec_level.without_preopt(), "optimize")
    with job_log(log_path) as stream:
        optimize = _optimizer(plan, resources, cache, stream)
        spec = _frequencies_spec(record, plan, spec, optimize)
        if len(record.symbols) == 1:
            history: list[dict[str, Any]] = []
            minimum = atom_minimum(record)
        else:
            minimum, history = _ensure_minimum(spec, plan, settings, resources, optimize, cache, stream)
        moved = geometry_shift(record, plan, minimum)
        if moved is not None:
            _log_geometry_shift(record, plan, moved)
        electronic_hartree = electronic_energy(plan, record, minimum)
        thermo = thermo_at(record, minimum, electronic_hartree, settings, settings["temperature_k"])
        scan = temperature_scan(record, minimum, electronic_hartree, settings)
        log.info(
            "%s: minimum=%s, ZPE=%.6f Ha, H corr=%.6f Ha, G corr=%.6f Ha at %.2f K",
            record.label,
            minimum["is_minimum"],
            thermo.zpe_hartree,
            thermo.thermal_correction_enthalpy_hartree,
            thermo.thermal_correction_gibbs_hartree,
            thermo.temperature_k,
        )
    write_json_atomic(
        out_path,
        thermo_document(
            record, plan, settings, minimum, history, moved, electronic_hartree, thermo, scan
        ).to_dict(),
    )


def _xtb_calls(method: str | None) -> dict[str, Any]:
    """The frequency and single-point calls of ``ensure_minimum`` at GFN-xTB (none: its DFT defaults)."""
    if method is None:
        return {}
    from compchem.backends.registry import get_backend

    xtb = get_backend("xtb")
    return {
        "frequencies": lambda s: xtb.frequencies(s, method),
        "single_point": lambda s: xtb.energy(s, method),
    }


def _optimizer(
    plan: FrequencyPlan, resources: Resources, cache: Cache | None, stream: IO[str]
) -> Callable[[CalcSpec], CalcResult]:
    """How a structure is optimized at the frequencies level: tblite's optimizer at GFN-xTB, else the
    cached DFT runner."""

    def optimize(s: CalcSpec) -> CalcResult:
        if plan.xtb_method is not None:
            from compchem.backends.registry import get_backend

            return get_backend("xtb").optimize(s, plan.name)
        from compchem.runner import run_cached

        return run_cached(s, resources, cache, stream)

    return optimize


def _frequencies_spec(
    record: CalcResult, plan: FrequencyPlan, spec: CalcSpec, optimize: Callable[[CalcSpec], CalcResult]
) -> CalcSpec:
    """The structure whose frequencies are computed: the record's, or (composite, re-optimized) its
    relaxation at the frequencies level."""
    if plan.at_run_geometry and len(record.symbols) > 1:
        log.info(
            "%s: %s Hessian at the %s geometry, not re-optimized (not a stationary point there)",
            record.label,
            plan.name,
            plan.level.name,
        )
    elif plan.reoptimizes(len(record.symbols)):
        # the record is a stationary point at `level`, not at the frequencies level: relax it there
        log.info("%s: re-optimizing at %s for its frequencies", record.label, plan.name)
        relaxed = optimize(spec)
        check_reoptimized(relaxed, record.label, plan)
        spec = dataclasses.replace(spec, coordinates_angstrom=coordinate_rows(relaxed.coordinates_angstrom))
    return spec


def _ensure_minimum(
    spec: CalcSpec,
    plan: FrequencyPlan,
    settings: dict[str, Any],
    resources: Resources,
    optimize: Callable[[CalcSpec], CalcResult],
    cache: Cache | None,
    stream: IO[str],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Frequencies of a molecule, displaced along imaginary modes while the plan allows."""
    from compchem.backends.minimum import ensure_minimum

    return ensure_minimum(
        spec,
        resources,
        optimize,
        max_tries=max_imaginary_tries(plan, settings),
        cache=cache,
        stream=stream,
        **_xtb_calls(plan.xtb_method),
    )


def _log_geometry_shift(record: CalcResult, plan: FrequencyPlan, moved: dict[str, Any]) -> None:
    log.info(
        "%s: minimum at %s lies %.3f Å (RMSD) from the %s geometry",
        record.label,
        plan.name,
        moved["rmsd_angstrom"],
        plan.level.name,
    )
    if moved["coordination_kept"] is False:
        log.warning(
            "%s: at %s the ion's donors changed (%d -> %d, RMSD %.3f Å): its thermal "
            "corrections belong to another minimum than the %s one",
            record.label,
            plan.name,
            moved["coordination_number_before"],
            moved["coordination_number_after"],
            moved["rmsd_angstrom"],
            plan.level.name,
        )
