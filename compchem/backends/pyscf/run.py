"""``run_pyscf``: one PySCF calculation of a CalcSpec (energy, gradient or optimization) from start to
record. It walks the SCF fallback ladder (an optimization whose SCF fails at some step resumes from its
last good geometry with the next rung), resumes an optimization from its checkpoint, gives an
optimization on a coarse grid its final single point at the level's own grid, and assembles the
CalcResult; the pieces it drives live in ``scf`` (SCF set-up) and ``optimize`` (geomeTRIC).
"""

from __future__ import annotations

import dataclasses
import logging
import platform
import time
from typing import IO, Any

import numpy as np

from compchem.backends.pyscf.optimize import _optimize, _Track
from compchem.backends.pyscf.scf import (
    SCF_LADDER,
    _carry_scf_guess,
    _scf,
    _SCFNotConverged,
    _software,
    build_mole,
    make_scf,
    use_threads,
)
from compchem.chem import gradient_norms
from compchem.errors import ConvergenceError
from compchem.held import held_report, projected_gradient
from compchem.models import CalcResult, CalcSpec, LevelOfTheory, Resources, fragment_records
from compchem.records import Cache

#: the logger of the module this code came from, so that log lines stay the same
log = logging.getLogger("compchem.backends.pyscf_backend")


@dataclasses.dataclass
class _Outcome:
    """What the SCF ladder ended with: the calculation's convergence, energy and gradient, the SCF
    object and molecule that gave them, every attempt, and where the first SCF's orbitals came from."""

    converged: bool
    energy: float
    grad: Any
    mf: Any
    mol: Any
    attempts: list[dict[str, Any]]
    scf_guess: str


def run_pyscf(
    spec: CalcSpec, resources: Resources, cache: Cache | None = None, stream: IO[str] | None = None
) -> CalcResult:
    """Run one calculation and return its result (the caller writes the record).

    An SCF that does not converge is retried along ``SCF_LADDER``; an optimization whose SCF fails
    at some step resumes from its last good geometry with the next rung.

    Raises
    ------
    InputError
        Charge/multiplicity do not match the electrons, or the basis lacks an element.
    ConvergenceError
        SCF not converged on any rung, or optimization not converged within ``opt_maxsteps``; an
        optimization's last geometry stays checkpointed.
    """
    from pyscf import lib

    use_threads(resources.threads)
    if resources.scratch_dir:
        lib.param.TMPDIR = resources.scratch_dir
    key = spec.content_hash()
    t0 = time.perf_counter()
    optimizing = spec.task == "optimize" and len(spec.symbols) > 1
    found = cache.find(spec.reusable_keys(), "checkpoint") if (cache and optimizing) else None
    checkpoint = found[1] if found else None
    track = _Track(spec, key, cache, t0, checkpoint)
    if checkpoint:
        log.info(
            "%s: resuming optimization from checkpoint after %d steps (E=%.10f Ha)",
            spec.label,
            len(track.history),
            track.history[-1]["energy_hartree"] if track.history else float("nan"),
        )
    n_steps_before = len(track.history)
    step_level, coarse = spec.level, False
    opt_grid = spec.level.opt_grid_level
    if optimizing and opt_grid is not None and opt_grid != spec.level.grid_level:
        step_level, coarse = dataclasses.replace(spec.level, grid_level=opt_grid), True
    out = _scf_ladder(spec, resources, cache, stream, track, step_level, found[0] if found else None)
    final_sp: dict[str, Any] = {}
    if coarse and out.converged:
        final_sp = _fine_grid_single_point(spec, resources, cache, stream, key, track, out)
    wall = time.perf_counter() - t0
    history = track.history
    log.info(
        "%s: done, E=%.10f Ha, %d optimization steps (%d this run), %.1f s",
        spec.label,
        out.energy,
        len(history),
        len(history) - n_steps_before,
        wall,
    )
    result = _calc_result(spec, key, resources, track, out, final_sp, n_steps_before, wall, checkpoint)
    if out.converged and cache is not None and track.final_hessian is not None:
        # for a later stage that starts here (opt_initial_hessian: preopt); rounded: it is only a guess
        cache.put(
            key,
            "opt_hessian",
            {"hessian_cartesian_hartree_per_bohr2": track.final_hessian.round(7).tolist()},
        )
    if not out.converged:
        raise ConvergenceError(
            f"{spec.label}: geometry optimization did not converge in {spec.level.opt_maxsteps} "
            f"steps this run ({len(history)} in all); the last geometry is checkpointed"
            + (f" at {cache.path(key, 'checkpoint')}" if cache else "")
            + ": rerun to continue, or raise opt_maxsteps"
        )
    return result


def _scf_ladder(
    spec: CalcSpec,
    resources: Resources,
    cache: Cache | None,
    stream: IO[str] | None,
    track: _Track,
    step_level: LevelOfTheory,
    resumed_key: str | None,
) -> _Outcome:
    """The calculation itself, on each rung of ``SCF_LADDER`` in turn until its SCFs converge: an
    optimization goes on from ``track``'s last geometry, a single point starts over."""
    key = spec.content_hash()
    optimizing = spec.task == "optimize" and len(spec.symbols) > 1
    attempts: list[dict[str, Any]] = []
    scf_guess = "PySCF default"
    for rung, (name, settings) in enumerate(SCF_LADDER):
        start = dataclasses.replace(spec, coordinates_angstrom=tuple(map(tuple, track.coords)))
        mol = build_mole(start, stream, max_memory_mb=int(0.85 * resources.memory_mb))
        mf = make_scf(mol, step_level, settings)
        # an optimization keeps its orbitals; a single point does when it may start from those of a
        # finished optimization (a composite level's single point at its geometry level's minimum)
        if (optimizing or spec.hessian_from) and cache is not None:
            cache.scf_chk_path(key).parent.mkdir(parents=True, exist_ok=True)
            mf.chkfile = str(cache.scf_chk_path(key))
            if rung == 0:  # a retry starts afresh: the file then holds the orbitals of the failed SCF
                scf_guess = _carry_scf_guess(mf, spec, cache, resumed_key)
        if rung == 0:
            _log_start(spec, mol, resources)
        else:
            log.warning("%s: SCF attempt %d/%d: %s", spec.label, rung + 1, len(SCF_LADDER), name)
        try:
            if optimizing:
                converged, energy, grad = _optimize(mf, spec, track)
            else:
                converged, energy, grad = True, _scf(mf, spec), None
                if spec.task == "gradient" and mol.natm > 1:
                    grad = np.asarray(mf.nuc_grad_method().kernel())
        except _SCFNotConverged as exc:
            attempts.append({"attempt": name, "converged": False, "message": str(exc)})
            log.warning("%s: %s", spec.label, exc)
            continue
        attempts.append({"attempt": name, "converged": True})
        return _Outcome(converged, energy, grad, mf, mol, attempts, scf_guess)
    raise ConvergenceError(
        f"{spec.label}: SCF did not converge on any of {len(SCF_LADDER)} attempts "
        f"({'; '.join(a['attempt'] for a in attempts)})"
        + ("; the last good geometry is checkpointed" if optimizing and cache else "")
    )


def _log_start(spec: CalcSpec, mol: Any, resources: Resources) -> None:
    """The calculation's first log line: task, level, size, charge, multiplicity and threads."""
    log.info(
        "%s: %s %s, %d atoms, %d basis functions, charge %+d, multiplicity %d, %d threads",
        spec.label,
        spec.task,
        spec.level.describe(),
        mol.natm,
        mol.nao_nr(),
        spec.charge,
        spec.multiplicity,
        resources.threads,
    )


def _fine_grid_single_point(
    spec: CalcSpec,
    resources: Resources,
    cache: Cache | None,
    stream: IO[str] | None,
    key: str,
    track: _Track,
    out: _Outcome,
) -> dict[str, Any]:
    """An optimization run on ``opt_grid_level``: replace ``out``'s energy, SCF object and molecule by
    those of a single point at the level's own grid on the converged geometry, and return the record
    fields that say so."""
    energy_steps = out.energy
    t_sp = time.perf_counter()
    out.energy, out.mf, out.mol = _final_single_point(
        spec, track.coords, resources, stream, out.attempts, cache, key
    )
    final_sp = {
        "opt_grid_level": spec.level.opt_grid_level,
        "energy_at_opt_grid_hartree": energy_steps,
        "final_single_point_s": round(time.perf_counter() - t_sp, 2),
    }
    log.info(
        "%s: single point at grid level %d on the converged geometry: E=%.10f Ha (%+.2e Ha from "
        "grid level %d), %.1f s",
        spec.label,
        spec.level.grid_level,
        out.energy,
        out.energy - energy_steps,
        spec.level.opt_grid_level,
        final_sp["final_single_point_s"],
    )
    return final_sp


def _calc_result(
    spec: CalcSpec,
    key: str,
    resources: Resources,
    track: _Track,
    out: _Outcome,
    final_sp: dict[str, Any],
    n_steps_before: int,
    wall: float,
    checkpoint: dict[str, Any] | None,
) -> CalcResult:
    """The record of the calculation (the keys and their order are those of every PySCF record)."""
    grms, gmax = (
        gradient_norms(projected_gradient(out.grad, track.coords, spec.optimization_held_distances))
        if out.grad is not None
        else (None, None)
    )
    history = track.history
    return CalcResult(
        label=spec.label,
        task=spec.task,
        program="pyscf",
        program_version=_software()["pyscf"],
        spec_hash=key,
        level=spec.level.to_dict(),
        charge=spec.charge,
        multiplicity=spec.multiplicity,
        symbols=list(spec.symbols),
        coordinates_angstrom=np.asarray(track.coords).round(8).tolist(),
        energy_hartree=out.energy,
        converged=bool(out.converged),
        n_opt_steps=len(history),
        n_scf_cycles_last=int(getattr(out.mf, "cycles", 0) or 0),
        gradient_rms_hartree_per_bohr=grms,
        gradient_max_hartree_per_bohr=gmax,
        n_basis_functions=int(out.mol.nao_nr()),
        wall_time_s=round(wall + (checkpoint or {}).get("wall_time_s", 0.0), 2),
        threads=resources.threads,
        fragments=fragment_records(spec.fragments),
        history=history,
        software=_software(),
        extra={
            "initial_coordinates_angstrom": [list(r) for r in spec.coordinates_angstrom],
            "resumed_from_step": n_steps_before,
            "scf_attempts": out.attempts,
            "scf_initial_guess": out.scf_guess,
            **final_sp,
            "hostname": platform.node(),
            **({"opt_initial_hessian": track.initial_hessian} if track.initial_hessian else {}),
            **(
                {"held_distances": held_report(spec.optimization_held_distances, track.coords)}
                if spec.optimization_held_distances
                else {}
            ),
        },
    )


def _final_single_point(
    spec: CalcSpec,
    coords: Any,
    resources: Resources,
    stream: IO[str] | None,
    attempts: list[dict[str, Any]],
    cache: Cache | None,
    key: str,
) -> tuple[float, Any, Any]:
    """Energy at the level's own grid on the geometry an optimization on ``opt_grid_level``
    converged to (energy, SCF object, molecule). The SCF starts from the optimization's last orbitals
    (its SCF checkpoint, same basis) and goes down ``SCF_LADDER`` if it does not converge; every
    attempt is added to ``attempts``."""
    at = dataclasses.replace(spec, coordinates_angstrom=tuple(map(tuple, coords)))
    chk = cache.scf_chk_path(key) if cache is not None else None
    for name, settings in SCF_LADDER:
        mol = build_mole(at, stream, max_memory_mb=int(0.85 * resources.memory_mb))
        mf = make_scf(mol, spec.level, settings)
        if chk is not None and chk.exists() and "init_guess" not in settings:
            mf.chkfile, mf.init_guess = str(chk), "chkfile"
        try:
            energy = _scf(mf, at)
        except _SCFNotConverged as exc:
            attempts.append(
                {"attempt": f"final single point: {name}", "converged": False, "message": str(exc)}
            )
            log.warning("%s: final single point: %s", spec.label, exc)
            continue
        attempts.append({"attempt": f"final single point: {name}", "converged": True})
        return energy, mf, mol
    raise ConvergenceError(
        f"{spec.label}: the single point at grid level {spec.level.grid_level} on the converged geometry "
        f"did not converge on any of {len(SCF_LADDER)} attempts"
        + (f"; the optimization is checkpointed at {cache.path(key, 'checkpoint')}" if cache else "")
    )
