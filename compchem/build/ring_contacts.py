"""Cation–π contacts read off a bare geometry: which planar ring the ion sits over.

Every contact list of the project (build records, pose summaries, binding tables, plots) comes from
:func:`compchem.build.cluster.ion_contacts`, which sees element symbols and coordinates only, no
bond graph. A Li⁺ on the face of an aromatic ring is bound to the ring as a whole, not to the one
N atom that happens to be within the donor cutoff, so this module perceives rings from covalent
radii and recognizes the π geometry: a planar 5- or 6-ring of sp2 atoms (no ring atom with more
than three non-metal neighbours), the ion at least 1 Å off the ring plane and its foot on the plane inside
the ring. An ion bound in the ring plane (a lone-pair donor such as imidazole N3) or over a
puckered saturated ring (dioxolane, crown ether) never qualifies, so the contacts of every
structure without a cation–π contact are what they were before this module existed.
"""

from __future__ import annotations

import numpy as np

from compchem.build.bonds import bonded

#: Elements that can be ring members of an aromatic ring the ion binds to.
RING_ELEMENTS = frozenset({"B", "C", "N", "O", "P", "S", "Si"})
#: Neighbours counted for the sp2 test (a ring N bound to Zn²⁺ or the ion stays sp2).
NONMETALS = frozenset({"H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl", "Se", "Br", "I"})
#: Largest out-of-plane deviation (Å) of a ring atom for the ring to count as planar.
PLANARITY_ANGSTROM = 0.15
#: Smallest ion height (Å) above the ring plane for a π contact (in-plane binding is σ).
MIN_HEIGHT_ANGSTROM = 1.0
#: Only atoms this close to the ion (Å) are searched for rings (keeps the search local and cheap).
SEARCH_RADIUS_ANGSTROM = 4.0


def _small_rings(adjacency: dict[int, set[int]]) -> list[tuple[int, ...]]:
    """Simple cycles of 5 or 6 atoms, each once, as atom tuples in ring order."""
    rings: dict[frozenset[int], tuple[int, ...]] = {}

    def walk(path: list[int]) -> None:
        for nb in adjacency[path[-1]]:
            if nb == path[0] and len(path) >= 5:
                rings.setdefault(frozenset(path), tuple(path))
            elif nb > path[0] and nb not in path and len(path) < 6:
                walk([*path, nb])

    for start in sorted(adjacency):
        walk([start])
    return list(rings.values())


def _planar_sp2_rings(
    symbols: list[str], coords: np.ndarray, near: list[int], ion_index: int
) -> list[tuple[int, ...]]:
    """Planar 5/6-rings among ``near`` whose atoms have at most three bonded non-metal neighbours
    (an sp3 ring atom has four; metals, the ion included, are left out of the count)."""
    members = [i for i in near if symbols[i] in RING_ELEMENTS]
    adjacency = {i: {j for j in members if j != i and bonded(symbols, coords, i, j)} for i in members}
    out = []
    for ring in _small_rings(adjacency):
        xyz = coords[list(ring)]
        centred = xyz - xyz.mean(axis=0)
        normal = np.linalg.svd(centred)[2][-1]
        if np.abs(centred @ normal).max() > PLANARITY_ANGSTROM:
            continue
        degree = [
            sum(
                bonded(symbols, coords, a, k)
                for k in range(len(symbols))
                if k not in (a, ion_index) and symbols[k] in NONMETALS
            )
            for a in ring
        ]
        if max(degree) <= 3:
            out.append(ring)
    return out


def pi_rings(
    symbols: list[str], coords: np.ndarray, ion_index: int, cutoff_angstrom: float
) -> list[tuple[list[int], float]]:
    """Rings the ion binds over: (ring atom indices ascending, ion–centroid distance in Å), nearest
    first; rings sharing atoms with a nearer one (the other half of a fused system) are left out."""
    coords = np.asarray(coords, dtype=float)
    ion = coords[ion_index]
    dists = np.linalg.norm(coords - ion, axis=1)
    near = [i for i in range(len(symbols)) if i != ion_index and dists[i] <= SEARCH_RADIUS_ANGSTROM]
    found: list[tuple[list[int], float]] = []
    for ring in _planar_sp2_rings(symbols, coords, near, ion_index):
        xyz = coords[list(ring)]
        centroid = xyz.mean(axis=0)
        normal = np.linalg.svd(xyz - centroid)[2][-1]
        offset = ion - centroid
        distance = float(np.linalg.norm(offset))
        height = abs(float(offset @ normal))
        lateral = float(np.sqrt(max(distance**2 - height**2, 0.0)))
        radius = float(np.linalg.norm(xyz - centroid, axis=1).mean())
        if distance <= cutoff_angstrom and height >= MIN_HEIGHT_ANGSTROM and lateral <= radius:
            found.append((sorted(ring), distance))
    found.sort(key=lambda r: r[1])
    kept: list[tuple[list[int], float]] = []
    for atoms, distance in found:
        if not any(set(atoms) & set(k) for k, _ in kept):
            kept.append((atoms, distance))
    return kept


def ring_label(symbols: list[str], local_numbers: list[int], ring: list[int]) -> str:
    """``(C1,C2,N3,C4,C5)``: the ring atoms' elements and 1-based numbers inside their fragment."""
    return "(" + ",".join(f"{symbols[i]}{n}" for i, n in zip(ring, local_numbers, strict=True)) + ")"
