"""Li⁺ cluster candidates: Li⁺ placed at donor atoms (single or chelating), several ligands arranged
around it without clashes, each candidate relaxed with a cheap method and the lowest kept.

Atom order of a built cluster: the ion first, then each ligand's atoms in ligand order (the
``fragments`` list gives the indices), so records and tables can name every donor.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rdkit import Chem
from scipy.optimize import least_squares

from compchem.backends.xtb import preoptimize
from compchem.build.ligands import Conformer, donor_atoms, embed_conformers, symbols_of
from compchem.chem import pair_distances
from compchem.errors import StructureError

log = logging.getLogger(__name__)

#: Target ion–donor distances (Å) for initial placement, typical of Li⁺ complexes.
ION_DONOR_DISTANCE_ANGSTROM = {"O": 1.95, "N": 2.00, "F": 1.90}
#: Ideal directions of n ligands around the ion (unit vectors).
_DIRECTIONS = {
    1: [(0, 0, 1)],
    2: [(0, 0, 1), (0, 0, -1)],
    3: [(1, 0, 0), (-0.5, 0.8660254, 0), (-0.5, -0.8660254, 0)],
    4: [(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)],
    5: [(0, 0, 1), (0, 0, -1), (1, 0, 0), (-0.5, 0.8660254, 0), (-0.5, -0.8660254, 0)],
    6: [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)],
}
#: Minimum distances (Å) between atoms of different ligands in an assembled candidate.
MIN_CONTACT_H_ANGSTROM = 1.8
MIN_CONTACT_HEAVY_ANGSTROM = 2.5
#: Minimum ion distance (Å) to any atom that is not one of the chosen donors.
MIN_ION_NONDONOR_ANGSTROM = 1.7
#: Ion–donor distance (Å) below which a donor counts as bound in the analysis of a structure.
CONTACT_CUTOFF_ANGSTROM = 2.6


@dataclass(frozen=True)
class LigandInput:
    """One ligand of a cluster: its name, SMILES and charge."""

    name: str
    smiles: str
    charge: int


@dataclass(frozen=True)
class Site:
    """A binding site of one ligand conformer: donor atoms and the ion position (Å, ligand frame)."""

    conformer: int
    donors: tuple[int, ...]
    ion_position: np.ndarray
    placement_error_angstrom: float


@dataclass
class Candidate:
    """One assembled cluster candidate and what the cheap relaxation made of it."""

    sites: list[Site]
    coordinates_angstrom: np.ndarray
    preopt_energy_hartree: float = float("nan")
    preopt_steps: int = 0
    preopt_converged: bool = False
    contacts: list[dict[str, Any]] = field(default_factory=list)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v)
    return v / norm if norm > 1e-9 else np.array([0.0, 0.0, 1.0])


def _single_site(mol: Chem.Mol, coords: np.ndarray, donor: int) -> np.ndarray:
    """Ion position along the donor's lone-pair direction (opposite the sum of its bonds)."""
    atom = mol.GetAtomWithIdx(donor)
    dist = ION_DONOR_DISTANCE_ANGSTROM.get(atom.GetSymbol(), 2.0)
    nbrs = [n.GetIdx() for n in atom.GetNeighbors()]
    direction = sum((_unit(coords[donor] - coords[n]) for n in nbrs), np.zeros(3))
    if np.linalg.norm(direction) < 1e-3 and nbrs:  # linear neighbourhood: any perpendicular
        direction = np.cross(coords[donor] - coords[nbrs[0]], [0.0, 0.0, 1.0])
    return coords[donor] + dist * _unit(direction)


def enumerate_sites(
    mol: Chem.Mol, conformers: list[Conformer], max_denticity: int = 3, tolerance_angstrom: float = 0.45
) -> list[Site]:
    """All binding sites of all conformers: each donor alone, and pairs/triples of donors that one
    ion can reach at once (a chelate), kept when the best ion position is within
    ``tolerance_angstrom`` of every target distance and clear of the other atoms."""
    donors = donor_atoms(mol)
    symbols = symbols_of(mol)
    sites: list[Site] = []
    for ci, conf in enumerate(conformers):
        coords = conf.coordinates_angstrom
        singles = {d: _single_site(mol, coords, d) for d in donors}
        for k in range(1, min(max_denticity, len(donors)) + 1):
            for combo in itertools.combinations(donors, k):
                targets = np.array([ION_DONOR_DISTANCE_ANGSTROM.get(symbols[d], 2.0) for d in combo])
                start = np.mean([singles[d] for d in combo], axis=0)
                if k == 1:
                    pos, err = start, 0.0
                else:
                    if (
                        max(
                            np.linalg.norm(coords[a] - coords[b]) for a, b in itertools.combinations(combo, 2)
                        )
                        > 2 * targets.max() + 0.3
                    ):
                        continue
                    fit = least_squares(
                        lambda p, x=coords[list(combo)], t=targets: np.linalg.norm(x - p, axis=1) - t, start
                    )
                    pos, err = fit.x, float(np.abs(fit.fun).max())
                    if err > tolerance_angstrom:
                        continue
                others = [i for i in range(len(symbols)) if i not in combo]
                if others and np.linalg.norm(coords[others] - pos, axis=1).min() < MIN_ION_NONDONOR_ANGSTROM:
                    continue
                sites.append(Site(ci, tuple(combo), pos, err))
    return sites


def _rotation_to(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotation matrix turning unit vector ``u`` onto unit vector ``v`` (Rodrigues)."""
    axis = np.cross(u, v)
    s, c = np.linalg.norm(axis), float(np.dot(u, v))
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        perp = _unit(np.cross(u, [1.0, 0.0, 0.0] if abs(u[0]) < 0.9 else [0.0, 1.0, 0.0]))
        return 2 * np.outer(perp, perp) - np.eye(3)
    k = axis / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * kx + (1 - c) * kx @ kx


def _axis_rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    k = _unit(axis)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(angle) * kx + (1 - np.cos(angle)) * kx @ kx


def _place(coords: np.ndarray, site: Site, direction: np.ndarray, angle: float) -> np.ndarray:
    """Move a ligand so its site's ion position is at the origin and its donors face along
    ``direction`` from the ion, then spin it by ``angle`` about that axis."""
    shifted = coords - site.ion_position
    outward = _unit(shifted[list(site.donors)].mean(axis=0))
    rot = _axis_rotation(direction, angle) @ _rotation_to(outward, _unit(direction))
    return shifted @ rot.T


def _clashes(blocks: list[np.ndarray], symbols: list[list[str]], sites: list[Site]) -> bool:
    for i, j in itertools.combinations(range(len(blocks)), 2):
        d = np.linalg.norm(blocks[i][:, None, :] - blocks[j][None, :, :], axis=-1)
        heavy = np.array([[si != "H" and sj != "H" for sj in symbols[j]] for si in symbols[i]])
        limit = np.where(heavy, MIN_CONTACT_HEAVY_ANGSTROM, MIN_CONTACT_H_ANGSTROM)
        if (d < limit).any():
            return True
    for block, site in zip(blocks, sites, strict=True):
        others = [k for k in range(len(block)) if k not in site.donors]
        if others and np.linalg.norm(block[others], axis=1).min() < MIN_ION_NONDONOR_ANGSTROM:
            return True
    return False


def ion_contacts(
    symbols: list[str],
    coords: np.ndarray,
    fragments: list[dict[str, Any]],
    ion_index: int = 0,
    cutoff_angstrom: float = CONTACT_CUTOFF_ANGSTROM,
) -> list[dict[str, Any]]:
    """Donor atoms (O, N, F, S, Cl) within ``cutoff_angstrom`` of the ion, nearest first, each with
    its fragment, element and 1-based atom number inside that fragment."""
    dists = np.linalg.norm(np.asarray(coords) - np.asarray(coords)[ion_index], axis=1)
    owner = {}
    for frag in fragments:
        for local, idx in enumerate(frag["atom_indices"]):
            owner[idx] = (frag["name"], local + 1)
    contacts = []
    for idx in np.argsort(dists):
        idx = int(idx)
        if idx == ion_index or symbols[idx] not in ("O", "N", "F", "S", "Cl"):
            continue
        if dists[idx] > cutoff_angstrom:
            break
        name, local = owner.get(idx, ("?", idx + 1))
        contacts.append(
            {
                "fragment": name,
                "element": symbols[idx],
                "atom": local,
                "index": idx,
                "distance_angstrom": round(float(dists[idx]), 4),
            }
        )
    return contacts


def _ranked_site_pools(sites: list[Site], conformers: list[Conformer]) -> list[list[Site]]:
    """Sites grouped by denticity, most donors first; inside a group by conformer energy."""
    pools: dict[int, list[Site]] = {}
    for site in sites:
        pools.setdefault(len(site.donors), []).append(site)
    for pool in pools.values():
        pool.sort(key=lambda s: (conformers[s.conformer].ff_energy_kcal_per_mol, s.placement_error_angstrom))
    return [pools[k] for k in sorted(pools, reverse=True)]


def build_cluster(
    ion_symbol: str,
    ion_charge: int,
    ligands: list[LigandInput],
    *,
    multiplicity: int = 1,
    seed: int = 42,
    n_conformers: int = 20,
    n_candidates: int = 6,
    preopt_method: str = "GFN2-xTB",
    max_denticity: int = 3,
    label: str = "cluster",
) -> dict[str, Any]:
    """Build candidates of ``ion`` + ``ligands``, relax each cheaply and return the lowest.

    Returns a mapping with ``symbols``, ``coordinates_angstrom``, ``fragments``, ``charge``,
    ``multiplicity``, ``contacts`` and ``candidates`` (a summary of every candidate tried).

    Raises
    ------
    StructureError
        A ligand without donor atoms, or no clash-free arrangement in the allotted attempts.
    """
    rng = np.random.default_rng(seed)
    mols, confs, pools = [], [], []
    for li, lig in enumerate(ligands):
        from compchem.build.ligands import mol_from_smiles  # local: avoid cycle at import time

        mol = mol_from_smiles(lig.smiles, lig.charge, lig.name)
        if not donor_atoms(mol):
            raise StructureError(
                f"cluster '{label}': ligand '{lig.name}' has no donor atom "
                "(O, N or F with a lone pair) to bind the ion"
            )
        conformers = embed_conformers(mol, n_conformers, seed + 101 * li, lig.name)
        sites = enumerate_sites(mol, conformers, max_denticity=max_denticity)
        if not sites:
            raise StructureError(f"cluster '{label}': no accessible binding site on '{lig.name}'")
        mols.append(mol)
        confs.append(conformers)
        pools.append(_ranked_site_pools(sites, conformers))
    n_lig = len(ligands)
    directions = [np.asarray(d, float) / np.linalg.norm(d) for d in _DIRECTIONS[min(n_lig, 6)]]
    lig_symbols = [symbols_of(m) for m in mols]
    symbols = [ion_symbol] + [s for syms in lig_symbols for s in syms]
    fragments, start = [{"name": ion_symbol, "atom_indices": [0]}], 1
    for lig, syms in zip(ligands, lig_symbols, strict=True):
        fragments.append({"name": lig.name, "atom_indices": list(range(start, start + len(syms)))})
        start += len(syms)
    charge = ion_charge + sum(lig.charge for lig in ligands)

    candidates: list[Candidate] = []
    seen: set[tuple] = set()
    attempts = 0
    while len(candidates) < n_candidates and attempts < 40 * n_candidates:
        attempts += 1
        k = len(candidates)
        chosen = []
        for pool_list in pools:
            # Cycle through denticities (most donors first), then pick within the pool at random,
            # the lowest-energy conformer for the first pass.
            pool = pool_list[(k + attempts // (4 * n_candidates)) % len(pool_list)]
            idx = 0 if attempts == k + 1 and k < len(pool_list) else int(rng.integers(len(pool)))
            chosen.append(pool[idx])
        key = tuple((s.conformer, s.donors) for s in chosen)
        if key in seen and attempts < 20 * n_candidates:
            continue
        for _ in range(24):
            angles = rng.uniform(0, 2 * np.pi, n_lig)
            blocks = [
                _place(confs[i][s.conformer].coordinates_angstrom, s, directions[i], angles[i])
                for i, s in enumerate(chosen)
            ]
            if not _clashes(blocks, lig_symbols, chosen):
                break
        else:
            continue
        seen.add(key)
        coords = np.vstack([np.zeros((1, 3))] + blocks)
        candidates.append(Candidate(chosen, coords))
    if not candidates:
        raise StructureError(
            f"cluster '{label}': no clash-free arrangement of {n_lig} ligand(s) "
            f"around {ion_symbol} in {attempts} attempts"
        )
    for i, cand in enumerate(candidates):
        res = preoptimize(symbols, cand.coordinates_angstrom, charge, multiplicity, preopt_method)
        cand.coordinates_angstrom = res.coordinates_angstrom
        cand.preopt_energy_hartree, cand.preopt_steps = res.energy_hartree, res.n_steps
        cand.preopt_converged = res.converged
        cand.contacts = ion_contacts(symbols, res.coordinates_angstrom, fragments)
        log.info(
            "%s candidate %d/%d: sites %s -> %s E=%.6f Ha (%d steps%s), CN=%d",
            label,
            i + 1,
            len(candidates),
            [list(s.donors) for s in cand.sites],
            preopt_method,
            res.energy_hartree,
            res.n_steps,
            "" if res.converged else ", NOT converged",
            len(cand.contacts),
        )
    finite = [c for c in candidates if np.isfinite(c.preopt_energy_hartree)]
    best = min(finite, key=lambda c: c.preopt_energy_hartree) if finite else candidates[0]
    dmat = pair_distances(best.coordinates_angstrom)
    np.fill_diagonal(dmat, np.inf)
    if dmat.min() < 0.6:
        raise StructureError(f"cluster '{label}': best candidate has atoms {dmat.min():.2f} Å apart")
    return {
        "symbols": symbols,
        "coordinates_angstrom": best.coordinates_angstrom.tolist(),
        "fragments": fragments,
        "charge": charge,
        "multiplicity": multiplicity,
        "contacts": best.contacts,
        "preopt_method": preopt_method,
        "preopt_energy_hartree": best.preopt_energy_hartree,
        "candidates": [
            {
                "sites": [
                    {
                        "ligand": ligands[i].name,
                        "conformer": s.conformer,
                        "donors": [int(d) for d in s.donors],
                    }
                    for i, s in enumerate(c.sites)
                ],
                "preopt_energy_hartree": c.preopt_energy_hartree,
                "preopt_steps": c.preopt_steps,
                "preopt_converged": c.preopt_converged,
                "coordination_number": len(c.contacts),
                "selected": c is best,
            }
            for c in candidates
        ],
    }


def build_ligand(
    name: str,
    smiles: str,
    charge: int,
    *,
    multiplicity: int = 1,
    seed: int = 42,
    n_conformers: int = 20,
    n_candidates: int = 4,
    preopt_method: str = "GFN2-xTB",
) -> dict[str, Any]:
    """Free ligand: seeded conformers, the ``n_candidates`` lowest by force field relaxed cheaply,
    the lowest kept (the relaxed binding energy needs each free ligand at its own minimum)."""
    from compchem.build.ligands import mol_from_smiles

    mol = mol_from_smiles(smiles, charge, name)
    symbols = symbols_of(mol)
    conformers = embed_conformers(mol, n_conformers, seed, name)[: max(1, n_candidates)]
    results = []
    for i, conf in enumerate(conformers):
        res = preoptimize(symbols, conf.coordinates_angstrom, charge, multiplicity, preopt_method)
        log.info(
            "%s conformer %d/%d: %s E=%.6f Ha (%d steps)",
            name,
            i + 1,
            len(conformers),
            preopt_method,
            res.energy_hartree,
            res.n_steps,
        )
        results.append(res)
    finite = [r for r in results if np.isfinite(r.energy_hartree)]
    best = min(finite, key=lambda r: r.energy_hartree) if finite else results[0]
    return {
        "symbols": symbols,
        "coordinates_angstrom": best.coordinates_angstrom.tolist(),
        "fragments": [{"name": name, "atom_indices": list(range(len(symbols)))}],
        "charge": charge,
        "multiplicity": multiplicity,
        "contacts": [],
        "preopt_method": preopt_method,
        "preopt_energy_hartree": best.energy_hartree,
        "candidates": [
            {
                "conformer": i,
                "preopt_energy_hartree": r.energy_hartree,
                "preopt_steps": r.n_steps,
                "selected": r is best,
            }
            for i, r in enumerate(results)
        ],
    }


def build_ion(symbol: str, charge: int, multiplicity: int = 1) -> dict[str, Any]:
    """A bare ion at the origin."""
    return {
        "symbols": [symbol],
        "coordinates_angstrom": [[0.0, 0.0, 0.0]],
        "fragments": [{"name": symbol, "atom_indices": [0]}],
        "charge": charge,
        "multiplicity": multiplicity,
        "contacts": [],
        "preopt_method": "none",
        "preopt_energy_hartree": float("nan"),
        "candidates": [],
    }
