"""Li⁺ cluster candidates: Li⁺ placed at donor atoms (single or chelating), several ligands arranged
around it without clashes, each candidate relaxed with a cheap method and the lowest kept.

Atom order of a built cluster: the ion first, then each ligand's atoms in ligand order (the
``fragments`` list gives the indices), so records and tables can name every donor.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from rdkit import Chem
from scipy.optimize import least_squares

from compchem.backends import get_backend
from compchem.build.ligands import Conformer, donor_atoms, embed_conformers, symbols_of
from compchem.build.ring_contacts import pi_rings, ring_label
from compchem.held import HeldDistance

log = logging.getLogger(__name__)

#: Target ion–donor distances (Å) for initial placement, typical of Li⁺ complexes.
ION_DONOR_DISTANCE_ANGSTROM = {"O": 1.95, "N": 2.00, "F": 1.90}
#: Ideal directions of n ligands around the ion (unit vectors).
_DIRECTIONS: dict[int, list[tuple[float, float, float]]] = {
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
    """One ligand of a cluster: its name, SMILES and charge, and the distances it holds in every
    relaxation (``compchem.held``: 0-based ligand atom indices, value in Å)."""

    name: str
    smiles: str
    charge: int
    held_distances: tuple[HeldDistance, ...] = ()


@dataclass(frozen=True)
class Site:
    """A binding site of one ligand conformer: donor atoms and the ion position (Å, ligand frame)."""

    conformer: int
    donors: tuple[int, ...]
    ion_position: np.ndarray
    placement_error_angstrom: float


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
    its fragment, element and 1-based atom number inside that fragment.

    An ion over the face of a planar sp2 ring (cation–π, :mod:`compchem.build.ring_contacts`) gets
    one contact for the whole ring instead of its member atoms: element ``"ring"``, atom
    ``"(C1,C2,N3,C4,C5)"`` (so ``fragment:element atom`` reads ``Im:ring(C1,C2,N3,C4,C5)``),
    ``index`` the nearest ring atom, the ion–centroid distance and ``ring_indices``."""
    dists = np.linalg.norm(np.asarray(coords) - np.asarray(coords)[ion_index], axis=1)
    owner = {}
    for frag in fragments:
        for local, idx in enumerate(frag["atom_indices"]):
            owner[idx] = (frag["name"], local + 1)
    rings = pi_rings(symbols, coords, ion_index, cutoff_angstrom)
    in_ring = {i for ring, _ in rings for i in ring}
    contacts = []
    for idx in np.argsort(dists):
        idx = int(idx)
        if idx == ion_index or idx in in_ring or symbols[idx] not in ("O", "N", "F", "S", "Cl"):
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
    if rings:
        contacts = _with_ring_contacts(contacts, rings, symbols, dists, owner)
    return contacts


def _with_ring_contacts(
    contacts: list[dict[str, Any]],
    rings: list[tuple[list[int], float]],
    symbols: list[str],
    dists: np.ndarray,
    owner: dict[int, tuple[str, int]],
) -> list[dict[str, Any]]:
    """``contacts`` plus one contact per π-bound ring, all nearest first."""
    for ring, distance in rings:
        nearest = min(ring, key=lambda i: dists[i])
        contacts.append(
            {
                "fragment": owner.get(nearest, ("?", nearest + 1))[0],
                "element": "ring",
                "atom": ring_label(symbols, [owner.get(i, ("?", i + 1))[1] for i in ring], ring),
                "index": nearest,
                "distance_angstrom": round(distance, 4),
                "ring_indices": list(ring),
            }
        )
    return sorted(contacts, key=lambda c: c["distance_angstrom"])


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
    held_distances: tuple[HeldDistance, ...] = (),
) -> dict[str, Any]:
    """Free ligand: seeded conformers, the ``n_candidates`` lowest by force field relaxed cheaply,
    the lowest kept (the relaxed binding energy needs each free ligand at its own minimum, under its
    ``held_distances``)."""
    from compchem.build.ligands import mol_from_smiles

    mol = mol_from_smiles(smiles, charge, name)
    symbols = symbols_of(mol)
    conformers = embed_conformers(mol, n_conformers, seed, name, held_distances)[: max(1, n_candidates)]
    results = []
    for i, conf in enumerate(conformers):
        res = get_backend("xtb").preoptimize(
            symbols, conf.coordinates_angstrom, charge, multiplicity, preopt_method, held=held_distances
        )
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
