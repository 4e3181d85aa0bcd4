"""Deduplication of pre-optimized candidates by coordination motif and heavy-atom RMSD.

Two candidates are the same structure when they bind the same donors (up to the symmetry of the
heavy-atom graph, e.g. swapped identical ligands or the two ends of DME) and their heavy atoms
overlay within the RMSD threshold after Kabsch alignment, mirror images included when no ligand
carries a stereocentre. The lower-energy one is kept and counts the other as a duplicate.
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem

from compchem.build.cluster import CONTACT_CUTOFF_ANGSTROM
from compchem.build.ligands import mol_from_smiles
from compchem.build.pose_complex import _complex_mol
from compchem.build.pose_model import Candidate
from compchem.chem import kabsch_rmsd


def _automorphisms(c: Candidate) -> tuple[list[int], list[np.ndarray]]:
    """Heavy-atom cluster indices and the heavy-atom graph automorphisms (as index arrays into
    that list) of a candidate's cluster (ion + ligands, no ion–ligand bonds)."""
    mols = [mol_from_smiles(lig.smiles, lig.charge, lig.name) for lig in c.ligands]
    cx = _complex_mol(c.symbols[0], c.charge - sum(lig.charge for lig in c.ligands), mols)
    heavy_mol = Chem.RemoveHs(cx)
    heavy = [i for i, s in enumerate(c.symbols) if s != "H"]
    if heavy_mol.GetNumAtoms() != len(heavy):
        return heavy, [np.arange(len(heavy))]
    matches = heavy_mol.GetSubstructMatches(heavy_mol, uniquify=False, useChirality=False, maxMatches=256)
    perms = [np.asarray(m) for m in matches] or [np.arange(len(heavy))]
    return heavy, perms


def _mirror_allowed(c: Candidate) -> bool:
    for lig in c.ligands:
        mol = Chem.MolFromSmiles(lig.smiles)
        if mol is None or any(a.GetChiralTag() != Chem.ChiralType.CHI_UNSPECIFIED for a in mol.GetAtoms()):
            return False
    return True


def _plain_order(c: Candidate) -> tuple[list[int], list[np.ndarray]]:
    """Heavy-atom cluster indices and only the identity permutation (symmetry switched off)."""
    return (
        [i for i, s in enumerate(c.symbols) if s != "H"],
        [np.arange(sum(s != "H" for s in c.symbols))],
    )


def _motif_key(c: Candidate, first: Candidate, heavy: list[int], perms: list[np.ndarray]) -> tuple:
    """The smallest ``(ligand, atom)`` motif of ``c`` over the permutations: symmetry-equivalent
    motifs share one key (owners are read off ``first``, whose atom order every candidate shares)."""
    pos = {idx: k for k, idx in enumerate(heavy)}
    idx = [c.cluster_index(li, a) for li, a in c.motif]
    keys = []
    for p in perms:
        keys.append(tuple(sorted(first.owner(heavy[p[pos[i]]]) for i in idx)))
    return min(keys) if keys else ()


def deduplicate(
    candidates: list[Candidate],
    rmsd_threshold_angstrom: float = 0.25,
    *,
    cutoff_angstrom: float = CONTACT_CUTOFF_ANGSTROM,
    symmetry: bool = True,
    mirror: bool = True,
) -> list[Candidate]:
    """Distinct candidates, sorted by pre-optimized energy (xTB first, then UFF, then unrelaxed).

    Candidates are grouped by coordination motif (``(ligand index, donor atom)`` within
    ``cutoff_angstrom`` of the ion); inside a motif, one whose heavy-atom RMSD after Kabsch
    alignment to a lower-energy kept one is below ``rmsd_threshold_angstrom`` is dropped (the kept
    one's ``n_duplicates`` counts it). ``symmetry``: symmetry-equivalent atoms (graph automorphisms,
    e.g. identical ligands swapped) give the same motif and are tried in the RMSD. ``mirror``: mirror
    images count as duplicates when no ligand has a specified stereocentre. With both off this is the
    plain same-atom-order comparison.
    """
    if not candidates:
        return []
    first = candidates[0]
    if any(c.symbols != first.symbols for c in candidates):
        raise ValueError("deduplicate: candidates of different clusters (atom lists differ)")
    for c in candidates:
        c.update_contacts(cutoff_angstrom)
        c.n_duplicates = 0
    heavy, perms = _automorphisms(first) if symmetry else _plain_order(first)
    reflect = mirror and _mirror_allowed(first)
    kept: dict[tuple, list[Candidate]] = {}
    distinct: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (*c.rank_key(), c.index)):
        key = c.motif_class = _motif_key(c, first, heavy, perms)
        a = c.coordinates_angstrom[heavy]
        dup = None
        for other in kept.get(key, []):
            b = other.coordinates_angstrom[heavy]
            if min(kabsch_rmsd(a, b[p], reflect) for p in perms) < rmsd_threshold_angstrom:
                dup = other
                break
        if dup is not None:
            dup.n_duplicates += 1
            continue
        kept.setdefault(key, []).append(c)
        distinct.append(c)
    return distinct
