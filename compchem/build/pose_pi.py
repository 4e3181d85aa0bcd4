"""Cation–π and C–H edge placements of the ion on a ligand's aromatic rings.

A ligand without a lone-pair donor (an imidazolate bridging two Zn²⁺ through both N, as in bulk
ZIF-62 glass) can still hold Li⁺ on the face of its aromatic ring or at its C–H edge. These
placements are built on the free RDKit conformers, one set per aromatic ring, on both faces:

* ``pi_face``: over the ring centroid along the ring normal, at the height where the ion is
  :data:`PI_FACE_ION_ATOM_ANGSTROM` from the ring atoms, clamped to :data:`PI_FACE_HEIGHT_ANGSTROM`.
  Li⁺–benzene sits 1.85–1.90 Å above the ring centroid at MP2 and B3LYP (Amicangelo & Armentrout,
  J. Phys. Chem. A 104, 11420 (2000): 1.87 Å at MP2(full)/6-31G*; Li–C ≈ 2.33 Å), so Li–C ≈ 2.3 Å
  gives 1.83 Å over a benzene ring and ≈ 2.0 Å over the smaller imidazolate ring;
* ``pi_bond``: η² over the midpoint of each ring bond, Li–atom :data:`PI_BOND_ION_ATOM_ANGSTROM`;
* ``edge``: in the ring plane beyond two C–H of bonded ring atoms (a lone ring C–H: on its axis),
  Li···H :data:`EDGE_ION_H_ANGSTROM`, the range of Li⁺···H–C contacts (2.3–2.6 Å).

The targeted atoms of a pose (its ``donors``) are the ring atoms, the bond's two atoms or the H
atoms, so the clash rules and the direction a pose faces in an assembly use them like donors.
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem

from compchem.build.cluster import MIN_ION_NONDONOR_ANGSTROM, _unit
from compchem.build.ligands import Conformer
from compchem.build.pose_model import LigandPose

#: Ion–ring atom distance (Å) that sets the height of a face placement (Li–C of Li⁺–benzene).
PI_FACE_ION_ATOM_ANGSTROM = 2.3
#: Height window (Å) of a face placement above the ring plane.
PI_FACE_HEIGHT_ANGSTROM = (1.8, 2.1)
#: Ion–atom distance (Å) of an η² placement over a ring bond.
PI_BOND_ION_ATOM_ANGSTROM = 2.2
#: Li···H distance (Å) of an edge placement.
EDGE_ION_H_ANGSTROM = 2.45
#: Placement kinds; every pose of the lone-pair search is "lone_pair".
PLACEMENT_KINDS = ("lone_pair", "pi_face", "pi_bond", "edge")


def aromatic_rings(mol: Chem.Mol) -> list[tuple[int, ...]]:
    """Atom tuples (ring order) of the rings whose atoms are all aromatic."""
    return [
        tuple(ring)
        for ring in mol.GetRingInfo().AtomRings()
        if all(mol.GetAtomWithIdx(i).GetIsAromatic() for i in ring)
    ]


def _ring_frame(coords: np.ndarray, ring: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, float]:
    """Centroid, unit normal and mean centroid–atom distance of a ring."""
    xyz = coords[list(ring)]
    centroid = xyz.mean(axis=0)
    normal = _unit(np.linalg.svd(xyz - centroid)[2][-1])
    return centroid, normal, float(np.linalg.norm(xyz - centroid, axis=1).mean())


def _face_height(radius: float) -> float:
    lo, hi = PI_FACE_HEIGHT_ANGSTROM
    return float(np.clip(np.sqrt(max(PI_FACE_ION_ATOM_ANGSTROM**2 - radius**2, 0.0)), lo, hi))


def _ring_hydrogens(mol: Chem.Mol, ring: tuple[int, ...]) -> dict[int, int]:
    """Ring atom -> its H atom, for ring atoms carrying exactly one H."""
    out = {}
    for a in ring:
        hs = [nb.GetIdx() for nb in mol.GetAtomWithIdx(a).GetNeighbors() if nb.GetSymbol() == "H"]
        if len(hs) == 1:
            out[a] = hs[0]
    return out


def _edge_sites(
    mol: Chem.Mol, coords: np.ndarray, ring: tuple[int, ...], centroid: np.ndarray, normal: np.ndarray
) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """In-plane ion positions beyond two adjacent ring C–H (or one C–H with no C–H neighbour)."""
    hs = _ring_hydrogens(mol, ring)
    sites = []
    paired: set[int] = set()
    for k, a in enumerate(ring):
        b = ring[(k + 1) % len(ring)]
        if a in hs and b in hs:
            ha, hb = coords[hs[a]], coords[hs[b]]
            mid = (ha + hb) / 2
            outward = _unit((mid - centroid) - normal * float((mid - centroid) @ normal))
            half = float(np.linalg.norm(ha - hb)) / 2
            reach = np.sqrt(max(EDGE_ION_H_ANGSTROM**2 - half**2, 0.64))
            sites.append((tuple(sorted((hs[a], hs[b]))), mid + reach * outward))
            paired.update((a, b))
    for a, h in hs.items():
        if a not in paired:
            sites.append(((h,), coords[h] + EDGE_ION_H_ANGSTROM * _unit(coords[h] - coords[a])))
    return sites


def ring_placements(mol: Chem.Mol, coords: np.ndarray) -> list[tuple[str, tuple[int, ...], np.ndarray]]:
    """(kind, targeted atoms, ion position) of every face, η² and edge placement on every aromatic
    ring, both faces, in a fixed order (rings, then face, bonds, edge)."""
    out = []
    for ring in aromatic_rings(mol):
        centroid, normal, radius = _ring_frame(coords, ring)
        height = _face_height(radius)
        for sign in (1.0, -1.0):
            out.append(("pi_face", tuple(sorted(ring)), centroid + sign * height * normal))
        for k, a in enumerate(ring):
            b = ring[(k + 1) % len(ring)]
            mid = (coords[a] + coords[b]) / 2
            half = float(np.linalg.norm(coords[a] - coords[b])) / 2
            lift = np.sqrt(max(PI_BOND_ION_ATOM_ANGSTROM**2 - half**2, 1.0))
            for sign in (1.0, -1.0):
                out.append(("pi_bond", tuple(sorted((a, b))), mid + sign * lift * normal))
        for targets, pos in _edge_sites(mol, coords, ring, centroid, normal):
            out.append(("edge", targets, pos))
    return out


def ring_poses(mol: Chem.Mol, conformers: list[Conformer]) -> list[LigandPose]:
    """Face, η² and edge poses on every conformer, kept where the ion is at least
    ``MIN_ION_NONDONOR_ANGSTROM`` from every atom it does not target (the clash rule of a site)."""
    poses = []
    for ci, conf in enumerate(conformers):
        coords = conf.coordinates_angstrom
        for kind, targets, pos in ring_placements(mol, coords):
            others = [i for i in range(len(coords)) if i not in targets]
            if others and np.linalg.norm(coords[others] - pos, axis=1).min() < MIN_ION_NONDONOR_ANGSTROM:
                continue
            poses.append(
                LigandPose(coords, pos, targets, "conformer", ci, conf.ff_energy_kcal_per_mol, kind=kind)
            )
    return poses
