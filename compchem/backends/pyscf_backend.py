"""PySCF backend: SCF energy, gradient and geomeTRIC geometry optimization with checkpoints.

An optimization writes a checkpoint (current geometry and step history) into the cache after
every gradient, atomically, so a job killed at any moment resumes from its last geometry.
"""

from __future__ import annotations

import dataclasses
import logging
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

import numpy as np

from compchem.chem import check_charge_multiplicity, gradient_norms
from compchem.errors import ConvergenceError, InputError
from compchem.models import CalcResult, CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache
from compchem.units import ANGSTROM_TO_BOHR, BOHR_TO_ANGSTROM, multiplicity_to_spin

log = logging.getLogger(__name__)


def use_threads(threads: int) -> None:
    """Run this process's DFT on ``threads`` cores: PySCF's OpenMP threads, and the BLAS thread pools of
    numpy and scipy (their OpenBLAS runs its own pthreads, one per core of the machine, whatever OpenMP
    is told; threadpoolctl sets them at run time). Snakemake already exports OMP_NUM_THREADS,
    OPENBLAS_NUM_THREADS and the like for each job; this covers the CLI and scripts, and a job whose
    libraries were loaded before."""
    from pyscf import lib
    from threadpoolctl import threadpool_limits

    lib.num_threads(max(1, threads))
    threadpool_limits(limits=max(1, threads), user_api="blas")


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
            unknown = unknown_basis_hint(name)
            if unknown:
                raise InputError(f"{label}: level '{level.name}': {unknown}")
            raise InputError(
                f"{label}: basis '{name}' of level '{level.name}' has no functions for element {element}"
            )


#: Pople names with polarization functions, which PySCF builds from their base set rather than
#: listing them by name: offered as suggestions next to the names it lists
POPLE_POLARIZED = tuple(
    f"{base}({pol})"
    for base in ("6-31G", "6-31+G", "6-31++G", "6-311G", "6-311+G", "6-311++G")
    for pol in ("d", "d,p", "2d,p", "2d,2p", "2df,2pd", "3df,3pd")
)


def unknown_basis_hint(name: str) -> str | None:
    """A message for a basis name PySCF does not know (no functions for one of H, C, O, which every
    basis set of this field covers), with the closest names it knows; None when the name is known (an
    element may still be missing from it)."""
    import difflib

    from pyscf import gto
    from pyscf.gto import basis as pyscf_basis

    try:  # PySCF raises KeyError, RuntimeError, FileNotFoundError by version
        if all(gto.basis.load(name, element) for element in ("H", "C", "O")):
            return None
    except Exception:
        pass
    fmt = pyscf_basis._format_basis_name
    names = {fmt(n): n for n in pyscf_basis.ALIAS} | {fmt(n): n for n in POPLE_POLARIZED}
    close = difflib.get_close_matches(fmt(name), list(names), n=4, cutoff=0.6)
    hint = f"; closest names PySCF knows: {[names[c] for c in close]}" if close else ""
    return f"unknown basis name '{name}'{hint}"


def check_level(level: LevelOfTheory, elements: set[str] | list[str], label: str) -> None:
    """Raise an InputError when PySCF cannot run ``level`` for ``elements``: a basis without one of
    them (or a basis name it does not know) or a functional it does not know."""
    check_basis(level, elements, label)
    check_functional(level, label)


def check_functional(level: LevelOfTheory, label: str) -> None:
    """Raise an InputError when PySCF (LibXC/XCFun) does not know the level's functional."""
    from pyscf.dft import libxc

    if level.functional.lower() in ("hf", "rhf", "uhf"):
        return
    try:
        libxc.parse_xc(level.functional)
    except (KeyError, ValueError) as exc:
        raise InputError(
            f"{label}: PySCF does not know the functional '{level.functional}' ({exc}); use a LibXC "
            "name such as b3lyp, pbe0, wb97x-d, m062x or hf"
        ) from None


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
    # PySCF's default output stream is the sys.stdout of the moment pyscf was imported, which may be
    # a stream closed since (a test's captured output): take the current one
    mol.stdout = stream if stream is not None else sys.stdout
    mol.build(dump_input=False, parse_arg=False)
    return mol


def dispersion_energy(spec: CalcSpec) -> float:
    """The empirical dispersion energy (Hartree) of ``spec`` at its level's ``dispersion`` setting
    (D3/D4 via pyscf-dispersion; depends on the nuclei only, no SCF). 0 for a level without one.
    Ghost atoms are refused: they have no nuclei, and D3/D4 must not see them."""
    if not spec.level.dispersion:
        return 0.0
    if spec.ghost_atoms:
        raise InputError(f"{spec.label}: dispersion energy of a structure with ghost atoms")
    from pyscf.scf.dispersion import get_dispersion

    mf = make_scf(build_mole(spec, verbose=0), spec.level)
    return float(get_dispersion(mf))


#: SCF fallback ladder, tried in order until one converges. Each entry changes only how the SCF
#: iterates (cycles, level shift, damping, second-order solver, initial guess), never the converged
#: energy, so it is not part of the content hash. Every attempt is logged and recorded.
SCF_LADDER: tuple[tuple[str, dict[str, Any]], ...] = (
    ("as configured", {}),
    ("more cycles + level shift 0.25 Ha", {"min_cycle": 200, "level_shift": 0.25}),
    (
        "damping 0.5 + level shift 0.5 Ha",
        {"min_cycle": 300, "damp": 0.5, "level_shift": 0.5, "diis_start_cycle": 8},
    ),
    ("second-order (Newton) SCF", {"min_cycle": 100, "newton": True}),
    ("atomic-density guess + Newton SCF", {"min_cycle": 100, "newton": True, "init_guess": "atom"}),
)


class _SCFNotConverged(RuntimeError):
    """Internal: one SCF attempt failed (the ladder tries the next one)."""


def make_scf(mol: Any, level: LevelOfTheory, attempt: dict[str, Any] | None = None) -> Any:
    """RKS for closed shells, UKS otherwise; density fitting and grid from the level; ``attempt``
    applies one rung of ``SCF_LADDER``."""
    from pyscf import dft

    attempt = attempt or {}

    mf = dft.RKS(mol) if mol.spin == 0 else dft.UKS(mol)
    mf.xc = level.functional
    mf.grids.level = level.grid_level
    mf.conv_tol = level.scf_conv_tol
    mf.max_cycle = level.scf_max_cycle
    if level.density_fitting:
        mf = mf.density_fit(auxbasis=level.auxbasis) if level.auxbasis else mf.density_fit()
    if level.solvent_model:  # implicit solvent: IEF-PCM or ddCOSMO with the medium's dielectric constant
        mf = mf.PCM() if level.solvent_model == "pcm" else mf.ddCOSMO()
        mf.with_solvent.eps = level.solvent_eps
        if level.solvent_radii_angstrom:
            mf.with_solvent.radii_table = cavity_radii_table_bohr(mf.with_solvent, level)
    if level.dispersion:  # D3/D4 through pyscf-dispersion; enters energies and gradients
        mf.disp = level.dispersion
    mf.max_cycle = max(level.scf_max_cycle, attempt.get("min_cycle", 0))
    for key in ("level_shift", "damp", "diis_start_cycle", "init_guess"):
        if key in attempt:
            setattr(mf, key, attempt[key])
    if attempt.get("newton"):
        mf = mf.newton()
    return mf


def cavity_radii_table_bohr(with_solvent: Any, level: LevelOfTheory) -> np.ndarray:
    """Cavity sphere radius per atomic number (Bohr) of a PySCF solvent object: its own table
    (ddCOSMO: 1.1 x UFF radii) or PCM's default (1.2 x modified Bondi radii + probe radius), with the
    level's ``solvent_radii_angstrom`` in place of those elements'."""
    from ase.data import atomic_numbers
    from pyscf.solvent.pcm import modified_Bondi

    if with_solvent.radii_table is not None:
        table = np.array(with_solvent.radii_table, dtype=float)
    else:
        table = with_solvent.vdw_scale * np.asarray(modified_Bondi) + with_solvent.r_probe * ANGSTROM_TO_BOHR
    for element, radius in level.solvent_radii_angstrom or ():
        table[atomic_numbers[element]] = radius * ANGSTROM_TO_BOHR
    return table


def cavity_radii_angstrom(spec: CalcSpec) -> dict[str, float]:
    """{element: cavity sphere radius in Angstrom} that the implicit-solvent model of ``spec``'s level
    uses for its elements (defaults and overrides alike; no SCF). Empty for a gas-phase level."""
    if not spec.level.solvent_model:
        return {}
    from ase.data import atomic_numbers

    mf = make_scf(build_mole(spec, verbose=0), spec.level)
    table = cavity_radii_table_bohr(mf.with_solvent, spec.level)
    return {
        el: round(float(table[atomic_numbers[el]]) * BOHR_TO_ANGSTROM, 4) for el in sorted(set(spec.symbols))
    }


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
    attempts: list[dict[str, Any]] = []
    scf_guess = "PySCF default"
    coarse = optimizing and spec.level.opt_grid_level not in (None, spec.level.grid_level)
    step_level = (
        dataclasses.replace(spec.level, grid_level=spec.level.opt_grid_level) if coarse else spec.level
    )
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
                scf_guess = _carry_scf_guess(mf, spec, cache, found[0] if found else None)
        if rung == 0:
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
        break
    else:
        raise ConvergenceError(
            f"{spec.label}: SCF did not converge on any of {len(SCF_LADDER)} attempts "
            f"({'; '.join(a['attempt'] for a in attempts)})"
            + ("; the last good geometry is checkpointed" if optimizing and cache else "")
        )
    final_sp: dict[str, Any] = {}
    if coarse and converged:
        energy_steps = energy
        t_sp = time.perf_counter()
        energy, mf, mol = _final_single_point(spec, track.coords, resources, stream, attempts, cache, key)
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
            energy,
            energy - energy_steps,
            spec.level.opt_grid_level,
            final_sp["final_single_point_s"],
        )
    wall = time.perf_counter() - t0
    grms, gmax = gradient_norms(grad) if grad is not None else (None, None)
    history = track.history
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
        coordinates_angstrom=np.asarray(track.coords).round(8).tolist(),
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
            "scf_attempts": attempts,
            "scf_initial_guess": scf_guess,
            **final_sp,
            "hostname": platform.node(),
            **({"opt_initial_hessian": track.initial_hessian} if track.initial_hessian else {}),
        },
    )
    if converged and cache is not None and track.final_hessian is not None:
        # for a later stage that starts here (opt_initial_hessian: preopt); rounded: it is only a guess
        cache.put(
            key,
            "opt_hessian",
            {"hessian_cartesian_hartree_per_bohr2": track.final_hessian.round(7).tolist()},
        )
    if not converged:
        raise ConvergenceError(
            f"{spec.label}: geometry optimization did not converge in {spec.level.opt_maxsteps} "
            f"steps this run ({len(history)} in all); the last geometry is checkpointed"
            + (f" at {cache.path(key, 'checkpoint')}" if cache else "")
            + ": rerun to continue, or raise opt_maxsteps"
        )
    return result


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


def _carry_scf_guess(mf: Any, spec: CalcSpec, cache: Cache, resumed_key: str | None) -> str:
    """Let the first SCF of an optimization start from the orbitals of an earlier run instead of
    PySCF's default (minao) guess, and say which: this optimization's own SCF checkpoint (a run
    killed before), that of the run whose checkpoint it resumes (the same optimization under another
    variant of the level), or stage 1's (``spec.hessian_from``), projected onto this level's basis by
    PySCF (``init_guess_by_chkfile``). A candidate is taken only if it holds the same atoms, charge
    and spin and can be read; it is copied to this run's own file, which PySCF then keeps rewriting.
    Saves a few of the ~10 cycles of a first SCF (one to two minutes on a 41-atom paper cluster)."""
    from pyscf import gto
    from pyscf.scf import chkfile

    own = cache.scf_chk_path(spec.content_hash())
    candidates = [(own, "SCF checkpoint of the interrupted run")]
    if resumed_key:
        candidates.append((cache.scf_chk_path(resumed_key), f"SCF checkpoint of run {resumed_key[:12]}"))
    if spec.hessian_from:
        source = "stage 1" if spec.task == "optimize" else "geometry optimization"
        candidates.append((cache.scf_chk_path(spec.hessian_from), f"{source} ({spec.hessian_from[:12]})"))
    for path, what in candidates:
        if not path.exists():
            continue
        try:
            chk_mol, scf_rec = chkfile.load_scf(str(path))
            usable = (
                [chk_mol.atom_symbol(i) for i in range(chk_mol.natm)]
                == [mf.mol.atom_symbol(i) for i in range(mf.mol.natm)]
                and (chk_mol.charge, chk_mol.spin) == (mf.mol.charge, mf.mol.spin)
                and np.asarray(scf_rec["mo_coeff"]).shape[-2] == chk_mol.nao_nr()
            )
        except Exception as exc:  # h5py/KeyError/OSError on a file cut short by a killed job
            log.info("%s: %s not readable (%s); not used as SCF guess", spec.label, path.name, exc)
            usable = False
        if not usable:
            if path == own:  # PySCF would fail to write into a broken file of its own
                own.unlink(missing_ok=True)
            continue
        if path != own:
            tmp = own.with_suffix(".tmp")
            shutil.copyfile(path, tmp)
            tmp.replace(own)
        mf.init_guess = "chkfile"  # PySCF projects onto the new basis when the bases differ
        projected = "" if gto.same_basis_set(chk_mol, mf.mol) else ", projected onto this basis"
        log.info("%s: first SCF starts from the orbitals of the %s%s", spec.label, what, projected)
        return what + projected
    return "PySCF default"


def _scf(mf: Any, spec: CalcSpec) -> float:
    energy = float(mf.kernel())
    if not mf.converged:
        raise _SCFNotConverged(f"SCF did not converge in {mf.max_cycle} cycles")
    return energy


#: A step that raises the energy by more than this (Hartree) is taken as one geomeTRIC rejects; the
#: checkpoint then keeps the geometry before it (``_Track.step``).
UPHILL_KEEP_HARTREE = 1e-4


class _Track:
    """Progress of one optimization: step history, last geometry and its checkpoint."""

    def __init__(
        self, spec: CalcSpec, key: str, cache: Cache | None, t0: float, checkpoint: dict[str, Any] | None
    ) -> None:
        self.spec, self.key, self.cache, self.t0 = spec, key, cache, t0
        self.history: list[dict[str, float]] = list((checkpoint or {}).get("history", []))
        self.coords = np.asarray(
            (checkpoint or {}).get("coordinates_angstrom", spec.coordinates_angstrom), dtype=float
        )
        self.wall_before = (checkpoint or {}).get("wall_time_s", 0.0)
        self.t_last = t0
        #: energy and gradient at ``coords`` (the last geometry evaluated)
        self.energy: float | None = None
        self.grad: np.ndarray | None = None
        #: initial Hessian geomeTRIC started from: "xtb", "model", "checkpoint" or "model (xtb failed: ...)"
        self.initial_hessian: str | None = None
        #: geomeTRIC's approximate Cartesian Hessian at the converged geometry (Hartree/bohr²)
        self.final_hessian: np.ndarray | None = None
        #: geomeTRIC's quasi-Newton Hessian and trust radius at the last checkpointed geometry
        self.optimizer_state: dict[str, Any] | None = (checkpoint or {}).get("optimizer")
        # a checkpoint's energy and gradient at its geometry: a resumed run hands them to geomeTRIC
        # instead of computing them again (``_replaying_scanner``)
        if (last := (checkpoint or {}).get("last_gradient")) and self.history:
            self.energy = float(last["energy_hartree"])
            self.grad = np.asarray(last["gradient_hartree_per_bohr"], dtype=float)

    def step(self, env: dict[str, Any]) -> None:
        """geomeTRIC callback after each SCF + gradient: log it and checkpoint the geometry."""
        grad = np.asarray(env["gradients"])
        now = time.perf_counter()
        if getattr(env.get("g_scanner"), "replayed", False):
            self.t_last = now  # energy and gradient are the checkpoint's, already in self.energy, self.grad
            log.info(
                "%s: opt step %d taken from the checkpoint (E=%.10f Ha), not recomputed",
                self.spec.label,
                len(self.history),
                self.energy,
            )
            return
        grms, gmax = gradient_norms(grad)
        energy = float(env["energy"])
        previous = self.history[-1]["energy_hartree"] if self.history else energy
        cycles = getattr(getattr(env.get("g_scanner"), "base", None), "cycles", None)
        self.history.append(
            {
                "energy_hartree": energy,
                "gradient_rms_hartree_per_bohr": grms,
                "gradient_max_hartree_per_bohr": gmax,
                "step_time_s": round(now - self.t_last, 2),
                **({"scf_cycles": cycles} if isinstance(cycles, int) else {}),
            }
        )
        self.t_last = now
        if self.energy is not None and energy > self.energy + UPHILL_KEEP_HARTREE:
            # a step this far uphill is one geomeTRIC rejects (it goes back and shrinks its trust
            # radius): the checkpoint keeps the previous geometry, gradient and Hessian, so a resume
            # does not start from the rejected point
            log.info(
                "%s: opt step %d  E=%.10f Ha  dE=%+.2e Ha  uphill: checkpoint keeps the previous geometry",
                self.spec.label,
                len(self.history),
                energy,
                energy - previous,
            )
            if self.cache is not None:
                self._write_checkpoint(now)
            return
        self.coords = np.asarray(env["mol"].atom_coords(unit="Bohr")) * BOHR_TO_ANGSTROM
        self.energy, self.grad = energy, grad
        self.optimizer_state = _geometric_state(grad)
        log.info(
            "%s: opt step %d  E=%.10f Ha  dE=%+.2e Ha  grad rms=%.2e max=%.2e Ha/bohr  %s SCF cycles  %.1f s",
            self.spec.label,
            len(self.history),
            energy,
            energy - previous,
            grms,
            gmax,
            cycles if isinstance(cycles, int) else "?",
            self.history[-1]["step_time_s"],
        )
        if self.cache is not None:
            self._write_checkpoint(now)

    def _write_checkpoint(self, now: float) -> None:
        """The step history, and the last accepted geometry with its energy, gradient and geomeTRIC state."""
        assert self.cache is not None and self.energy is not None and self.grad is not None
        self.cache.put(
            self.key,
            "checkpoint",
            {
                "label": self.spec.label,
                "symbols": list(self.spec.symbols),
                "coordinates_angstrom": self.coords.round(8).tolist(),
                "history": self.history,
                "last_gradient": {
                    "energy_hartree": self.energy,
                    "gradient_hartree_per_bohr": np.asarray(self.grad).tolist(),
                },
                "wall_time_s": round(self.wall_before + now - self.t0, 2),
                **({"optimizer": self.optimizer_state} if self.optimizer_state else {}),
            },
        )


def _optimize(mf: Any, spec: CalcSpec, track: _Track) -> tuple[bool, float, Any]:
    """geomeTRIC optimization through PySCF; ``track`` logs and checkpoints every gradient."""
    from pyscf.geomopt import geometric_solver

    level = spec.level
    conv_params = {
        "convergence_energy": level.opt_convergence_energy_hartree,
        "convergence_grms": level.opt_convergence_grms_hartree_per_bohr,
        "convergence_gmax": level.opt_convergence_gmax_hartree_per_bohr,
        "convergence_drms": level.opt_convergence_drms_angstrom,
        "convergence_dmax": level.opt_convergence_dmax_angstrom,
    }
    if level.opt_convergence_rule == "qchem":
        # geomeTRIC's OptParams ``qccnv`` (geometric/params.py): converged once the RMS gradient and
        # either the energy change or the RMS displacement meet their thresholds (optimize.py)
        conv_params["qccnv"] = True
    hessian_params: dict[str, Any] = {}
    if track.optimizer_state:
        # resuming: geomeTRIC goes on with the Hessian it had built up and its trust radius instead of
        # starting over from a model Hessian at full trust (which cost an uphill step and 2-3 extra
        # gradients per resume on the paper clusters)
        hessian_params = {
            "hess_data": track.optimizer_state["hessian_cartesian_hartree_per_bohr2"],
            "trust": track.optimizer_state["trust_angstrom"],
            "frequency": False,
        }
        track.initial_hessian = "checkpoint"
        log.info(
            "%s: geomeTRIC resumes with its checkpointed Hessian, trust radius %.2e Å",
            spec.label,
            track.optimizer_state["trust_angstrom"],
        )
    elif level.opt_initial_hessian == "preopt":
        # a staged optimization's stage 2 starts where stage 1 converged; the Hessian geomeTRIC had
        # built up there knows the cluster's soft modes (the level differs, the curvature hardly)
        if (hess := _preopt_hessian(spec, track)) is not None:
            hessian_params = {"hess_data": hess.tolist(), "frequency": False}
    elif level.opt_initial_hessian == "xtb":
        hess = _xtb_initial_hessian(spec, track)
        if hess is not None:
            # geomeTRIC's OptParams (geometric/params.py) takes an initial Cartesian Hessian in
            # Hartree/bohr² as ``hess_data`` and uses it at iteration 0 (optimize.py). It tests the
            # value's truth, hence a nested list, not an array. ``hessian="file:<path>"`` is not usable
            # here: PySCF's geometric_solver.kernel passes that option to ``_make_hessian``, which
            # overwrites the file with an analytic DFT Hessian. ``frequency=False``: no vibrational
            # analysis of the guess.
            hessian_params = {"hess_data": hess.tolist(), "frequency": False}
    else:
        track.initial_hessian = "model"
    # geomeTRIC's ``write_cart_hess`` (geometric/params.py): after converging it updates its
    # approximate Hessian once more and writes it in Cartesian coordinates (Hartree/bohr²)
    final_hess = Path(tempfile.mkdtemp(prefix="compchem-hess-")) / "hessian.txt"
    try:
        converged, mol_eq = geometric_solver.kernel(
            _replaying_scanner(mf, track),
            callback=track.step,
            maxsteps=level.opt_maxsteps,
            assert_convergence=True,
            write_cart_hess=str(final_hess),
            **conv_params,
            **hessian_params,
        )
        if final_hess.exists():
            track.final_hessian = np.loadtxt(final_hess)
    except RuntimeError as exc:
        # PySCF's engine raises RuntimeError('Nuclear gradients of ... not converged') when the SCF
        # of a step fails (pyscf/geomopt/geometric_solver.py, assert_convergence).
        if "not converged" in str(exc):
            raise _SCFNotConverged(
                f"SCF did not converge at optimization step {len(track.history) + 1}"
            ) from exc
        raise
    finally:
        shutil.rmtree(final_hess.parent, ignore_errors=True)
    final = np.asarray(mol_eq.atom_coords(unit="Bohr")) * BOHR_TO_ANGSTROM
    if track.energy is not None and np.abs(final - track.coords).max() < 1e-7:
        return bool(converged), track.energy, track.grad
    # geomeTRIC returned a geometry it did not evaluate: one more SCF + gradient there
    energy, grad = mf.nuc_grad_method().as_scanner()(mol_eq)
    track.coords = final
    return bool(converged), float(energy), grad


def _replaying_scanner(mf: Any, track: _Track) -> Any:
    """PySCF's gradient scanner of ``mf``, except that at ``track.coords`` it returns ``track.energy``
    and ``track.grad`` (known from the checkpoint, or from the last good step before an SCF retry)
    instead of computing them again: geomeTRIC evaluates its starting geometry first, and on a resumed
    41-atom paper cluster that repeat cost a whole SCF + gradient (~8 min). The flag ``replayed`` tells
    the step callback not to count it as a new step. The next SCF then starts from PySCF's default
    guess rather than the previous density, a few extra cycles."""
    scanner = mf.nuc_grad_method().as_scanner()
    if track.energy is None or track.grad is None:
        return scanner
    known = (np.asarray(track.coords) / BOHR_TO_ANGSTROM, track.energy, np.array(track.grad))

    class Replaying(type(scanner)):  # type: ignore[misc]
        replayed = False

        def __call__(self, mol_or_geom: Any, **kwargs: Any) -> Any:
            coords = getattr(mol_or_geom, "atom_coords", None)
            if coords is not None and np.abs(coords(unit="Bohr") - known[0]).max() < 1e-6:
                self.replayed = True
                return known[1], known[2].copy()
            self.replayed = False
            return super().__call__(mol_or_geom, **kwargs)

        @property
        def converged(self) -> bool:
            return True if self.replayed else super().converged

    scanner.__class__ = Replaying
    return scanner


def _geometric_state(grad: np.ndarray) -> dict[str, Any] | None:
    """geomeTRIC's current quasi-Newton Hessian, as a Cartesian Hessian (Hartree/bohr²) at the geometry
    just evaluated, and its trust radius (Å), or None before the first step or if they cannot be read.

    PySCF's engine hands the step callback only its own locals, so the optimizer is found up the call
    stack (``geometric.optimize.Optimizer.calcEnergyForce`` calls the engine). Its internal-coordinate
    Hessian ``H`` is the one that took the step to this geometry: it is first updated with this
    gradient as geomeTRIC itself would after an accepted step (``geometric.step.update_hessian``, the
    step from ``Xprev`` to ``X``; without it a resumed run lagged one update behind and took a worse
    first step), then converted with the internal-coordinate gradient at this geometry
    (``InternalCoordinates.calcHessCart``); a resumed geomeTRIC converts it back (``calcHess``).
    """
    try:
        from geometric.optimize import Optimizer
        from geometric.step import update_hessian
    except ImportError:
        return None
    frame = sys._getframe(1)
    while frame is not None and not isinstance(frame.f_locals.get("self"), Optimizer):
        frame = frame.f_back
    if frame is None:
        return None
    opt = frame.f_locals["self"]
    hess_q = getattr(opt, "H", None)
    if hess_q is None:
        return None
    try:
        xyz = np.asarray(opt.X, dtype=float).ravel()
        gradx = np.asarray(grad, dtype=float).ravel()
        if getattr(opt, "Xprev", None) is not None and getattr(opt, "Gxprev", None) is not None:
            hess_q = update_hessian(
                opt.IC, hess_q, [xyz, opt.Xprev], [gradx, opt.Gxprev], opt.params, max_updates=1
            )
        grad_q = np.asarray(opt.IC.calcGrad(xyz, gradx)).ravel()
        hess_x = np.asarray(opt.IC.calcHessCart(xyz, grad_q, hess_q), dtype=float)
    except Exception as exc:  # geomeTRIC internals: any failure only costs the resume its Hessian
        log.debug("geomeTRIC Hessian not checkpointed: %s", exc)
        return None
    if hess_x.shape != (xyz.size, xyz.size) or not np.isfinite(hess_x).all():
        return None
    hess_x = 0.5 * (hess_x + hess_x.T)
    return {
        "hessian_cartesian_hartree_per_bohr2": hess_x.round(10).tolist(),
        "trust_angstrom": float(opt.trust),
    }


def _preopt_hessian(spec: CalcSpec, track: _Track) -> np.ndarray | None:
    """The final approximate Hessian of the optimization ``spec.hessian_from`` (stage 1 of a staged
    one) from the cache, or None, with a note, when it was not kept (older records, no cache, a
    different atom count): geomeTRIC then starts from its model Hessian."""
    stored = None
    if track.cache is not None and spec.hessian_from:
        stored = track.cache.get(spec.hessian_from, "opt_hessian")
    n = 3 * len(spec.symbols)
    if stored is not None:
        hess = np.asarray(stored["hessian_cartesian_hartree_per_bohr2"], dtype=float)
        if hess.shape == (n, n) and np.isfinite(hess).all():
            log.info("%s: geomeTRIC starts from the pre-optimization's final Hessian", spec.label)
            track.initial_hessian = f"preopt ({spec.hessian_from[:12]})"
            return hess
    log.info("%s: no pre-optimization Hessian kept; geomeTRIC starts from its model Hessian", spec.label)
    track.initial_hessian = "model (no preopt Hessian)"
    return None


def _xtb_initial_hessian(spec: CalcSpec, track: _Track) -> np.ndarray | None:
    """GFN2-xTB Cartesian Hessian (Hartree/bohr²) at the optimization's starting geometry (the
    checkpoint's when resuming), or None, with a warning, when it cannot be had: geomeTRIC then starts
    from its model Hessian. Records the choice in ``track.initial_hessian``."""
    from compchem.backends import xtb

    reason = None
    if spec.ghost_atoms:
        reason = "ghost atoms have no xTB counterpart"
    else:
        try:
            hess = xtb.cartesian_hessian(spec.symbols, track.coords, spec.charge, spec.multiplicity)
        except Exception as exc:  # tblite/ASE raise several types (unsupported element, SCC failure)
            reason = f"{type(exc).__name__}: {exc}"[:200]
        else:
            if np.isfinite(hess).all():
                log.info("%s: geomeTRIC starts from the GFN2-xTB Hessian", spec.label)
                track.initial_hessian = "xtb"
                return hess
            reason = "non-finite values"
    log.warning(
        "%s: GFN2-xTB initial Hessian failed (%s); geomeTRIC starts from its model Hessian",
        spec.label,
        reason,
    )
    track.initial_hessian = f"model (xtb failed: {reason})"
    return None
