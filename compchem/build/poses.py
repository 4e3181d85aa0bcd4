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
   a stereocentre) count as the same structure unless switched off. The ``k`` lowest distinct
   candidates are kept; ``motif_poses`` adds the best one of every motif not among them.

Clash thresholds of a built candidate: atoms of different ligands at least 2.5 Å apart (both heavy)
or 1.8 Å (an H involved); the ion at least 1.7 Å from every atom that is not a targeted donor and at
least 1.5 Å from the targeted donors.

Where each stage lives: the shared types and thresholds in :mod:`compchem.build.pose_model`,
the ion + ligand RDKit complex and its restraint windows in :mod:`compchem.build.pose_complex`,
ligand poses in :mod:`compchem.build.pose_ligands`, assembly and clash rules in
:mod:`compchem.build.pose_assembly`, selection and pre-optimization in
:mod:`compchem.build.pose_preopt`, deduplication in :mod:`compchem.build.pose_dedup` and the JSON
summaries in :mod:`compchem.build.pose_summary`. This module holds the driver,
:func:`search_poses`, and re-exports the stages' names so ``compchem.build.poses`` stays the one
import path for callers.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from compchem.build.cluster import CONTACT_CUTOFF_ANGSTROM, LigandInput
from compchem.build.pose_assembly import clash_violations, generate_candidates
from compchem.build.pose_dedup import _automorphisms as _automorphisms
from compchem.build.pose_dedup import deduplicate
from compchem.build.pose_ligands import ligand_poses, wrapped_poses
from compchem.build.pose_model import (
    COLLAPSE_ANGSTROM,
    MIN_ION_DONOR_ANGSTROM,
    RANDOM_TILT_DEGREES,
    WRAP_ION_DONOR_ANGSTROM,
    WRAP_ION_H_ANGSTROM,
    WRAP_ION_NEIGHBOUR_ANGSTROM,
    WRAP_ION_OTHER_HEAVY_ANGSTROM,
    Candidate,
    CandidateList,
    LigandPose,
)
from compchem.build.pose_preopt import openmp_threads, preoptimize_candidates, select_for_preoptimization
from compchem.build.pose_summary import (
    as_build_result,
    candidate_contacts,
    kept_poses,
    log_search_summary,
    search_summary,
)

log = logging.getLogger(__name__)

__all__ = [
    "COLLAPSE_ANGSTROM",
    "MIN_ION_DONOR_ANGSTROM",
    "RANDOM_TILT_DEGREES",
    "WRAP_ION_DONOR_ANGSTROM",
    "WRAP_ION_H_ANGSTROM",
    "WRAP_ION_NEIGHBOUR_ANGSTROM",
    "WRAP_ION_OTHER_HEAVY_ANGSTROM",
    "Candidate",
    "CandidateList",
    "LigandPose",
    "as_build_result",
    "build_cluster",
    "candidate_contacts",
    "clash_violations",
    "deduplicate",
    "generate_candidates",
    "kept_poses",
    "ligand_poses",
    "openmp_threads",
    "preoptimize_candidates",
    "search_poses",
    "select_for_preoptimization",
    "wrapped_poses",
]


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
    pi_sites: bool = False,
    motif_poses: bool = False,
) -> dict[str, Any]:
    """Generate, pre-optimize and deduplicate candidates; return the ``k`` lowest distinct ones
    (``motif_poses``: and after them the best pose of every other coordination motif).

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
    OpenMP threads of tblite (see :func:`openmp_threads`). A candidate built from a ring placement
    also has ``placement`` (the kind per ligand: ``lone_pair``, ``pi_face``, ``pi_bond``, ``edge``);
    ``pi_sites`` adds ring placements to ligands that have lone-pair donors too. ``motif_poses``
    appends to the ``k`` lowest the best pose of every motif not among them, by energy
    (:func:`~compchem.build.pose_summary.kept_poses`), so that every motif of ``motifs`` has a pose.
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
        pi_sites=pi_sites,
    )
    t_gen = time.perf_counter() - t0
    chosen = select_for_preoptimization(generated, n_preopt, rmsd_threshold_angstrom)
    preoptimize_candidates(chosen, method=preopt_method, fallback=fallback, threads=threads)
    distinct = deduplicate(chosen, rmsd_threshold_angstrom)
    settings = {
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
    }  # an option that is off leaves no key, so existing searches' settings keep their bytes
    settings |= ({"pi_sites": True} if pi_sites else {}) | ({"motif_poses": True} if motif_poses else {})
    result = search_summary(
        label,
        generated,
        chosen,
        distinct,
        multiplicity=multiplicity,
        settings=settings,
        k=k,
        generation_wall_s=t_gen,
        motif_poses=motif_poses,
    )
    log_search_summary(result)
    if motif_poses:
        log.info(
            "cluster '%s': %d pose(s) kept, the %d lowest and the best of %d other motif(s)",
            label,
            len(result["candidates"]),
            min(max(1, k), len(distinct)),
            len(result["candidates"]) - min(max(1, k), len(distinct)),
        )
    return result


def build_cluster(
    ion_symbol: str,
    ion_charge: int,
    ligands: list[LigandInput],
    *,
    multiplicity: int = 1,
    seed: int = 42,
    n_conformers: int = 20,
    n_candidates: int = 24,
    preopt_method: str = "GFN2-xTB",
    max_denticity: int = 3,
    label: str = "cluster",
    n_poses: int = 3,
    pose: int = 0,
    pi_sites: bool = False,
    motif_poses: bool = False,
) -> dict[str, Any]:
    """The ``pose``-th lowest distinct pose of ``ion`` + ``ligands`` from the coordination-aware
    search (``search_poses``: single and chelating placements, wrapped chain
    conformers, ``n_candidates`` cheap relaxations, deduplication by motif and RMSD).

    Returns a mapping with ``symbols``, ``coordinates_angstrom``, ``fragments``, ``charge``,
    ``multiplicity``, ``contacts``, ``candidates`` (the ``n_poses`` lowest distinct poses) and
    ``pose_search`` (counts, timings, motifs, spread). A ligand without lone-pair donors is bound
    by its aromatic rings (cation–π, C–H edge); ``pi_sites`` adds those poses to every aromatic
    ligand (off by default). ``motif_poses`` keeps after the ``n_poses`` lowest the best pose of
    every other coordination motif (off by default).

    Raises
    ------
    StructureError
        A ligand without donor atoms or aromatic ring, or no clash-free arrangement.
    """
    search = search_poses(
        ion_symbol,
        ion_charge,
        ligands,
        multiplicity=multiplicity,
        seed=seed,
        n_conformers=n_conformers,
        max_denticity=max_denticity,
        n_preopt=n_candidates,
        k=n_poses,
        preopt_method=preopt_method,
        label=label,
        pi_sites=pi_sites,
        motif_poses=motif_poses,
    )
    return as_build_result(search, pose)
