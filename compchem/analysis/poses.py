"""Which DFT-optimized pose of a cluster is its result, and how much the poses differ (SCIENCE.md §3).

Pose ``k`` of a cluster is the species ``<cluster>.pose<k>``; pose 0 is the pre-optimization's (xTB)
best. The cluster's result is its lowest-energy converged pose (all poses if none converged).
``select_pose`` is that choice as a pure function (no files): the workflow's pose-selection job and
``compchem table`` both call it, so a table of finished poses picks the same record as the workflow.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np

from compchem.build.cluster import ion_contacts
from compchem.chem import POSE_NAME
from compchem.models import CalcResult
from compchem.units import hartree_to_ev

log = logging.getLogger(__name__)


def summarize_poses(
    cluster: str, records: dict[int, CalcResult], builds: dict[int, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Selection and spread over the DFT poses ``records`` (pose index -> record); ``builds`` (pose
    index -> pose build record) adds each pose's pre-optimization method and relative energy."""
    builds = builds or {}
    ranks = sorted(records)
    pool = [k for k in ranks if records[k].converged] or ranks
    if len(pool) < len(ranks):
        log.warning(
            "%s: unconverged pose(s) %s left out of the selection", cluster, sorted(set(ranks) - set(pool))
        )
    best = min(pool, key=lambda k: records[k].energy_hartree)
    e_best = records[best].energy_hartree
    poses: list[dict[str, Any]] = []
    for k in ranks:
        rec, b = records[k], builds.get(k, {})
        contacts = ion_contacts(rec.symbols, np.asarray(rec.coordinates_angstrom), rec.fragments)
        poses.append(
            {
                "pose": k,
                "species": rec.label,
                "energy_hartree": rec.energy_hartree,
                "relative_energy_ev": hartree_to_ev(rec.energy_hartree - e_best),
                "converged": rec.converged,
                "n_opt_steps": rec.n_opt_steps,
                "preopt_method": b.get("preopt_method"),
                "preopt_relative_energy_ev": b.get("preopt_relative_energy_ev"),
                "coordination_number": len(contacts),
                "donor_contacts": [f"{x['fragment']}:{x['element']}{x['atom']}" for x in contacts],
                "selected": k == best,
            }
        )
    in_pool = [p["relative_energy_ev"] for p in poses if p["pose"] in pool]
    return {
        "cluster": cluster,
        # level at which the poses were optimized and ranked
        "ranked_at_level": records[best].level.get("name"),
        "n_poses": len(poses),
        "selected_pose": best,
        "energy_spread_ev": max(in_pool) - min(in_pool),
        # pose 0 is the pre-optimization's best: how far the cheap ranking missed at this level
        "preopt_best_minus_dft_best_ev": poses[0]["relative_energy_ev"] if ranks[0] == 0 else None,
        "poses": poses,
    }


def format_poses(summary: dict[str, Any]) -> list[str]:
    """One line per pose for logs and the CLI."""
    lines = []
    for p in summary["poses"]:
        pre = p["preopt_relative_energy_ev"]
        lines.append(
            f"{summary['cluster']} pose {p['pose']}: E = {p['energy_hartree']:.8f} Ha, "
            f"{p['relative_energy_ev']:+.3f} eV vs best DFT pose"
            + ("" if pre is None else f" (pre-opt {pre:+.3f} eV)")
            + f", CN {p['coordination_number']} [{', '.join(p['donor_contacts'])}]"
            + ("" if p["converged"] else ", NOT converged")
            + ("  <- selected" if p["selected"] else "")
        )
    return lines


def cluster_pose_records(cluster: str, records: dict[str, CalcResult]) -> dict[int, CalcResult]:
    """The DFT pose records ``<cluster>.pose<k>`` among ``records`` (species name -> record), by pose
    index ``k``; empty when the cluster's poses were not searched or none has finished."""
    return {
        int(m.group(2)): rec
        for key, rec in records.items()
        if (m := POSE_NAME.match(key)) and m.group(1) == cluster
    }


def select_pose(
    cluster: str, records: dict[int, CalcResult], builds: dict[int, dict[str, Any]] | None = None
) -> tuple[dict[str, Any], CalcResult]:
    """The pose summary (``summarize_poses``) and the cluster's result: the selected pose's record,
    labelled with the cluster's name."""
    summary = summarize_poses(cluster, records, builds)
    best = records[summary["selected_pose"]]
    return summary, dataclasses.replace(best, label=cluster)
