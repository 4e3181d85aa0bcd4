"""Data model of the pose search: the thresholds every stage shares, one ligand's pose
(:class:`LigandPose`), one assembled cluster candidate (:class:`Candidate`) and the list a
generation pass returns (:class:`CandidateList`). The stages (ligand poses, assembly,
pre-optimization, deduplication, summaries) live in their own ``pose_*`` modules and exchange only
these types, so the thresholds that decide what counts as a clash or a collapse have one home.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compchem.build.cluster import CONTACT_CUTOFF_ANGSTROM, LigandInput, Site, ion_contacts
from compchem.held import HeldDistance

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
    kind: str = "lone_pair"  # or a ring placement: "pi_face", "pi_bond", "edge" (pose_pi)

    def site(self) -> Site:
        """The pose as a :class:`~compchem.build.cluster.Site` (for ``_place``/``_clashes``)."""
        return Site(self.conformer, self.donors, self.ion_position, self.placement_error_angstrom)


@dataclass
class Candidate:
    """One assembled cluster candidate, what it targeted and what the pre-optimization made of it.

    ``targets`` holds ``(ligand index, ligand-local 0-based donor atoms)`` per ligand; ``motif`` the
    ``(ligand index, ligand-local atom)`` pairs within 2.6 Å of the ion after pre-optimization (every
    atom of a ring the ion sits over). ``placements`` holds each ligand pose's placement kind.
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
    placements: tuple[str, ...] = ()  # per ligand: the kind of the pose it was built from

    def owner(self, index: int) -> tuple[int, int]:
        """(ligand index, ligand-local atom) of a cluster atom index (ligand index -1: the ion)."""
        for li, frag in enumerate(self.fragments[1:]):
            if index in frag["atom_indices"]:
                return li, frag["atom_indices"].index(index)
        return -1, 0

    def cluster_index(self, ligand: int, atom: int) -> int:
        """Cluster atom index of ligand-local ``atom`` of ligand ``ligand``."""
        return self.fragments[ligand + 1]["atom_indices"][atom]

    def held_distances(self) -> tuple[HeldDistance, ...]:
        """Every ligand's held distances (``compchem.held``) in the candidate's atom indices."""
        return tuple(
            (self.cluster_index(li, a), self.cluster_index(li, b), v)
            for li, lig in enumerate(self.ligands)
            for a, b, v in lig.held_distances
        )

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
        bound = [(c["ligand_index"], c["ligand_atom"]) for c in contacts]
        for c in contacts:  # a π-bound ring counts with all its atoms (unlike a σ contact to one)
            bound += [self.owner(i) for i in c.get("ring_indices", ())]
        self.motif = frozenset(bound)

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

    def __init__(self, items: Iterable[Candidate] = (), n_generated: int = 0, notes: list[str] | None = None):
        super().__init__(items)
        self.n_generated = n_generated
        self.notes = list(notes or [])
