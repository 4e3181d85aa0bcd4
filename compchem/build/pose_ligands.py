"""Ligand poses: every way one ligand can present donors to the ion, in the ligand's own frame.

Three sources, all seeded: sites on free RDKit conformers (single donors and the pairs/triples a
conformer can already chelate, :func:`compchem.build.cluster.enumerate_sites`); *wrapped*
conformers, embedded by distance geometry with the ion present so that 2…``max_denticity`` donors
reach it at once (:func:`wrapped_poses`); and random placements off a donor's lone pair. A ligand
without a lone-pair donor is searched on its aromatic rings instead (:mod:`compchem.build.pose_pi`).
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem, rdDistGeom
from rdkit.DistanceGeometry import DoTriangleSmoothing

from compchem.build.cluster import (
    CONTACT_CUTOFF_ANGSTROM,
    MIN_ION_NONDONOR_ANGSTROM,
    LigandInput,
    _single_site,
    _unit,
    enumerate_sites,
)
from compchem.build.ligands import donor_atoms, embed_conformers, force_field, mol_from_smiles, symbols_of
from compchem.build.pose_complex import _complex_mol, _force_field_energy, _ion_bounds
from compchem.build.pose_model import (
    RANDOM_TILT_DEGREES,
    WRAP_ION_DONOR_ANGSTROM,
    LigandPose,
)
from compchem.build.pose_pi import PLACEMENT_KINDS, aromatic_rings, ring_poses
from compchem.errors import StructureError

# The search logs under one name (log lines and filters predate the split into pose_* modules).
log = logging.getLogger("compchem.build.poses")


def _wrapped_bounds(cx: Chem.Mol, windows: list[tuple[int, float, float]]) -> np.ndarray | None:
    """The complex's bounds matrix with the ion windows written in, triangle-smoothed; None when
    the windows contradict the ligand's own geometry."""
    bm = rdDistGeom.GetMoleculeBoundsMatrix(cx)
    for j, lo, hi in windows:  # upper triangle holds upper bounds, lower triangle lower bounds
        bm[0, j], bm[j, 0] = hi, lo
    return bm if DoTriangleSmoothing(bm) else None


def _embed_with_bounds(cx: Chem.Mol, bm: np.ndarray, n_conformers: int, seed: int) -> tuple[Chem.Mol, list]:
    """ETKDGv3 conformers of the complex on the edited bounds matrix (random start coordinates:
    the edited bounds are often not embeddable from the eigenvector guess)."""
    params = rdDistGeom.ETKDGv3()
    params.randomSeed = int(seed)
    params.embedFragmentsSeparately = False
    params.useRandomCoords = True
    params.pruneRmsThresh = 0.3
    params.numThreads = 1
    params.SetBoundsMat(bm)
    m = Chem.Mol(cx)
    ids = list(rdDistGeom.EmbedMultipleConfs(m, numConfs=max(1, n_conformers), params=params))
    return m, ids


def _relax_restrained(
    m: Chem.Mol, cid: int, props, field: str, windows: list[tuple[int, float, float]]
) -> bool:
    """Minimize conformer ``cid`` with ``field`` (``"MMFF94"`` or ``"UFF"``) under flat-bottom ion
    restraints of the embedding windows; False when the force field could not be set up."""
    if field == "MMFF94":
        ff = AllChem.MMFFGetMoleculeForceField(m, props, confId=cid, ignoreInterfragInteractions=False)
        add = ff.MMFFAddDistanceConstraint
    else:
        ff = AllChem.UFFGetMoleculeForceField(m, confId=cid, ignoreInterfragInteractions=False)
        add = ff.UFFAddDistanceConstraint
    if ff is None:
        return False
    for j, lo, hi in windows:
        add(0, j, False, lo, hi, 500.0)
    ff.Minimize(maxIts=2000)
    return True


def _wrapped_pose(
    mol: Chem.Mol, xyz: np.ndarray, donors: tuple[int, ...], index: int, relaxed: bool = True
) -> LigandPose | None:
    """The relaxed complex ``xyz`` (ion first) as a pose, or None when the restraints did not hold
    (a donor drifted off, or another atom came too close to the ion). A conformer kept as embedded
    (``relaxed`` False) needs its donors only within the contact cutoff that counts them as bound."""
    dist = np.linalg.norm(xyz[1:] - xyz[0], axis=1)
    donor_d = dist[list(donors)]
    others = [i for i in range(len(dist)) if i not in donors]
    if (
        donor_d.max() > (WRAP_ION_DONOR_ANGSTROM[1] + 0.2 if relaxed else CONTACT_CUTOFF_ANGSTROM)
        or donor_d.min() < 1.7
        or (others and dist[others].min() < MIN_ION_NONDONOR_ANGSTROM + 0.3)
    ):
        return None
    return LigandPose(
        xyz[1:].copy(),
        xyz[0].copy(),
        tuple(donors),
        "wrapped",
        index,
        _force_field_energy(mol, xyz[1:]),
        float(np.abs(donor_d - np.mean(WRAP_ION_DONOR_ANGSTROM)).max()),
    )


def wrapped_poses(
    mol: Chem.Mol,
    donors: tuple[int, ...],
    n_conformers: int,
    seed: int,
    *,
    ion_symbol: str = "Li",
    ion_charge: int = 1,
    label: str = "ligand",
) -> list[LigandPose]:
    """Conformers of ``mol`` in which all ``donors`` reach one ion at once.

    The ligand is embedded together with the ion (ETKDGv3 on an edited bounds matrix: ion–donor
    1.9–2.1 Å, other heavy atoms ≥ 2.8 Å, their neighbours ≥ 2.4 Å, H ≥ 2.3 Å), relaxed with MMFF94
    (UFF where MMFF lacks parameters) under flat-bottom restraints of the same windows, and the ion is
    removed. An impossible combination (e.g. two donors of one rigid ring) yields an empty list.
    """
    cx = _complex_mol(ion_symbol, ion_charge, [mol])
    targets = tuple(d + 1 for d in donors)
    windows = _ion_bounds(cx, targets)
    bm = _wrapped_bounds(cx, windows)
    if bm is None:
        log.info(
            "ligand '%s': donors %s cannot reach one ion (bounds not triangle-consistent)",
            label,
            list(donors),
        )
        return []
    m, ids = _embed_with_bounds(cx, bm, n_conformers, seed)
    if not ids:
        log.info("ligand '%s': no embedding with donors %s around the ion", label, list(donors))
        return []
    # no force field types a Zn²⁺ linker model: its conformers stay as embedded (the embedding only
    # approaches the windows) and the GFN2-xTB pre-optimization of the candidate relaxes them
    field = force_field(m)
    props = AllChem.MMFFGetMoleculeProperties(m) if field == "MMFF94" else None
    poses: list[LigandPose] = []
    for cid in ids:
        if field is not None and not _relax_restrained(m, cid, props, field, windows):
            continue
        xyz = np.array(m.GetConformer(cid).GetPositions())
        pose = _wrapped_pose(mol, xyz, donors, len(poses), relaxed=field is not None)
        if pose is not None:
            poses.append(pose)
    poses.sort(key=lambda p: p.strain_kcal_per_mol)
    return poses


def _random_pose(
    mol: Chem.Mol, conformers: list, donors: list[int], rng: np.random.Generator, index: int
) -> LigandPose | None:
    """The ion at 1.9–2.2 Å from a random donor of a random conformer, its lone-pair direction tilted
    by up to ``RANDOM_TILT_DEGREES``; None when every try hits another atom."""
    symbols = symbols_of(mol)
    for _ in range(20):
        ci = int(rng.integers(len(conformers)))
        donor = int(donors[int(rng.integers(len(donors)))])
        coords = conformers[ci].coordinates_angstrom
        axis = _unit(_single_site(mol, coords, donor) - coords[donor])
        perp = _unit(np.cross(axis, rng.normal(size=3)))
        tilt = np.deg2rad(rng.uniform(0.0, RANDOM_TILT_DEGREES))
        direction = np.cos(tilt) * axis + np.sin(tilt) * perp
        pos = coords[donor] + rng.uniform(1.9, 2.2) * direction
        others = [i for i in range(len(symbols)) if i != donor]
        if not others or np.linalg.norm(coords[others] - pos, axis=1).min() >= MIN_ION_NONDONOR_ANGSTROM:
            return LigandPose(coords, pos, (donor,), "random", index, conformers[ci].ff_energy_kcal_per_mol)
    return None


@dataclass
class _LigandSearch:
    """One ligand's molecule, donor atoms and every pose found for it."""

    ligand: LigandInput
    mol: Chem.Mol
    symbols: list[str]
    donors: list[int]
    poses: list[LigandPose]

    def groups(self) -> list[list[LigandPose]]:
        """Poses grouped by targeted donors: most donors first, then least strained."""
        by: dict[tuple[int, ...], list[LigandPose]] = {}
        for p in self.poses:
            by.setdefault(p.donors, []).append(p)
        for g in by.values():
            g.sort(key=lambda p: (p.strain_kcal_per_mol, p.placement_error_angstrom))
        return sorted(by.values(), key=lambda g: (-len(g[0].donors), g[0].strain_kcal_per_mol, g[0].donors))


def _capped_denticity(
    ligand: LigandInput, n_donors: int, max_denticity: int, label: str, notes: list[str]
) -> int:
    """``max_denticity`` capped at the ligand's donor count (the cap is logged and noted)."""
    denticity = min(max_denticity, n_donors)
    if max_denticity > n_donors:
        note = (
            f"ligand '{ligand.name}' has {n_donors} donor atom(s); max_denticity {max_denticity} "
            f"capped at {denticity}"
        )
        log.warning("cluster '%s': %s", label, note)
        notes.append(note)
    return denticity


def _site_poses(mol: Chem.Mol, conformers: list, denticity: int) -> list[LigandPose]:
    """Ion sites on the free conformers (single donors and the chelates a conformer already offers)."""
    return [
        LigandPose(
            conformers[s.conformer].coordinates_angstrom,
            s.ion_position,
            s.donors,
            "conformer",
            s.conformer,
            conformers[s.conformer].ff_energy_kcal_per_mol,
            s.placement_error_angstrom,
        )
        for s in enumerate_sites(mol, conformers, max_denticity=denticity)
    ]


def _all_wrapped_poses(
    mol: Chem.Mol,
    donors: list[int],
    denticity: int,
    n_conformers: int,
    lig_seed: int,
    *,
    ion_symbol: str,
    ion_charge: int,
    name: str,
) -> list[LigandPose]:
    """Wrapped conformers for every combination of 2…``denticity`` donors (each with its own seed)."""
    poses: list[LigandPose] = []
    for k in range(2, denticity + 1):
        for ci, combo in enumerate(itertools.combinations(donors, k)):
            poses.extend(
                wrapped_poses(
                    mol,
                    combo,
                    n_conformers,
                    lig_seed + 7919 * k + 131 * ci,
                    ion_symbol=ion_symbol,
                    ion_charge=ion_charge,
                    label=name,
                )
            )
    return poses


def _random_poses(
    mol: Chem.Mol, conformers: list, donors: list[int], n_random: int, lig_seed: int
) -> list[LigandPose]:
    """Up to ``n_random`` random placements (one seeded generator per ligand)."""
    rng = np.random.default_rng(lig_seed + 17)
    poses = []
    for r in range(n_random):
        pose = _random_pose(mol, conformers, donors, rng, r)
        if pose is not None:
            poses.append(pose)
    return poses


def ligand_poses(
    ligand: LigandInput,
    ligand_index: int,
    *,
    ion_symbol: str,
    ion_charge: int,
    seed: int,
    n_conformers: int,
    max_denticity: int,
    n_random: int,
    label: str,
    notes: list[str],
    pi_sites: bool = False,
) -> _LigandSearch:
    """Every pose of one ligand (free-conformer sites, wrapped conformers, random placements).

    A ligand without a lone-pair donor gets the cation–π and C–H edge poses of its aromatic rings
    instead (:mod:`compchem.build.pose_pi`); ``pi_sites`` adds them to every aromatic ligand."""
    mol = mol_from_smiles(ligand.smiles, ligand.charge, ligand.name)
    donors = donor_atoms(mol)
    if not donors and not aromatic_rings(mol):
        raise StructureError(
            f"cluster '{label}': ligand '{ligand.name}' has no donor atom "
            "(O, N or F with a lone pair) to bind the ion"
        )
    lig_seed = seed + 101 * ligand_index
    if not donors:
        return _ring_search(ligand, mol, n_conformers, lig_seed, label)
    denticity = _capped_denticity(ligand, len(donors), max_denticity, label, notes)
    conformers = embed_conformers(mol, n_conformers, lig_seed, ligand.name, ligand.held_distances)
    sites = _site_poses(mol, conformers, denticity)
    wrapped = _all_wrapped_poses(
        mol,
        donors,
        denticity,
        n_conformers,
        lig_seed,
        ion_symbol=ion_symbol,
        ion_charge=ion_charge,
        name=ligand.name,
    )
    randoms = _random_poses(mol, conformers, donors, n_random, lig_seed)
    poses = (
        sites + wrapped + randoms + (_logged_ring_poses(mol, conformers, ligand, label) if pi_sites else [])
    )
    if not poses:
        raise StructureError(f"cluster '{label}': no accessible binding site on '{ligand.name}'")
    log.info(
        "cluster '%s', ligand '%s': %d donors, %d conformers -> %d conformer sites, %d wrapped, "
        "%d random poses",
        label,
        ligand.name,
        len(donors),
        len(conformers),
        len(sites),
        len(wrapped),
        len(randoms),
    )
    return _LigandSearch(ligand, mol, symbols_of(mol), donors, poses)


def _logged_ring_poses(mol: Chem.Mol, conformers: list, ligand: LigandInput, label: str) -> list[LigandPose]:
    """The ring poses of :func:`compchem.build.pose_pi.ring_poses`, counted per kind in the log."""
    poses = ring_poses(mol, conformers)
    counts = {k: sum(p.kind == k for p in poses) for k in PLACEMENT_KINDS[1:]}
    log.info(
        "cluster '%s', ligand '%s': %d aromatic ring(s) -> %s ring poses",
        label,
        ligand.name,
        len(aromatic_rings(mol)),
        ", ".join(f"{n} {k}" for k, n in counts.items()),
    )
    return poses


def _ring_search(
    ligand: LigandInput, mol: Chem.Mol, n_conformers: int, lig_seed: int, label: str
) -> _LigandSearch:
    """The search of a ligand without lone-pair donors: only its ring (cation–π, edge) poses."""
    conformers = embed_conformers(mol, n_conformers, lig_seed, ligand.name, ligand.held_distances)
    poses = _logged_ring_poses(mol, conformers, ligand, label)
    if not poses:
        raise StructureError(f"cluster '{label}': no accessible binding site on '{ligand.name}'")
    return _LigandSearch(ligand, mol, symbols_of(mol), [], poses)
