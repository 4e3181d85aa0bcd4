"""Pre-optimization of cluster candidates: which ones to relax and how.

A diverse subset is chosen (round-robin over targeted motifs, least strained first, near-copies
skipped), then relaxed with GFN2-xTB (tblite + ASE BFGS, one OpenMP thread by default because the
machine is usually busy with DFT). Where xTB fails, gives a non-finite energy or collapses the
structure, a restrained UFF relaxation (or nothing) stands in, and the candidate records the method
actually used and why, so the ranking never mixes energies of different methods.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import time
from collections.abc import Iterator

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem

from compchem.backends import get_backend
from compchem.build.ligands import mol_from_smiles
from compchem.build.pose_complex import _complex_mol, _ion_bounds
from compchem.build.pose_model import COLLAPSE_ANGSTROM, Candidate
from compchem.chem import kabsch_rmsd, pair_distances

# The search logs under one name (log lines and filters predate the split into pose_* modules).
log = logging.getLogger("compchem.build.poses")


def select_for_preoptimization(
    candidates: list[Candidate], n: int, rmsd_threshold_angstrom: float = 0.25
) -> list[Candidate]:
    """Up to ``n`` candidates, round-robin over the targeted motifs (most donors first), least
    strained first inside a motif, skipping near-copies (heavy-atom RMSD below the threshold).

    Each round takes as many candidates of a motif as it targets donors (a tridentate motif three,
    a monodentate one one): Li⁺ favours high coordination, and chelates have more conformers to try.
    """
    groups: dict[tuple, list[Candidate]] = {}
    for c in candidates:
        groups.setdefault(c.targets, []).append(c)
    for g in groups.values():
        g.sort(key=lambda c: (c.strain_kcal_per_mol, c.index))
    order = sorted(groups, key=lambda t: (-sum(len(d) for _, d in t), groups[t][0].strain_kcal_per_mol))
    queues = [(list(groups[t]), sum(len(d) for _, d in t)) for t in order]
    picked: list[Candidate] = []
    kept: dict[tuple, list[Candidate]] = {}
    while len(picked) < n and any(q for q, _ in queues):
        for q, weight in queues:
            taken = 0
            while q and taken < weight and len(picked) < n:
                c = q.pop(0)
                heavy = [i for i, s in enumerate(c.symbols) if s != "H"]
                same = kept.setdefault(c.targets, [])
                if all(
                    kabsch_rmsd(c.coordinates_angstrom[heavy], o.coordinates_angstrom[heavy])
                    >= rmsd_threshold_angstrom
                    for o in same
                ):
                    same.append(c)
                    picked.append(c)
                    taken += 1
            if len(picked) >= n:
                break
    return picked


def _uff_relax(c: Candidate, max_iters: int = 2000) -> tuple[np.ndarray, float]:
    """UFF relaxation of the whole cluster under the wrapped-embedding restraints: targeted ion–donor
    distances 1.9–2.1 Å, other atoms kept off the ion (UFF has no ion–donor attraction of its own).
    The energy (kcal/mol) includes the restraint terms."""
    mols = [mol_from_smiles(lig.smiles, lig.charge, lig.name) for lig in c.ligands]
    cx = _complex_mol(c.symbols[0], c.charge - sum(lig.charge for lig in c.ligands), mols)
    if not AllChem.UFFHasAllMoleculeParams(cx):
        raise RuntimeError("UFF lacks parameters for this cluster")
    conf = Chem.Conformer(cx.GetNumAtoms())
    for i, xyz in enumerate(c.coordinates_angstrom):
        conf.SetAtomPosition(i, [float(v) for v in xyz])
    cx.AddConformer(conf, assignId=True)
    ff = AllChem.UFFGetMoleculeForceField(cx, ignoreInterfragInteractions=False)
    for j, lo, hi in _ion_bounds(cx, tuple(c.targeted_indices())):
        ff.UFFAddDistanceConstraint(0, j, False, lo, hi, 500.0)
    ff.Minimize(maxIts=max_iters)
    return np.array(cx.GetConformer().GetPositions()), float(ff.CalcEnergy())


def _openmp_library() -> ctypes.CDLL | None:
    """The OpenMP runtime loaded into this process (tblite links libgomp), or None."""
    try:
        import tblite.interface  # noqa: F401  (loads tblite's OpenMP runtime)
    except ImportError:
        return None
    try:
        with open("/proc/self/maps") as handle:
            paths = {line.split()[-1] for line in handle if "libgomp" in line or "libiomp" in line}
    except OSError:
        paths = set()
    name = next(iter(sorted(paths)), None) or ctypes.util.find_library("gomp")
    if not name:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


@contextlib.contextmanager
def openmp_threads(n: int | None) -> Iterator[None]:
    """Run the block with at most ``n`` OpenMP threads in this process (None: leave as is).

    tblite parallelizes with OpenMP; on a machine already busy (a DFT job on every core) its
    spinning threads slow a small molecule's xTB step by 10–100x, so the search uses one thread.
    """
    lib = _openmp_library() if n else None
    if lib is None or n is None:
        yield
        return
    previous = int(lib.omp_get_max_threads())
    lib.omp_set_num_threads(int(n))
    try:
        yield
    finally:
        lib.omp_set_num_threads(previous)


def _collapsed(coords: np.ndarray) -> bool:
    d = pair_distances(np.asarray(coords))
    np.fill_diagonal(d, np.inf)
    return bool(d.min() < COLLAPSE_ANGSTROM)


def preoptimize_candidates(
    candidates: list[Candidate],
    *,
    method: str = "GFN2-xTB",
    fallback: str = "UFF",
    fmax_ev_per_angstrom: float = 0.05,
    max_steps: int = 400,
    threads: int | None = 1,
) -> list[Candidate]:
    """Relax each candidate in place with ``method`` (tblite, ASE BFGS); where that fails (an error,
    a non-finite energy or a collapsed structure), with ``fallback`` ("UFF" with ion–donor
    restraints, or "none": left as built). ``preopt_method`` names the method actually used and
    ``preopt_note`` why a fallback was taken. ``method="none"`` leaves every candidate as built
    (ranked by ligand strain). ``threads``: OpenMP threads for tblite (None: the process default).
    Returns the same list."""
    with openmp_threads(threads):
        return _preoptimize_all(candidates, method, fallback, fmax_ev_per_angstrom, max_steps)


def _relax_with_method(c: Candidate, method: str, fmax_ev_per_angstrom: float, max_steps: int) -> str:
    """Relax ``c`` in place with ``method``; the reason it failed, or "" on success."""
    try:
        res = get_backend("xtb").preoptimize(
            c.symbols,
            c.coordinates_angstrom,
            c.charge,
            c.multiplicity,
            method,
            fmax_ev_per_angstrom=fmax_ev_per_angstrom,
            max_steps=max_steps,
            held=c.held_distances(),
        )
        if not np.isfinite(res.energy_hartree):
            return f"{method} gave a non-finite energy"
        if _collapsed(res.coordinates_angstrom):
            return f"{method} collapsed the structure"
        c.coordinates_angstrom = np.asarray(res.coordinates_angstrom)
        c.preopt_method, c.preopt_energy_hartree = res.method, float(res.energy_hartree)
        c.preopt_steps, c.preopt_converged = res.n_steps, res.converged
    except Exception as exc:  # tblite raises its own exception types on SCF/setup failures
        return f"{method} failed: {type(exc).__name__}: {exc}"
    return ""


def _fall_back(c: Candidate, reason: str, fallback: str) -> None:
    """After ``reason`` (a failed relaxation): UFF with restraints, or leave ``c`` as built."""
    c.preopt_note = reason
    if fallback.upper() == "UFF":
        try:
            coords, energy = _uff_relax(c)
            if _collapsed(coords):
                raise RuntimeError("UFF collapsed the structure")
            c.coordinates_angstrom, c.preopt_ff_energy_kcal_per_mol = coords, energy
            c.preopt_method, c.preopt_converged = "UFF", True
        except Exception as exc:
            c.preopt_method = "none"
            c.preopt_note += f"; UFF failed: {exc}"
    else:
        c.preopt_method = "none"
    log.warning("cluster '%s' candidate %d: %s -> %s used", c.label, c.index, reason, c.preopt_method)


def _preoptimize_all(
    candidates: list[Candidate], method: str, fallback: str, fmax_ev_per_angstrom: float, max_steps: int
) -> list[Candidate]:
    for i, c in enumerate(candidates):
        t0 = time.perf_counter()
        reason = ""
        if method.lower() != "none":
            reason = _relax_with_method(c, method, fmax_ev_per_angstrom, max_steps)
            c.xtb_wall_s = time.perf_counter() - t0
        else:  # asked for no relaxation: left as built, ranked by ligand strain
            c.preopt_method, c.preopt_note = "none", "pre-optimization switched off"
        if reason:
            _fall_back(c, reason, fallback)
        c.preopt_wall_s = time.perf_counter() - t0
        c.update_contacts()
        log.info(
            "cluster '%s' candidate %d (%d/%d, targets %s): %s E=%.6f Ha, %d steps, CN=%d, %.1f s",
            c.label,
            c.index,
            i + 1,
            len(candidates),
            [list(d) for _, d in c.targets],
            c.preopt_method,
            c.preopt_energy_hartree,
            c.preopt_steps,
            len(c.contacts),
            c.preopt_wall_s,
        )
    return candidates
