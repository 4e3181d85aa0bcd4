"""Coordination-aware pose and conformer search for ion–ligand clusters (SCIENCE.md §3).

A chain ligand can wrap Li⁺ with 2, 3 or 4 donors and the binding energy moves by an eV between such
poses, so one relaxed guess is not enough. The search here:

1. **Ligand poses.** For each ligand: seeded RDKit conformers with the ion placed at every donor atom
   and at every pair/triple of donors that a free conformer can already chelate
   (:func:`compchem.build.cluster.enumerate_sites`); *wrapped* conformers, embedded by distance
   geometry **with the ion present** (bounds matrix: ion–targeted donor 1.9–2.1 Å, ion kept away from
   every other heavy atom), relaxed with MMFF94 under the same restraints and then stripped of the
   ion, for every combination of 2…``max_denticity`` donors; and ``n_random`` random placements
   (lone-pair direction tilted at random).
2. **Assembly.** One ligand: every pose is a candidate. Several ligands: poses are placed along a
   randomly rotated set of directions around the ion and spun until no clash remains (the direction
   sets and clash checks of :mod:`compchem.build.cluster`). Every candidate records the donors it
   targeted.
3. **Pre-optimization.** A diverse subset (round-robin over the targeted motifs, least strained
   first) is relaxed with GFN2-xTB (tblite + ASE BFGS); where tblite fails, with UFF and ion–donor
   restraints, else left as built. The record names the method actually used.
4. **Deduplication.** Candidates are grouped by coordination motif (donors within 2.6 Å of the ion);
   inside a motif, a candidate whose heavy-atom RMSD (Kabsch) to a lower-energy one is below the
   threshold is dropped. Symmetry-equivalent atoms (RDKit automorphisms of the heavy-atom graph,
   e.g. swapped identical ligands or the two ends of DME) and mirror images (when no ligand carries
   a stereocentre) count as the same structure unless switched off.

Clash thresholds of a built candidate: atoms of different ligands at least 2.5 Å apart (both heavy)
or 1.8 Å (an H involved); the ion at least 1.7 Å from every atom that is not a targeted donor and at
least 1.5 Å from the targeted donors.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import itertools
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem, rdDistGeom
from rdkit.DistanceGeometry import DoTriangleSmoothing

from compchem.backends.xtb import preoptimize
from compchem.build.cluster import (
    _DIRECTIONS,
    CONTACT_CUTOFF_ANGSTROM,
    MIN_CONTACT_H_ANGSTROM,
    MIN_CONTACT_HEAVY_ANGSTROM,
    MIN_ION_NONDONOR_ANGSTROM,
    LigandInput,
    Site,
    _clashes,
    _place,
    _single_site,
    _unit,
    enumerate_sites,
    ion_contacts,
)
from compchem.build.ligands import donor_atoms, embed_conformers, mol_from_smiles, symbols_of
from compchem.chem import kabsch_rmsd, pair_distances
from compchem.errors import InputError, StructureError
from compchem.io.xyz import format_xyz
from compchem.units import HARTREE_TO_EV

log = logging.getLogger(__name__)

#: Ion–targeted donor distance window (Å) imposed when a ligand is embedded around the ion.
WRAP_ION_DONOR_ANGSTROM = (1.9, 2.1)
#: Smallest ion distance (Å) to a heavy atom bonded to a targeted donor, to other heavy atoms, and
#: to H atoms, imposed in the wrapped embedding (keeps non-targeted donors off the ion).
WRAP_ION_NEIGHBOUR_ANGSTROM = 2.4
WRAP_ION_OTHER_HEAVY_ANGSTROM = 2.8
WRAP_ION_H_ANGSTROM = 2.3
#: Ion–targeted donor distance (Å) below which a built candidate is a clash.
MIN_ION_DONOR_ANGSTROM = 1.5
#: Largest random tilt (degrees) of the ion off a donor's lone-pair direction in random placements.
RANDOM_TILT_DEGREES = 40.0
#: Interatomic distance (Å) below which a relaxed structure is treated as collapsed (failed).
COLLAPSE_ANGSTROM = 0.6
#: Ranking of pre-optimization methods: xTB energies first (comparable among themselves), then
#: UFF (kcal/mol, only comparable among UFF results), then unrelaxed structures.
_METHOD_RANK = {"GFN2-xTB": 0, "GFN1-xTB": 0, "UFF": 1, "none": 2, "not run": 3}


@dataclass(frozen=True)
class LigandPose:
    """One ligand geometry with an ion position in the ligand's frame (Å) and the targeted donors."""

    coordinates_angstrom: np.ndarray
    ion_position: np.ndarray
    donors: tuple[int, ...]
    origin: str  # "conformer" (site on a free conformer), "wrapped" (embedded with the ion), "random"
    conformer: int
    strain_kcal_per_mol: float
    placement_error_angstrom: float = 0.0

    def site(self) -> Site:
        """The pose as a :class:`~compchem.build.cluster.Site` (for ``_place``/``_clashes``)."""
        return Site(self.conformer, self.donors, self.ion_position, self.placement_error_angstrom)


@dataclass
class Candidate:
    """One assembled cluster candidate, what it targeted and what the pre-optimization made of it.

    ``targets`` holds ``(ligand index, ligand-local 0-based donor atoms)`` per ligand; ``motif`` the
    ``(ligand index, ligand-local atom)`` pairs within 2.6 Å of the ion after pre-optimization.
    Atom order: the ion first, then each ligand's atoms (``fragments`` gives the indices).
    """

    label: str
    symbols: list[str]
    fragments: list[dict[str, Any]]
    charge: int
    multiplicity: int
    ligands: tuple[LigandInput, ...]
    targets: tuple[tuple[int, tuple[int, ...]], ...]
    origins: tuple[str, ...]
    conformers: tuple[int, ...]
    strain_kcal_per_mol: float
    initial_coordinates_angstrom: np.ndarray
    coordinates_angstrom: np.ndarray
    index: int = 0
    preopt_method: str = "not run"
    preopt_energy_hartree: float = float("nan")
    preopt_ff_energy_kcal_per_mol: float = float("nan")
    preopt_steps: int = 0
    preopt_converged: bool = False
    preopt_wall_s: float = 0.0
    xtb_wall_s: float = 0.0
    preopt_note: str = ""
    contacts: list[dict[str, Any]] = field(default_factory=list)
    motif: frozenset[tuple[int, int]] = frozenset()
    motif_class: tuple[tuple[int, int], ...] = ()
    n_duplicates: int = 0

    def owner(self, index: int) -> tuple[int, int]:
        """(ligand index, ligand-local atom) of a cluster atom index (ligand index -1: the ion)."""
        for li, frag in enumerate(self.fragments[1:]):
            if index in frag["atom_indices"]:
                return li, frag["atom_indices"].index(index)
        return -1, 0

    def cluster_index(self, ligand: int, atom: int) -> int:
        """Cluster atom index of ligand-local ``atom`` of ligand ``ligand``."""
        return self.fragments[ligand + 1]["atom_indices"][atom]

    def targeted_indices(self) -> list[int]:
        """Cluster indices of the targeted donors."""
        return [self.cluster_index(li, d) for li, donors in self.targets for d in donors]

    def update_contacts(self, cutoff_angstrom: float = CONTACT_CUTOFF_ANGSTROM) -> None:
        """Recompute ``contacts`` and ``motif`` from the current coordinates."""
        contacts = ion_contacts(self.symbols, self.coordinates_angstrom, self.fragments, 0, cutoff_angstrom)
        for c in contacts:
            li, local = self.owner(c["index"])
            c["ligand_index"], c["ligand_atom"] = li, local
        self.contacts = contacts
        self.motif = frozenset((c["ligand_index"], c["ligand_atom"]) for c in contacts)

    def rank_key(self) -> tuple[int, float]:
        """Sort key: method class first (xTB, UFF, none), then that method's energy."""
        rank = _METHOD_RANK.get(self.preopt_method, 3)
        if rank == 0:
            energy = self.preopt_energy_hartree
        elif rank == 1:
            energy = self.preopt_ff_energy_kcal_per_mol
        else:
            energy = self.strain_kcal_per_mol
        return rank, energy if np.isfinite(energy) else math.inf


class CandidateList(list):
    """A list of clash-free candidates with the number of assemblies tried and build notes."""

    def __init__(self, items: list[Candidate] = (), n_generated: int = 0, notes: list[str] | None = None):
        super().__init__(items)
        self.n_generated = n_generated
        self.notes = list(notes or [])


# --------------------------------------------------------------------------------------------------
# Ligand poses
# --------------------------------------------------------------------------------------------------


def _force_field_energy(mol: Chem.Mol, coords: np.ndarray) -> float:
    """MMFF94 energy (UFF where MMFF lacks parameters) of ``mol`` at ``coords`` in kcal/mol."""
    m = Chem.Mol(mol)
    m.RemoveAllConformers()
    conf = Chem.Conformer(m.GetNumAtoms())
    for i, xyz in enumerate(coords):
        conf.SetAtomPosition(i, [float(v) for v in xyz])
    m.AddConformer(conf, assignId=True)
    if AllChem.MMFFHasAllMoleculeParams(m):
        ff = AllChem.MMFFGetMoleculeForceField(m, AllChem.MMFFGetMoleculeProperties(m))
    else:
        ff = AllChem.UFFGetMoleculeForceField(m)
    return float(ff.CalcEnergy()) if ff is not None else float("nan")


def _complex_mol(ion_symbol: str, ion_charge: int, mols: list[Chem.Mol]) -> Chem.Mol:
    """The ion (atom 0) and the ligands as one sanitized RDKit molecule (no ion–ligand bonds)."""
    ion = Chem.RWMol()
    atom = Chem.Atom(ion_symbol)
    atom.SetFormalCharge(int(ion_charge))
    atom.SetNoImplicit(True)
    ion.AddAtom(atom)
    cx = ion.GetMol()
    for mol in mols:
        cx = Chem.CombineMols(cx, mol)
    Chem.SanitizeMol(cx)
    return cx


def _ion_bounds(cx: Chem.Mol, targets: tuple[int, ...]) -> list[tuple[int, float, float]]:
    """(atom, lower, upper) ion distance windows for a wrapped embedding (complex indices)."""
    out = []
    for atom in cx.GetAtoms():
        j = atom.GetIdx()
        if j == 0:
            continue
        if j in targets:
            out.append((j, *WRAP_ION_DONOR_ANGSTROM))
        elif atom.GetSymbol() == "H":
            out.append((j, WRAP_ION_H_ANGSTROM, 99.0))
        elif any(nb.GetIdx() in targets for nb in atom.GetNeighbors()):
            out.append((j, WRAP_ION_NEIGHBOUR_ANGSTROM, 99.0))
        else:
            out.append((j, WRAP_ION_OTHER_HEAVY_ANGSTROM, 99.0))
    return out


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
    bm = rdDistGeom.GetMoleculeBoundsMatrix(cx)
    for j, lo, hi in windows:  # upper triangle holds upper bounds, lower triangle lower bounds
        bm[0, j], bm[j, 0] = hi, lo
    if not DoTriangleSmoothing(bm):
        log.info(
            "ligand '%s': donors %s cannot reach one ion (bounds not triangle-consistent)",
            label,
            list(donors),
        )
        return []
    params = rdDistGeom.ETKDGv3()
    params.randomSeed = int(seed)
    params.embedFragmentsSeparately = False
    params.useRandomCoords = True
    params.pruneRmsThresh = 0.3
    params.numThreads = 1
    params.SetBoundsMat(bm)
    m = Chem.Mol(cx)
    ids = list(rdDistGeom.EmbedMultipleConfs(m, numConfs=max(1, n_conformers), params=params))
    if not ids:
        log.info("ligand '%s': no embedding with donors %s around the ion", label, list(donors))
        return []
    use_mmff = AllChem.MMFFHasAllMoleculeParams(m)
    props = AllChem.MMFFGetMoleculeProperties(m) if use_mmff else None
    poses = []
    for cid in ids:
        if use_mmff:
            ff = AllChem.MMFFGetMoleculeForceField(m, props, confId=cid, ignoreInterfragInteractions=False)
            add = ff.MMFFAddDistanceConstraint
        else:
            ff = AllChem.UFFGetMoleculeForceField(m, confId=cid, ignoreInterfragInteractions=False)
            add = ff.UFFAddDistanceConstraint
        if ff is None:
            continue
        for j, lo, hi in windows:
            add(0, j, False, lo, hi, 500.0)
        ff.Minimize(maxIts=2000)
        xyz = np.array(m.GetConformer(cid).GetPositions())
        dist = np.linalg.norm(xyz[1:] - xyz[0], axis=1)
        donor_d = dist[list(donors)]
        others = [i for i in range(len(dist)) if i not in donors]
        if (
            donor_d.max() > WRAP_ION_DONOR_ANGSTROM[1] + 0.2
            or donor_d.min() < 1.7
            or (others and dist[others].min() < MIN_ION_NONDONOR_ANGSTROM + 0.3)
        ):
            continue
        poses.append(
            LigandPose(
                xyz[1:].copy(),
                xyz[0].copy(),
                tuple(donors),
                "wrapped",
                len(poses),
                _force_field_energy(mol, xyz[1:]),
                float(np.abs(donor_d - np.mean(WRAP_ION_DONOR_ANGSTROM)).max()),
            )
        )
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
) -> _LigandSearch:
    """Every pose of one ligand (free-conformer sites, wrapped conformers, random placements)."""
    mol = mol_from_smiles(ligand.smiles, ligand.charge, ligand.name)
    donors = donor_atoms(mol)
    if not donors:
        raise StructureError(
            f"cluster '{label}': ligand '{ligand.name}' has no donor atom "
            "(O, N or F with a lone pair) to bind the ion"
        )
    denticity = min(max_denticity, len(donors))
    if max_denticity > len(donors):
        note = (
            f"ligand '{ligand.name}' has {len(donors)} donor atom(s); max_denticity {max_denticity} "
            f"capped at {denticity}"
        )
        log.warning("cluster '%s': %s", label, note)
        notes.append(note)
    lig_seed = seed + 101 * ligand_index
    conformers = embed_conformers(mol, n_conformers, lig_seed, ligand.name)
    poses = [
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
    n_sites = len(poses)
    n_wrap = 0
    for k in range(2, denticity + 1):
        for ci, combo in enumerate(itertools.combinations(donors, k)):
            wrapped = wrapped_poses(
                mol,
                combo,
                n_conformers,
                lig_seed + 7919 * k + 131 * ci,
                ion_symbol=ion_symbol,
                ion_charge=ion_charge,
                label=ligand.name,
            )
            n_wrap += len(wrapped)
            poses.extend(wrapped)
    rng = np.random.default_rng(lig_seed + 17)
    n_rand = 0
    for r in range(n_random):
        pose = _random_pose(mol, conformers, donors, rng, r)
        if pose is not None:
            poses.append(pose)
            n_rand += 1
    if not poses:
        raise StructureError(f"cluster '{label}': no accessible binding site on '{ligand.name}'")
    log.info(
        "cluster '%s', ligand '%s': %d donors, %d conformers -> %d conformer sites, %d wrapped, "
        "%d random poses",
        label,
        ligand.name,
        len(donors),
        len(conformers),
        n_sites,
        n_wrap,
        n_rand,
    )
    return _LigandSearch(ligand, mol, symbols_of(mol), donors, poses)


# --------------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------------


def _directions(n: int) -> list[np.ndarray]:
    """n unit vectors spread around the ion (cluster.py's sets; a Fibonacci sphere beyond 6)."""
    if n in _DIRECTIONS:
        return [_unit(np.asarray(d, float)) for d in _DIRECTIONS[n]]
    golden = math.pi * (3.0 - math.sqrt(5.0))
    out = []
    for i in range(n):
        z = 1 - 2 * (i + 0.5) / n
        r = math.sqrt(1 - z * z)
        out.append(np.array([r * math.cos(golden * i), r * math.sin(golden * i), z]))
    return out


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(size=4)
    a, b, c, d = q / np.linalg.norm(q)
    return np.array(
        [
            [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
        ]
    )


def clash_violations(candidate: Candidate, *, use_targets: bool = True) -> list[str]:
    """Clashes of a candidate by this module's thresholds (empty list: clash-free).

    Different ligands: ≥ 2.5 Å heavy–heavy, ≥ 1.8 Å when an H is involved. Ion: ≥ 1.7 Å from every
    atom that is not a targeted donor (every atom when ``use_targets`` is False) and ≥ 1.5 Å from
    targeted donors.
    """
    xyz = candidate.coordinates_angstrom
    out = []
    frags = [f["atom_indices"] for f in candidate.fragments[1:]]
    for (i, a), (j, b) in itertools.combinations(enumerate(frags), 2):
        d = np.linalg.norm(xyz[a][:, None, :] - xyz[b][None, :, :], axis=-1)
        heavy = np.array(
            [[candidate.symbols[p] != "H" and candidate.symbols[q] != "H" for q in b] for p in a]
        )
        limit = np.where(heavy, MIN_CONTACT_HEAVY_ANGSTROM, MIN_CONTACT_H_ANGSTROM)
        if (d < limit).any():
            out.append(f"ligands {i} and {j}: {d.min():.2f} Å")
    targeted = set(candidate.targeted_indices()) if use_targets else set()
    dist = np.linalg.norm(xyz - xyz[0], axis=1)
    for idx in range(1, len(xyz)):
        limit = MIN_ION_DONOR_ANGSTROM if idx in targeted else MIN_ION_NONDONOR_ANGSTROM
        if dist[idx] < limit:
            out.append(f"ion–{candidate.symbols[idx]}{idx}: {dist[idx]:.2f} Å < {limit} Å")
    return out


def generate_candidates(
    ion_symbol: str,
    ion_charge: int,
    ligands: list[LigandInput],
    *,
    seed: int = 42,
    n_conformers: int = 10,
    max_denticity: int = 3,
    n_random: int = 4,
    multiplicity: int = 1,
    n_assemblies: int = 60,
    label: str = "cluster",
) -> CandidateList:
    """Clash-free candidates of ``ion`` + ``ligands`` (same seed, same candidates).

    One ligand: every pose (free-conformer site, wrapped conformer, random placement) is a
    candidate. Several ligands: ``n_assemblies`` combinations of poses (motif per ligand drawn at
    random, least strained pose of a motif first), each placed along a randomly rotated direction
    set and spun up to 24 times until clash-free. ``result.n_generated`` counts the assemblies tried.

    Raises
    ------
    StructureError
        A ligand without a donor atom, or no clash-free arrangement (the message names ``label``).
    InputError
        No ligands, or ``max_denticity`` < 1.
    """
    if not ligands:
        raise InputError(f"cluster '{label}': no ligands given")
    if max_denticity < 1:
        raise InputError(f"cluster '{label}': max_denticity must be >= 1 (got {max_denticity})")
    notes: list[str] = []
    searches = [
        ligand_poses(
            lig,
            li,
            ion_symbol=ion_symbol,
            ion_charge=ion_charge,
            seed=seed,
            n_conformers=n_conformers,
            max_denticity=max_denticity,
            n_random=n_random,
            label=label,
            notes=notes,
        )
        for li, lig in enumerate(ligands)
    ]
    symbols = [ion_symbol] + [s for ls in searches for s in ls.symbols]
    fragments, start = [{"name": ion_symbol, "atom_indices": [0]}], 1
    for ls in searches:
        fragments.append(
            {"name": ls.ligand.name, "atom_indices": list(range(start, start + len(ls.symbols)))}
        )
        start += len(ls.symbols)
    charge = ion_charge + sum(lig.charge for lig in ligands)
    lig_symbols = [ls.symbols for ls in searches]

    def make(chosen: list[LigandPose], blocks: list[np.ndarray]) -> Candidate:
        coords = np.vstack([np.zeros((1, 3))] + blocks)
        return Candidate(
            label=label,
            symbols=symbols,
            fragments=fragments,
            charge=charge,
            multiplicity=multiplicity,
            ligands=tuple(ligands),
            targets=tuple((i, p.donors) for i, p in enumerate(chosen)),
            origins=tuple(p.origin for p in chosen),
            conformers=tuple(p.conformer for p in chosen),
            strain_kcal_per_mol=float(sum(p.strain_kcal_per_mol for p in chosen)),
            initial_coordinates_angstrom=coords.copy(),
            coordinates_angstrom=coords,
        )

    candidates: list[Candidate] = []
    n_generated = 0
    if len(ligands) == 1:
        for group in searches[0].groups():
            for pose in group:
                n_generated += 1
                block = pose.coordinates_angstrom - pose.ion_position
                cand = make([pose], [block])
                if not _clashes([block], lig_symbols, [pose.site()]) and not clash_violations(cand):
                    candidates.append(cand)
    else:
        rng = np.random.default_rng(seed)
        groups = [ls.groups() for ls in searches]
        used: list[set[int]] = [set() for _ in searches]
        seen: set[tuple] = set()
        base = _directions(len(ligands))
        for _ in range(n_assemblies):
            n_generated += 1
            chosen = []
            for li, glist in enumerate(groups):
                gi = int(rng.integers(len(glist)))
                pi = 0 if gi not in used[li] else int(rng.integers(len(glist[gi])))
                used[li].add(gi)
                chosen.append(glist[gi][pi])
            key = tuple(id(p) for p in chosen)
            if key in seen:
                continue
            rot = _random_rotation(rng)
            directions = [rot @ d for d in base]
            order = rng.permutation(len(ligands))
            for _spin in range(24):
                angles = rng.uniform(0, 2 * np.pi, len(ligands))
                blocks = [
                    _place(p.coordinates_angstrom, p.site(), directions[order[i]], angles[i])
                    for i, p in enumerate(chosen)
                ]
                if not _clashes(blocks, lig_symbols, [p.site() for p in chosen]):
                    cand = make(chosen, blocks)
                    if not clash_violations(cand):
                        seen.add(key)
                        candidates.append(cand)
                        break
    if not candidates:
        names = ", ".join(lig.name for lig in ligands)
        raise StructureError(
            f"cluster '{label}': no clash-free arrangement of {len(ligands)} ligand(s) "
            f"({names}) around {ion_symbol} in {n_generated} attempts"
        )
    for i, cand in enumerate(candidates):
        cand.index = i
    log.info("cluster '%s': %d candidates generated, %d clash-free", label, n_generated, len(candidates))
    return CandidateList(candidates, n_generated, notes)


# --------------------------------------------------------------------------------------------------
# Selection, pre-optimization, deduplication
# --------------------------------------------------------------------------------------------------


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
    if lib is None:
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


def _preoptimize_all(
    candidates: list[Candidate], method: str, fallback: str, fmax_ev_per_angstrom: float, max_steps: int
) -> list[Candidate]:
    for i, c in enumerate(candidates):
        t0 = time.perf_counter()
        reason = ""
        if method.lower() != "none":
            try:
                res = preoptimize(
                    c.symbols,
                    c.coordinates_angstrom,
                    c.charge,
                    c.multiplicity,
                    method,
                    fmax_ev_per_angstrom=fmax_ev_per_angstrom,
                    max_steps=max_steps,
                )
                if not np.isfinite(res.energy_hartree):
                    reason = f"{method} gave a non-finite energy"
                elif _collapsed(res.coordinates_angstrom):
                    reason = f"{method} collapsed the structure"
                else:
                    c.coordinates_angstrom = np.asarray(res.coordinates_angstrom)
                    c.preopt_method, c.preopt_energy_hartree = res.method, float(res.energy_hartree)
                    c.preopt_steps, c.preopt_converged = res.n_steps, res.converged
            except Exception as exc:  # tblite raises its own exception types on SCF/setup failures
                reason = f"{method} failed: {type(exc).__name__}: {exc}"
            c.xtb_wall_s = time.perf_counter() - t0
        else:  # asked for no relaxation: left as built, ranked by ligand strain
            c.preopt_method, c.preopt_note = "none", "pre-optimization switched off"
        if reason:
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
    heavy, perms = (
        _automorphisms(first)
        if symmetry
        else (
            [i for i, s in enumerate(first.symbols) if s != "H"],
            [np.arange(sum(s != "H" for s in first.symbols))],
        )
    )
    reflect = mirror and _mirror_allowed(first)
    pos = {idx: k for k, idx in enumerate(heavy)}

    def motif_key(c: Candidate) -> tuple:
        idx = [c.cluster_index(li, a) for li, a in c.motif]
        keys = []
        for p in perms:
            keys.append(tuple(sorted(first.owner(heavy[p[pos[i]]]) for i in idx)))
        return min(keys) if keys else ()

    kept: dict[tuple, list[Candidate]] = {}
    distinct: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (*c.rank_key(), c.index)):
        key = c.motif_class = motif_key(c)
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


# --------------------------------------------------------------------------------------------------
# The search
# --------------------------------------------------------------------------------------------------


def _candidate_summary(c: Candidate, rank: int, e_min: float) -> dict[str, Any]:
    names = [lig.name for lig in c.ligands]
    rel = (c.preopt_energy_hartree - e_min) * HARTREE_TO_EV if np.isfinite(c.preopt_energy_hartree) else None
    comment = (
        f"{c.label} pose {rank} {c.preopt_method} E={c.preopt_energy_hartree:.8f} Ha CN={len(c.contacts)}"
    )
    return {
        "rank": rank,
        "index": c.index,
        "xyz": format_xyz(c.symbols, c.coordinates_angstrom, comment),
        "coordinates_angstrom": np.asarray(c.coordinates_angstrom).tolist(),
        "preopt_method": c.preopt_method,
        "preopt_energy_hartree": c.preopt_energy_hartree,
        "preopt_ff_energy_kcal_per_mol": c.preopt_ff_energy_kcal_per_mol,
        "relative_energy_ev": rel,
        "preopt_steps": c.preopt_steps,
        "preopt_converged": c.preopt_converged,
        "preopt_wall_s": round(c.preopt_wall_s, 3),
        "preopt_note": c.preopt_note,
        "coordination_number": len(c.contacts),
        "donors": [
            {
                "ligand": names[x["ligand_index"]],
                "ligand_index": x["ligand_index"],
                "element": x["element"],
                "atom": x["ligand_atom"] + 1,
                "index": x["index"],
                "distance_angstrom": x["distance_angstrom"],
            }
            for x in c.contacts
        ],
        "motif": sorted([[li, atom + 1] for li, atom in c.motif]),
        "targets": [
            {"ligand": names[li], "ligand_index": li, "donors": [d + 1 for d in donors]}
            for li, donors in c.targets
        ],
        "origins": list(c.origins),
        "n_duplicates": c.n_duplicates,
    }


def search_poses(
    ion_symbol: str,
    ion_charge: int,
    ligands: list[LigandInput],
    *,
    multiplicity: int = 1,
    seed: int = 42,
    n_conformers: int = 10,
    max_denticity: int = 3,
    n_random: int = 4,
    n_assemblies: int = 60,
    n_preopt: int = 24,
    k: int = 3,
    preopt_method: str = "GFN2-xTB",
    fallback: str = "UFF",
    rmsd_threshold_angstrom: float = 0.25,
    threads: int | None = 1,
    label: str = "cluster",
) -> dict[str, Any]:
    """Generate, pre-optimize and deduplicate candidates; return the ``k`` lowest distinct ones.

    Returns a JSON-ready mapping: ``cluster``, ``symbols``, ``fragments``, ``charge``,
    ``multiplicity``, ``settings``, ``counts`` (``generated``, ``clash_free``, ``preoptimized``,
    ``distinct``, ``motifs``), ``generation_wall_s``, ``xtb_wall_s`` (tblite time summed over
    candidates), ``preopt_wall_s``, ``energy_spread_ev`` (highest minus lowest distinct xTB energy),
    ``motifs`` (best energy per coordination motif), ``notes`` and ``candidates``: per candidate
    ``xyz``, ``coordinates_angstrom``, ``preopt_method``, ``preopt_energy_hartree``,
    ``relative_energy_ev``, ``coordination_number``, ``donors`` (ligand, element, 1-based atom in
    the ligand, cluster index, distance), ``motif`` ([ligand index, 1-based atom] bound),
    ``targets`` (1-based donor atoms aimed at), ``origins``.
    Donor atom numbers are 1-based inside their ligand, as in the build records. ``threads``:
    OpenMP threads of tblite (see :func:`openmp_threads`).
    """
    t0 = time.perf_counter()
    generated = generate_candidates(
        ion_symbol,
        ion_charge,
        ligands,
        seed=seed,
        n_conformers=n_conformers,
        max_denticity=max_denticity,
        n_random=n_random,
        multiplicity=multiplicity,
        n_assemblies=n_assemblies,
        label=label,
    )
    t_gen = time.perf_counter() - t0
    chosen = select_for_preoptimization(generated, n_preopt, rmsd_threshold_angstrom)
    preoptimize_candidates(chosen, method=preopt_method, fallback=fallback, threads=threads)
    distinct = deduplicate(chosen, rmsd_threshold_angstrom)
    xtb = [c for c in distinct if _METHOD_RANK.get(c.preopt_method) == 0]
    e_min = min((c.preopt_energy_hartree for c in xtb), default=float("nan"))
    e_max = max((c.preopt_energy_hartree for c in xtb), default=float("nan"))
    motifs: dict[tuple, list[Candidate]] = {}  # symmetry-equivalent motifs together
    for c in distinct:
        motifs.setdefault(c.motif_class, []).append(c)
    first = generated[0]
    result = {
        "cluster": label,
        "symbols": first.symbols,
        "fragments": first.fragments,
        "charge": first.charge,
        "multiplicity": multiplicity,
        "settings": {
            "seed": seed,
            "n_conformers": n_conformers,
            "max_denticity": max_denticity,
            "n_random": n_random,
            "n_assemblies": n_assemblies,
            "n_preopt": n_preopt,
            "k": k,
            "preopt_method": preopt_method,
            "fallback": fallback,
            "rmsd_threshold_angstrom": rmsd_threshold_angstrom,
            "contact_cutoff_angstrom": CONTACT_CUTOFF_ANGSTROM,
        },
        "counts": {
            "generated": generated.n_generated,
            "clash_free": len(generated),
            "preoptimized": len(chosen),
            "distinct": len(distinct),
            "motifs": len(motifs),
        },
        "generation_wall_s": round(t_gen, 3),
        "xtb_wall_s": round(sum(c.xtb_wall_s for c in chosen), 3),
        "preopt_wall_s": round(sum(c.preopt_wall_s for c in chosen), 3),
        "energy_spread_ev": (e_max - e_min) * HARTREE_TO_EV if xtb else None,
        "motifs": [
            {
                "motif": [[li, atom + 1] for li, atom in motif],
                "coordination_number": len(motif),
                "n_distinct": len(cs),
                "best_index": cs[0].index,
                "best_energy_hartree": cs[0].preopt_energy_hartree,
                "relative_energy_ev": (cs[0].preopt_energy_hartree - e_min) * HARTREE_TO_EV
                if np.isfinite(cs[0].preopt_energy_hartree) and xtb
                else None,
            }
            for motif, cs in motifs.items()
        ],
        "notes": list(generated.notes),
        "candidates": [_candidate_summary(c, r, e_min) for r, c in enumerate(distinct[: max(1, k)])],
    }
    best = result["candidates"][0]
    log.info(
        "cluster '%s': %d generated, %d clash-free, %d pre-optimized, %d distinct in %d motifs; best "
        "%s E=%.6f Ha CN=%d (%s); xTB %.1f s",
        label,
        generated.n_generated,
        len(generated),
        len(chosen),
        len(distinct),
        len(motifs),
        best["preopt_method"],
        best["preopt_energy_hartree"],
        best["coordination_number"],
        ", ".join(
            f"{d['ligand']}:{d['element']}{d['atom']} {d['distance_angstrom']:.2f} Å" for d in best["donors"]
        ),
        result["xtb_wall_s"],
    )
    return result


def candidate_contacts(cand: dict[str, Any]) -> list[dict[str, Any]]:
    """A searched candidate's donor atoms in the shape of ``ion_contacts`` (build records' ``contacts``)."""
    return [
        {
            "fragment": d["ligand"],
            "element": d["element"],
            "atom": d["atom"],
            "index": d["index"],
            "distance_angstrom": d["distance_angstrom"],
        }
        for d in cand.get("donors", [])
    ]


def as_build_result(search: dict[str, Any], rank: int = 0) -> dict[str, Any]:
    """One searched candidate in the shape of ``build_cluster``'s result (``symbols``,
    ``coordinates_angstrom``, ``fragments``, ``charge``, ``multiplicity``, ``contacts``,
    ``preopt_method``, ``preopt_energy_hartree``, ``candidates``) plus the search summary."""
    if not 0 <= rank < len(search["candidates"]):
        raise StructureError(
            f"cluster '{search['cluster']}': pose {rank} requested, "
            f"{len(search['candidates'])} distinct pose(s) found"
        )
    cand = search["candidates"][rank]
    contacts = candidate_contacts(cand)
    return {
        "symbols": list(search["symbols"]),
        "coordinates_angstrom": cand["coordinates_angstrom"],
        "fragments": search["fragments"],
        "charge": search["charge"],
        "multiplicity": search["multiplicity"],
        "contacts": contacts,
        "preopt_method": cand["preopt_method"],
        "preopt_energy_hartree": cand["preopt_energy_hartree"],
        "pose_rank": rank,
        "candidates": [
            {k: v for k, v in c.items() if k != "xyz"} | {"selected": c["rank"] == rank}
            for c in search["candidates"]
        ],
        "pose_search": {k: v for k, v in search.items() if k not in ("candidates", "symbols", "fragments")},
    }
