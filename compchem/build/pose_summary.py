"""JSON summaries of a pose search, and their conversion to the shape of a build record.

The search result is written to disk and feeds the build records whose content is hashed, so the
keys and their order here are part of the contract: add keys at the end, never reorder. Donor atom
numbers are 1-based inside their ligand, as in the build records.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from compchem.build.pose_model import _METHOD_RANK, Candidate, CandidateList
from compchem.errors import StructureError
from compchem.io.xyz import format_xyz
from compchem.units import HARTREE_TO_EV

# The search logs under one name (log lines and filters predate the split into pose_* modules).
log = logging.getLogger("compchem.build.poses")


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
        "donors": [_donor_summary(c, x, names) for x in c.contacts],
        "motif": sorted([[li, atom + 1] for li, atom in c.motif]),
        "targets": [
            {"ligand": names[li], "ligand_index": li, "donors": [d + 1 for d in donors]}
            for li, donors in c.targets
        ],
        "origins": list(c.origins),
        "n_duplicates": c.n_duplicates,
    } | _placement_summary(c)


def _donor_summary(c: Candidate, x: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """One contact of a candidate; a π-bound ring names its atoms (``ring(C1,…)``, ``ring_atoms``)."""
    out = {
        "ligand": names[x["ligand_index"]],
        "ligand_index": x["ligand_index"],
        "element": x["element"],
        "atom": x["ligand_atom"] + 1 if "ring_indices" not in x else x["atom"],
        "index": x["index"],
        "distance_angstrom": x["distance_angstrom"],
    }
    if "ring_indices" in x:
        out["ring_atoms"] = [c.owner(i)[1] + 1 for i in x["ring_indices"]]
    return out


def _placement_summary(c: Candidate) -> dict[str, Any]:
    """``{"placement": [kind per ligand]}`` when a pose is a ring placement; empty for lone-pair
    poses, so the summaries (and build records) of lone-pair searches keep their bytes."""
    if all(kind == "lone_pair" for kind in c.placements):
        return {}
    return {"placement": list(c.placements)}


def _motif_summaries(motifs: dict[tuple, list[Candidate]], e_min: float, xtb: list[Candidate]) -> list[dict]:
    """Best energy per coordination motif (symmetry-equivalent motifs together)."""
    return [
        {
            "motif": [[li, atom + 1] for li, atom in motif],
            "coordination_number": len(cs[0].contacts),  # a π-bound ring is one contact
            "n_distinct": len(cs),
            "best_index": cs[0].index,
            "best_energy_hartree": cs[0].preopt_energy_hartree,
            "relative_energy_ev": (cs[0].preopt_energy_hartree - e_min) * HARTREE_TO_EV
            if np.isfinite(cs[0].preopt_energy_hartree) and xtb
            else None,
        }
        for motif, cs in motifs.items()
    ]


def kept_poses(distinct: list[Candidate], k: int, motif_poses: bool = False) -> list[Candidate]:
    """The poses a search keeps: the ``k`` (at least 1) lowest of ``distinct`` (sorted, as
    :func:`~compchem.build.pose_dedup.deduplicate` returns them); with ``motif_poses`` followed by the
    best pose of every coordination motif not among them (symmetry-equivalent motifs count as one),
    in the same energy order, so the first ``k`` are those kept without it."""
    kept = distinct[: max(1, k)]
    if not motif_poses:
        return kept
    seen = {c.motif_class for c in kept}
    extra = []
    for c in distinct[len(kept) :]:  # sorted: the first of a motif met is its best
        if c.motif_class not in seen:
            seen.add(c.motif_class)
            extra.append(c)
    return kept + extra


def search_summary(
    label: str,
    generated: CandidateList,
    chosen: list[Candidate],
    distinct: list[Candidate],
    *,
    multiplicity: int,
    settings: dict[str, Any],
    k: int,
    generation_wall_s: float,
    motif_poses: bool = False,
) -> dict[str, Any]:
    """The JSON-ready result of :func:`compchem.build.poses.search_poses` (keys documented there);
    ``candidates`` are the :func:`kept_poses`."""
    xtb = [c for c in distinct if _METHOD_RANK.get(c.preopt_method) == 0]
    e_min = min((c.preopt_energy_hartree for c in xtb), default=float("nan"))
    e_max = max((c.preopt_energy_hartree for c in xtb), default=float("nan"))
    motifs: dict[tuple, list[Candidate]] = {}  # symmetry-equivalent motifs together
    for c in distinct:
        motifs.setdefault(c.motif_class, []).append(c)
    first = generated[0]
    return {
        "cluster": label,
        "symbols": first.symbols,
        "fragments": first.fragments,
        "charge": first.charge,
        "multiplicity": multiplicity,
        "settings": settings,
        "counts": {
            "generated": generated.n_generated,
            "clash_free": len(generated),
            "preoptimized": len(chosen),
            "distinct": len(distinct),
            "motifs": len(motifs),
        },
        "generation_wall_s": round(generation_wall_s, 3),
        "xtb_wall_s": round(sum(c.xtb_wall_s for c in chosen), 3),
        "preopt_wall_s": round(sum(c.preopt_wall_s for c in chosen), 3),
        "energy_spread_ev": (e_max - e_min) * HARTREE_TO_EV if xtb else None,
        "motifs": _motif_summaries(motifs, e_min, xtb),
        "notes": list(generated.notes),
        "candidates": [
            _candidate_summary(c, r, e_min) for r, c in enumerate(kept_poses(distinct, k, motif_poses))
        ],
    }


def log_search_summary(result: dict[str, Any]) -> None:
    """One INFO line: the counts of each stage and the best pose's donors."""
    best, counts = result["candidates"][0], result["counts"]
    log.info(
        "cluster '%s': %d generated, %d clash-free, %d pre-optimized, %d distinct in %d motifs; best "
        "%s E=%.6f Ha CN=%d (%s); xTB %.1f s",
        result["cluster"],
        counts["generated"],
        counts["clash_free"],
        counts["preoptimized"],
        counts["distinct"],
        counts["motifs"],
        best["preopt_method"],
        best["preopt_energy_hartree"],
        best["coordination_number"],
        ", ".join(
            f"{d['ligand']}:{d['element']}{d['atom']} {d['distance_angstrom']:.2f} Å" for d in best["donors"]
        ),
        result["xtb_wall_s"],
    )


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
