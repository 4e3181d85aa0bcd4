"""Assembly of cluster candidates from ligand poses, and the clash rules a candidate must pass.

One ligand: every pose becomes a candidate. Several ligands: seeded draws of one pose per ligand
are placed along a randomly rotated direction set around the ion (the sets of
:mod:`compchem.build.cluster`, a Fibonacci sphere beyond six ligands) and spun until no clash
remains. The random stream is consumed in a fixed order (draws, rotation, permutation, spins), so
the same seed gives the same candidates; keep that order when touching this module.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from compchem.build.cluster import (
    _DIRECTIONS,
    MIN_CONTACT_H_ANGSTROM,
    MIN_CONTACT_HEAVY_ANGSTROM,
    MIN_ION_NONDONOR_ANGSTROM,
    LigandInput,
    _clashes,
    _place,
    _unit,
)
from compchem.build.pose_ligands import _LigandSearch, ligand_poses
from compchem.build.pose_model import MIN_ION_DONOR_ANGSTROM, Candidate, CandidateList, LigandPose
from compchem.errors import InputError, StructureError

# The search logs under one name (log lines and filters predate the split into pose_* modules).
log = logging.getLogger("compchem.build.poses")


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
        dd = np.linalg.norm(xyz[a][:, None, :] - xyz[b][None, :, :], axis=-1)
        heavy = np.array(
            [[candidate.symbols[p] != "H" and candidate.symbols[q] != "H" for q in b] for p in a]
        )
        limit = np.where(heavy, MIN_CONTACT_HEAVY_ANGSTROM, MIN_CONTACT_H_ANGSTROM)
        if (dd < limit).any():
            out.append(f"ligands {i} and {j}: {dd.min():.2f} Å")
    targeted = set(candidate.targeted_indices()) if use_targets else set()
    dist = np.linalg.norm(xyz - xyz[0], axis=1)
    for idx in range(1, len(xyz)):
        floor = MIN_ION_DONOR_ANGSTROM if idx in targeted else MIN_ION_NONDONOR_ANGSTROM
        if dist[idx] < floor:
            out.append(f"ion–{candidate.symbols[idx]}{idx}: {dist[idx]:.2f} Å < {floor} Å")
    return out


@dataclass
class _ClusterFrame:
    """What every candidate of one cluster shares (the lists are shared objects, not copies)."""

    label: str
    symbols: list[str]
    fragments: list[dict[str, Any]]
    charge: int
    multiplicity: int
    ligands: tuple[LigandInput, ...]
    lig_symbols: list[list[str]]

    @classmethod
    def of(
        cls, ion_symbol: str, ion_charge: int, searches: list[_LigandSearch], multiplicity: int, label: str
    ) -> _ClusterFrame:
        """Atom order: the ion first, then each ligand's atoms in ligand order."""
        symbols = [ion_symbol] + [s for ls in searches for s in ls.symbols]
        fragments, start = [{"name": ion_symbol, "atom_indices": [0]}], 1
        for ls in searches:
            fragments.append(
                {"name": ls.ligand.name, "atom_indices": list(range(start, start + len(ls.symbols)))}
            )
            start += len(ls.symbols)
        ligands = tuple(ls.ligand for ls in searches)
        charge = ion_charge + sum(lig.charge for lig in ligands)
        return cls(label, symbols, fragments, charge, multiplicity, ligands, [ls.symbols for ls in searches])

    def candidate(self, chosen: list[LigandPose], blocks: list[np.ndarray]) -> Candidate:
        """A candidate of the ion at the origin and the placed ligand ``blocks``."""
        coords = np.vstack([np.zeros((1, 3))] + blocks)
        return Candidate(
            label=self.label,
            symbols=self.symbols,
            fragments=self.fragments,
            charge=self.charge,
            multiplicity=self.multiplicity,
            ligands=self.ligands,
            targets=tuple((i, p.donors) for i, p in enumerate(chosen)),
            origins=tuple(p.origin for p in chosen),
            conformers=tuple(p.conformer for p in chosen),
            strain_kcal_per_mol=float(sum(p.strain_kcal_per_mol for p in chosen)),
            initial_coordinates_angstrom=coords.copy(),
            coordinates_angstrom=coords,
            placements=tuple(p.kind for p in chosen),
        )


def _single_ligand_candidates(search: _LigandSearch, frame: _ClusterFrame) -> tuple[list[Candidate], int]:
    """Every clash-free pose of the only ligand, ion at the origin; and the number tried."""
    candidates, n_generated = [], 0
    for group in search.groups():
        for pose in group:
            n_generated += 1
            block = pose.coordinates_angstrom - pose.ion_position
            cand = frame.candidate([pose], [block])
            if not _clashes([block], frame.lig_symbols, [pose.site()]) and not clash_violations(cand):
                candidates.append(cand)
    return candidates, n_generated


def _draw_poses(
    groups: list[list[list[LigandPose]]], used: list[set[int]], rng: np.random.Generator
) -> list[LigandPose]:
    """One pose per ligand: a random motif, its least strained pose the first time it is drawn."""
    chosen = []
    for li, glist in enumerate(groups):
        gi = int(rng.integers(len(glist)))
        pi = 0 if gi not in used[li] else int(rng.integers(len(glist[gi])))
        used[li].add(gi)
        chosen.append(glist[gi][pi])
    return chosen


def _spin_into_place(
    chosen: list[LigandPose], base: list[np.ndarray], rng: np.random.Generator, frame: _ClusterFrame
) -> Candidate | None:
    """The drawn poses along a randomly rotated direction set, spun up to 24 times; the first
    clash-free arrangement, or None."""
    rot = _random_rotation(rng)
    directions = [rot @ d for d in base]
    order = rng.permutation(len(chosen))
    for _spin in range(24):
        angles = rng.uniform(0, 2 * np.pi, len(chosen))
        blocks = [
            _place(p.coordinates_angstrom, p.site(), directions[order[i]], angles[i])
            for i, p in enumerate(chosen)
        ]
        if not _clashes(blocks, frame.lig_symbols, [p.site() for p in chosen]):
            cand = frame.candidate(chosen, blocks)
            if not clash_violations(cand):
                return cand
    return None


#: Draws of a crowded cluster (no clash-free arrangement in ``n_assemblies`` draws) go on up to this
#: multiple of ``n_assemblies`` before the search gives up.
CROWDED_DRAW_FACTOR = 4


def _assembled_candidates(
    searches: list[_LigandSearch], frame: _ClusterFrame, seed: int, n_assemblies: int, notes: list[str]
) -> tuple[list[Candidate], int]:
    """Clash-free assemblies of several ligands (``n_assemblies`` seeded draws, each distinct
    combination of poses kept once); and the number tried.

    A crowded cluster whose first ``n_assemblies`` draws are all clashing (bulky framework
    fragments around a chelating chain) keeps drawing from the same seeded stream, up to
    ``CROWDED_DRAW_FACTOR`` times as many, and says so in ``notes``; a cluster that found an
    arrangement in time gets exactly the candidates it got before."""
    rng = np.random.default_rng(seed)
    groups = [ls.groups() for ls in searches]
    used: list[set[int]] = [set() for _ in searches]
    seen: set[tuple] = set()
    base = _directions(len(searches))
    candidates: list[Candidate] = []
    n_generated = 0
    limit = n_assemblies
    while n_generated < limit:
        n_generated += 1
        chosen = _draw_poses(groups, used, rng)
        key = tuple(id(p) for p in chosen)
        if key not in seen:
            cand = _spin_into_place(chosen, base, rng, frame)
            if cand is not None:
                seen.add(key)
                candidates.append(cand)
        if n_generated == n_assemblies and not candidates:
            limit = CROWDED_DRAW_FACTOR * n_assemblies
            note = (
                f"cluster '{frame.label}': no clash-free arrangement in {n_assemblies} draws; "
                f"drawing up to {limit}"
            )
            log.info(note)
            notes.append(note)
    return candidates, n_generated


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
    pi_sites: bool = False,
) -> CandidateList:
    """Clash-free candidates of ``ion`` + ``ligands`` (same seed, same candidates).

    One ligand: every pose (free-conformer site, wrapped conformer, random placement) is a
    candidate. Several ligands: ``n_assemblies`` combinations of poses (motif per ligand drawn at
    random, least strained pose of a motif first), each placed along a randomly rotated direction
    set and spun up to 24 times until clash-free. ``result.n_generated`` counts the assemblies tried.
    A ligand without a lone-pair donor is placed by its aromatic rings (cation–π, C–H edge);
    ``pi_sites`` adds those ring poses to every aromatic ligand.

    Raises
    ------
    StructureError
        A ligand without a donor atom or aromatic ring, or no clash-free arrangement (the message
        names ``label``).
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
            pi_sites=pi_sites,
        )
        for li, lig in enumerate(ligands)
    ]
    frame = _ClusterFrame.of(ion_symbol, ion_charge, searches, multiplicity, label)
    if len(ligands) == 1:
        candidates, n_generated = _single_ligand_candidates(searches[0], frame)
    else:
        candidates, n_generated = _assembled_candidates(searches, frame, seed, n_assemblies, notes)
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
