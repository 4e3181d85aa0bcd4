"""Covalent bonds read off a bare geometry (element symbols and coordinates, no bond graph).

Two atoms are bonded when their distance is below ``BOND_FACTOR`` times the sum of their covalent
radii (ASE's table). The cation–π perception (:mod:`compchem.build.ring_contacts`) builds its rings
from this criterion, and :func:`interfragment_bonds` uses it to flag a cluster whose ligands have
bonded to each other during an optimization (a Zn²⁺ of one linker model taking the free N of
another, a proton moved between ligands): such a cluster's E_bind counts the new bond, not only
the ion's binding, and the tables say so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ase.data import atomic_numbers, covalent_radii

#: Bond criterion: distance below this factor times the sum of covalent radii. A hydrogen bond
#: (H···O about 1.8 Å, 1.16 Å limit) and a Li⁺–O contact (about 1.9 Å, 1.75 Å limit) stay below it;
#: a dative Zn–N bond (2.0–2.1 Å, 2.32 Å limit) is counted.
BOND_FACTOR = 1.2


def _radii(symbols: list[str]) -> np.ndarray:
    return np.array([covalent_radii[atomic_numbers.get(s, 6)] for s in symbols])


def bonded(symbols: list[str], coords: Any, i: int, j: int) -> bool:
    """Whether atoms ``i`` and ``j`` are bonded by the covalent-radius criterion."""
    ri, rj = _radii([symbols[i], symbols[j]])
    xyz = np.asarray(coords, dtype=float)
    return float(np.linalg.norm(xyz[i] - xyz[j])) < BOND_FACTOR * (ri + rj)


def interfragment_bonds(
    symbols: list[str],
    coords: Any,
    fragments: list[dict[str, Any]],
    ion_index: int = 0,
) -> list[dict[str, Any]]:
    """Bonds between atoms of two different ligand fragments (the ion's fragment left out), shortest
    first: ``label`` reads ``Zn_Im2_NH3#1:Zn1-Zn_Im2_NH3#2:N12`` (fragment, ``#k`` for the k-th copy
    of a ligand that occurs more than once, element and 1-based atom number inside the fragment),
    with ``indices`` (0-based, in the cluster) and ``distance_angstrom``."""
    xyz = np.asarray(coords, dtype=float).reshape(-1, 3)
    ligands = [f for f in fragments if ion_index not in f["atom_indices"]]
    counts: dict[str, int] = {}
    for f in ligands:
        counts[f["name"]] = counts.get(f["name"], 0) + 1
    seen: dict[str, int] = {}
    names = []
    for f in ligands:
        seen[f["name"]] = seen.get(f["name"], 0) + 1
        names.append(f"{f['name']}#{seen[f['name']]}" if counts[f["name"]] > 1 else f["name"])
    radii = _radii(list(symbols))
    bonds = []
    for a in range(len(ligands)):
        for b in range(a + 1, len(ligands)):
            ia, ib = np.asarray(ligands[a]["atom_indices"]), np.asarray(ligands[b]["atom_indices"])
            dist = np.linalg.norm(xyz[ia][:, None, :] - xyz[ib][None, :, :], axis=-1)
            limit = BOND_FACTOR * (radii[ia][:, None] + radii[ib][None, :])
            for p, q in zip(*np.nonzero(dist < limit), strict=True):
                i, j = int(ia[p]), int(ib[q])
                bonds.append(
                    {
                        "label": f"{names[a]}:{symbols[i]}{p + 1}-{names[b]}:{symbols[j]}{q + 1}",
                        "indices": [i, j],
                        "distance_angstrom": round(float(dist[p, q]), 4),
                    }
                )
    return sorted(bonds, key=lambda bond: bond["distance_angstrom"])


def bonds_text(bonds: list[dict[str, Any]]) -> str:
    """``interfragment_bonds`` as one table cell: ``label (d Å)`` joined by '; ', empty when none."""
    return "; ".join(f"{b['label']} ({b['distance_angstrom']:.2f} Å)" for b in bonds)
