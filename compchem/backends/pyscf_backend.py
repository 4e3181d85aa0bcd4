"""PySCF backend: SCF energy, gradient and geomeTRIC geometry optimization with checkpoints.

An optimization writes a checkpoint (current geometry and step history) into the cache after
every gradient, atomically, so a job killed at any moment resumes from its last geometry.
"""

from __future__ import annotations

import logging
import platform
import time
from typing import IO, Any

import numpy as np

from compchem.chem import check_charge_multiplicity
from compchem.errors import ConvergenceError, InputError
from compchem.models import CalcResult, CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache
from compchem.units import BOHR_TO_ANGSTROM, multiplicity_to_spin

log = logging.getLogger(__name__)


def check_basis(level: LevelOfTheory, elements: set[str] | list[str], label: str) -> None:
    """Raise an InputError when the level's basis has no functions for one of ``elements``."""
    from pyscf import gto

    for element in sorted(set(elements)):
        name = level.basis_for(element)
        try:
            shells = gto.basis.load(name, element)
        except Exception:  # PySCF raises KeyError, RuntimeError or BasisNotFoundError by version
            shells = None
        if not shells:
            raise InputError(
                f"{label}: basis '{name}' of level '{level.name}' has no functions for element {element}"
            )


def build_mole(
    spec: CalcSpec, stream: IO[str] | None = None, verbose: int = 4, max_memory_mb: int = 4000
) -> Any:
    """A PySCF ``Mole`` for ``spec`` (ghost atoms carry basis functions only)."""
    from pyscf import gto

    check_charge_multiplicity(
        [s for i, s in enumerate(spec.symbols) if i not in spec.ghost_atoms],
        spec.charge,
        spec.multiplicity,
        spec.label or "spec",
    )
    check_basis(spec.level, set(spec.symbols), spec.label or "spec")
    atoms = [
        (f"ghost-{s}" if i in spec.ghost_atoms else s, tuple(xyz))
        for i, (s, xyz) in enumerate(zip(spec.symbols, spec.coordinates_angstrom, strict=True))
    ]
    basis = {s: spec.level.basis_for(s) for s in set(spec.symbols)}
    for i in spec.ghost_atoms:
        basis[f"ghost-{spec.symbols[i]}"] = spec.level.basis_for(spec.symbols[i])
    mol = gto.Mole()
    mol.atom = atoms
    mol.unit = "Angstrom"
    mol.basis = basis
    mol.charge = spec.charge
    mol.spin = multiplicity_to_spin(spec.multiplicity)
    mol.verbose = verbose
    mol.max_memory = max_memory_mb
    if stream is not None:
        mol.stdout = stream
    mol.build(dump_input=False, parse_arg=False)
    return mol


def make_scf(mol: Any, level: LevelOfTheory) -> Any:
    """RKS for closed shells, UKS otherwise; density fitting and grid from the level."""
    from pyscf import dft

    mf = dft.RKS(mol) if mol.spin == 0 else dft.UKS(mol)
    mf.xc = level.functional
    mf.grids.level = level.grid_level
    mf.conv_tol = level.scf_conv_tol
    mf.max_cycle = level.scf_max_cycle
    if level.density_fitting:
        mf = mf.density_fit(auxbasis=level.auxbasis) if level.auxbasis else mf.density_fit()
    return mf


def gradient_norms(grad: np.ndarray) -> tuple[float, float]:
    """RMS and maximum of the per-atom gradient norms (geomeTRIC's convention), Hartree/Bohr."""
    per_atom = np.linalg.norm(np.asarray(grad).reshape(-1, 3), axis=1)
    return float(np.sqrt((per_atom**2).mean())), float(per_atom.max())


def _software() -> dict[str, str]:
    import geometric
    import pyscf

    from compchem import __version__

    return {
        "compchem": __version__,
        "pyscf": pyscf.__version__,
        "geometric": getattr(geometric, "__version__", "?"),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def run_pyscf(
    spec: CalcSpec, resources: Resources, cache: Cache | None = None, stream: IO[str] | None = None
) -> CalcResult:
    """Run one calculation and return its result (the caller writes the record).

    Raises
    ------
    InputError
        Charge/multiplicity do not match the electrons, or the basis lacks an element.
    ConvergenceError
        SCF or optimization not converged; an optimization's last geometry stays checkpointed.
    """
    from pyscf import lib

    lib.num_threads(max(1, resources.threads))
    if resources.scratch_dir:
        lib.param.TMPDIR = resources.scratch_dir
    key = spec.content_hash()
    t0 = time.perf_counter()
    history: list[dict[str, float]] = []
    coords = np.asarray(spec.coordinates_angstrom, dtype=float)
    checkpoint = cache.get(key, "checkpoint") if (cache and spec.task == "optimize") else None
    if checkpoint:
        coords = np.asarray(checkpoint["coordinates_angstrom"], dtype=float)
        history = list(checkpoint["history"])
        log.info(
            "%s: resuming optimization from checkpoint after %d steps (E=%.10f Ha)",
            spec.label,
            len(history),
            history[-1]["energy_hartree"] if history else float("nan"),
        )
    start_spec = CalcSpec(
        spec.symbols,
        tuple(map(tuple, coords)),
        spec.charge,
        spec.multiplicity,
        spec.level,
        spec.task,
        spec.ghost_atoms,
        spec.label,
        spec.fragments,
    )
    mol = build_mole(start_spec, stream, max_memory_mb=int(0.85 * resources.memory_mb))
    mf = make_scf(mol, spec.level)
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
    n_steps_before = len(history)
    grad = None
    converged = True
    if spec.task == "optimize" and mol.natm > 1:
        converged, coords, energy, grad = _optimize(mf, spec, key, cache, history, t0)
    else:
        energy = float(mf.kernel())
        if not mf.converged:
            raise ConvergenceError(f"{spec.label}: SCF did not converge in {mf.max_cycle} cycles")
        if spec.task in ("gradient", "optimize") and mol.natm > 1:
            grad = np.asarray(mf.nuc_grad_method().kernel())
    wall = time.perf_counter() - t0
    grms, gmax = gradient_norms(grad) if grad is not None else (None, None)
    log.info(
        "%s: done, E=%.10f Ha, %d optimization steps (%d this run), %.1f s",
        spec.label,
        energy,
        len(history),
        len(history) - n_steps_before,
        wall,
    )
    result = CalcResult(
        label=spec.label,
        task=spec.task,
        program="pyscf",
        program_version=_software()["pyscf"],
        spec_hash=key,
        level=spec.level.to_dict(),
        charge=spec.charge,
        multiplicity=spec.multiplicity,
        symbols=list(spec.symbols),
        coordinates_angstrom=np.asarray(coords).round(8).tolist(),
        energy_hartree=energy,
        converged=bool(converged),
        n_opt_steps=len(history),
        n_scf_cycles_last=int(getattr(mf, "cycles", 0) or 0),
        gradient_rms_hartree_per_bohr=grms,
        gradient_max_hartree_per_bohr=gmax,
        n_basis_functions=int(mol.nao_nr()),
        wall_time_s=round(wall + (checkpoint or {}).get("wall_time_s", 0.0), 2),
        threads=resources.threads,
        fragments=[{"name": n, "atom_indices": list(ix)} for n, ix in spec.fragments],
        history=history,
        software=_software(),
        extra={
            "initial_coordinates_angstrom": [list(r) for r in spec.coordinates_angstrom],
            "resumed_from_step": n_steps_before,
            "hostname": platform.node(),
        },
    )
    if not converged:
        raise ConvergenceError(
            f"{spec.label}: geometry optimization did not converge in {spec.level.opt_maxsteps} "
            f"steps this run ({len(history)} in all); the last geometry is checkpointed"
            + (f" at {cache.path(key, 'checkpoint')}" if cache else "")
            + ": rerun to continue, or raise opt_maxsteps"
        )
    return result


def _optimize(
    mf: Any, spec: CalcSpec, key: str, cache: Cache | None, history: list[dict[str, float]], t0: float
) -> tuple[bool, np.ndarray, float, Any]:
    """geomeTRIC optimization through PySCF, checkpointing after every gradient."""
    from pyscf.geomopt import geometric_solver

    level = spec.level
    state: dict[str, Any] = {"t": time.perf_counter()}
    wall_before = (cache.get(key, "checkpoint") or {}).get("wall_time_s", 0.0) if cache else 0.0

    def callback(env: dict[str, Any]) -> None:
        grad = np.asarray(env["gradients"])
        now = time.perf_counter()
        grms, gmax = gradient_norms(grad)
        step = {
            "energy_hartree": float(env["energy"]),
            "gradient_rms_hartree_per_bohr": grms,
            "gradient_max_hartree_per_bohr": gmax,
            "step_time_s": round(now - state["t"], 2),
        }
        state["t"] = now
        history.append(step)
        coords = np.asarray(env["mol"].atom_coords(unit="Bohr")) * BOHR_TO_ANGSTROM
        state["coords"], state["grad"], state["energy"] = coords, grad, step["energy_hartree"]
        log.info(
            "%s: opt step %d  E=%.10f Ha  dE=%+.2e Ha  grad rms=%.2e max=%.2e Ha/bohr  %.1f s",
            spec.label,
            len(history),
            step["energy_hartree"],
            step["energy_hartree"]
            - (history[-2]["energy_hartree"] if len(history) > 1 else step["energy_hartree"]),
            step["gradient_rms_hartree_per_bohr"],
            step["gradient_max_hartree_per_bohr"],
            step["step_time_s"],
        )
        if cache is not None:
            cache.put(
                key,
                "checkpoint",
                {
                    "label": spec.label,
                    "symbols": list(spec.symbols),
                    "coordinates_angstrom": coords.round(8).tolist(),
                    "history": history,
                    "wall_time_s": round(wall_before + now - t0, 2),
                },
            )

    conv_params = {
        "convergence_energy": level.opt_convergence_energy_hartree,
        "convergence_grms": level.opt_convergence_grms_hartree_per_bohr,
        "convergence_gmax": level.opt_convergence_gmax_hartree_per_bohr,
        "convergence_drms": level.opt_convergence_drms_angstrom,
        "convergence_dmax": level.opt_convergence_dmax_angstrom,
    }
    try:
        converged, mol_eq = geometric_solver.kernel(
            mf, callback=callback, maxsteps=level.opt_maxsteps, assert_convergence=True, **conv_params
        )
    except RuntimeError as exc:
        if "not converged" in str(exc):
            raise ConvergenceError(
                f"{spec.label}: SCF did not converge during the optimization (step {len(history) + 1}): {exc}"
            ) from exc
        raise
    final = np.asarray(mol_eq.atom_coords(unit="Bohr")) * BOHR_TO_ANGSTROM
    if "coords" in state and np.abs(final - state["coords"]).max() < 1e-7:
        energy, grad = state["energy"], state["grad"]
    else:  # geomeTRIC returned a geometry it did not evaluate: one more SCF + gradient there
        g_scanner = mf.nuc_grad_method().as_scanner()
        energy, grad = g_scanner(mol_eq)
        energy = float(energy)
    return bool(converged), final, float(energy), grad
