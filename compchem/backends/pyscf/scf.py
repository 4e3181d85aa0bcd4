"""PySCF calculation set-up: threads, basis and functional checks, the ``Mole`` of a spec, the SCF object of
a level with its fallback ladder (``SCF_LADDER``), the first SCF's orbital guess from an earlier run, and the
properties that need an SCF object but no SCF (dispersion energy, solvent cavity radii). Everything the
optimizer, the task dispatch (``run``) and the Hessians (``hessian``) build on lives here, so those modules
depend on this one and never on each other.
"""

from __future__ import annotations

import logging
import platform
import shutil
import sys
from typing import IO, Any

import numpy as np

from compchem.chem import check_charge_multiplicity
from compchem.errors import InputError
from compchem.models import CalcSpec, LevelOfTheory
from compchem.records import Cache
from compchem.units import ANGSTROM_TO_BOHR, BOHR_TO_ANGSTROM, multiplicity_to_spin

#: the logger of the module this code came from, so that log lines (and the tools that read them, e.g.
#: benchmarks/convergence_rules.py) stay the same
log = logging.getLogger("compchem.backends.pyscf_backend")


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


#: Share of this machine's physical memory a PySCF calculation may plan for (``mol.max_memory`` is a
#: target, not a limit: PySCF overshoots it by a few GB on 1000-basis-function clusters)
MACHINE_MEMORY_SHARE = 0.7


def physical_memory_mb() -> int | None:
    """This machine's physical memory (MB); None where the OS does not say."""
    import os

    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e6)
    except (ValueError, OSError, AttributeError):
        return None


def capped_memory_mb(max_memory_mb: int, label: str) -> int:
    """``max_memory_mb``, or ``MACHINE_MEMORY_SHARE`` of the physical memory where the job asked for
    more than this machine has (a request sized for a cluster node, or the estimate's): PySCF then keeps
    the density-fitting tensor on disk instead of being killed by the kernel for lack of memory."""
    physical = physical_memory_mb()
    if physical is None or max_memory_mb <= MACHINE_MEMORY_SHARE * physical:
        return max_memory_mb
    capped = int(MACHINE_MEMORY_SHARE * physical)
    log.info(
        "%s: PySCF memory %d MB capped at %d MB (%.0f %% of this machine's %d MB); large integral "
        "tensors go to disk",
        label,
        max_memory_mb,
        capped,
        100 * MACHINE_MEMORY_SHARE,
        physical,
    )
    return capped


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
    mol.max_memory = capped_memory_mb(max_memory_mb, spec.label or "spec")
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
