"""Binding energies from records (SCIENCE.md §2).

E_bind = E(ion) + Σ E(L_i) − E(C), every species at its own optimized geometry; positive = bound.
Energies are Hartree in the records and converted to eV / kcal/mol only in the table. This module builds
the binding table's rows (one per cluster, ``COLUMNS``), with the thermochemistry, pose, counterpoise
and solvent columns where those results exist. The exchange reactions, the temperature scan and the
writers live next to it (``exchange``, ``temperature_scan``, ``tables``) and are re-exported here, so
``compchem.analysis.binding`` stays the one import of the table code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from compchem.analysis.columns import (
    ANALYSIS_MD_COLUMNS,
    COLUMNS,
    DEFINITION,
    EXCHANGE_COLUMNS,
    EXCHANGE_DEFINITION,
    SCAN_COLUMNS,
    analysed_rows,
)
from compchem.analysis.exchange import exchange_rows
from compchem.analysis.labels import level_consistent, level_key, level_notation, medium_label, protocol
from compchem.analysis.reaction_terms import (
    coordination_kept,
    frequencies_geometry,
    solution_gibbs_columns,
    solvent_columns,
    thermo_delta,
)
from compchem.analysis.tables import write_tables
from compchem.analysis.temperature_scan import thermo_scan_rows
from compchem.build.bonds import bonds_text, interfragment_bonds
from compchem.build.cluster import ion_contacts
from compchem.errors import InputError
from compchem.models import CalcResult
from compchem.units import hartree_to_ev, hartree_to_kcal_per_mol

__all__ = [
    "ANALYSIS_MD_COLUMNS",
    "COLUMNS",
    "DEFINITION",
    "EXCHANGE_COLUMNS",
    "EXCHANGE_DEFINITION",
    "SCAN_COLUMNS",
    "analysed_rows",
    "binding_energy_hartree",
    "binding_rows",
    "exchange_rows",
    "level_key",
    "level_notation",
    "medium_label",
    "protocol",
    "thermo_scan_rows",
    "write_tables",
]


def binding_energy_hartree(
    records: dict[str, CalcResult], ion: str, ligands: list[str], cluster: str
) -> float:
    """E(ion) + Σ E(ligand) − E(cluster) in Hartree (ligands repeated as often as they bind)."""
    missing = [n for n in (ion, *ligands, cluster) if n not in records]
    if missing:
        raise InputError(f"cluster '{cluster}': no record for {missing}")
    return (
        records[ion].energy_hartree
        + sum(records[n].energy_hartree for n in ligands)
        - records[cluster].energy_hartree
    )


def _thermo_columns(thermo: dict[str, dict[str, Any]], species: list[str], cluster: str) -> dict[str, Any]:
    """Binding (positive = bound) from ZPE-corrected energies, H(T) and G(T) of every species."""
    # binding = Σ E(fragments) − E(cluster): the dissociation cluster -> fragments
    d = thermo_delta(thermo, [cluster], species, f"cluster '{cluster}'")
    if d is None:
        return {}
    return {
        "E_bind_ZPE_eV": round(hartree_to_ev(d["zpe_corrected_energy_hartree"]), 4),
        "dH_bind_eV": round(hartree_to_ev(d["enthalpy_hartree"]), 4),
        "dG_bind_eV": round(hartree_to_ev(d["gibbs_hartree"]), 4),
        "all_minima": all(thermo[n]["is_minimum"] for n in (*species, cluster)),
        "frequencies_level": thermo[cluster].get("frequencies_level"),
        "frequencies_geometry": frequencies_geometry(thermo[cluster]),
        "thermo_geometry_rmsd_angstrom": (thermo[cluster].get("frequencies_geometry_change") or {}).get(
            "rmsd_angstrom"
        ),
        "thermo_coordination_kept": coordination_kept(thermo, [*species, cluster]),
        "thermo_temperature_K": thermo[cluster]["thermo"]["temperature_k"],
        "thermo_standard_state": thermo[cluster]["thermo"]["standard_state"],
    }


def _pose_columns(summary: dict[str, Any] | None) -> dict[str, Any]:
    """Spread of E_bind over the DFT-optimized poses (fragments are shared, so it is the spread of the
    cluster energies) and how far the pre-optimization's best pose lies above the DFT best, at the level
    where the poses were ranked (the table's level, or its preopt level with pose screening)."""
    if summary is None:
        return {
            "n_poses_dft": None,
            "poses_ranked_at_level": None,
            "selected_pose": None,
            "E_bind_spread_eV": None,
            "preopt_best_minus_dft_best_eV": None,
        }
    gap = summary.get("preopt_best_minus_dft_best_ev")
    return {
        "n_poses_dft": summary["n_poses"],
        "poses_ranked_at_level": summary.get("ranked_at_level"),
        "selected_pose": summary["selected_pose"],
        "E_bind_spread_eV": round(summary["energy_spread_ev"], 4),
        "preopt_best_minus_dft_best_eV": None if gap is None else round(gap, 4),
    }


def _counterpoise_columns(cp: dict[str, Any]) -> dict[str, Any]:
    return {
        "E_int_frozen_eV": round(hartree_to_ev(cp["interaction_raw_hartree"]), 4),
        "BSSE_eV": round(hartree_to_ev(cp["bsse_hartree"]), 4),
        "E_int_CP_eV": round(hartree_to_ev(cp["interaction_cp_hartree"]), 4),
        "E_bind_CP_eV": round(hartree_to_ev(cp["binding_cp_hartree"]), 4),
        "E_deformation_eV": round(hartree_to_ev(cp["total_deformation_hartree"]), 4),
    }


def binding_rows(
    records: dict[str, CalcResult],
    clusters: list[dict[str, Any]],
    ion: str,
    geometry_dir: Path | None = None,
    thermo: dict[str, dict[str, Any]] | None = None,
    counterpoise: dict[str, dict[str, Any]] | None = None,
    poses: dict[str, dict[str, Any]] | None = None,
    solvent: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One table row per cluster (see ``COLUMNS``); thermochemistry, counterpoise, pose and solvent
    columns are filled from ``thermo`` (species -> thermo JSON), ``counterpoise`` (cluster -> JSON),
    ``poses`` (cluster -> ``poses/<cluster>.json`` of ``select_pose_job``) and ``solvent`` (species ->
    JSON of ``solvent_single_point_job``) when given."""
    rows = []
    for c in clusters:
        name, ligands = c["name"], list(c["ligands"])
        e_h = binding_energy_hartree(records, ion, ligands, name)
        involved = [records[n] for n in (ion, *ligands, name)]
        level_consistent(involved, name)
        rec = records[name]
        contacts = ion_contacts(rec.symbols, np.asarray(rec.coordinates_angstrom), rec.fragments)
        e_ev = hartree_to_ev(e_h)
        paper = c.get("paper_value_ev")
        rows.append(
            {
                "cluster": name,
                "level": protocol(involved),
                "ligand_models": " + ".join(ligands),
                "charge": rec.charge,
                "multiplicity": rec.multiplicity,
                "E_bind_eV": round(e_ev, 4),
                "E_bind_kcal_per_mol": round(hartree_to_kcal_per_mol(e_h), 2),
                "paper_E_bind_eV": paper,
                "E_bind_minus_paper_eV": None if paper is None else round(e_ev - paper, 4),
                "paper_label": c.get("paper_label", ""),
                "coordination_number": len(contacts),
                "donor_contacts": "; ".join(f"{x['fragment']}:{x['element']}{x['atom']}" for x in contacts),
                "Li_X_distances_angstrom": "; ".join(f"{x['distance_angstrom']:.3f}" for x in contacts),
                "interligand_bonds": bonds_text(
                    interfragment_bonds(rec.symbols, rec.coordinates_angstrom, rec.fragments)
                ),
                "E_complex_hartree": rec.energy_hartree,
                "E_bind_hartree": e_h,
                "all_converged": all(r.converged for r in involved),
                "n_opt_steps_complex": rec.n_opt_steps,
                "geometry_xyz": str(geometry_dir / f"{name}.xyz") if geometry_dir else "",
                **_pose_columns((poses or {}).get(name)),
                **dict.fromkeys(COLUMNS[COLUMNS.index("E_bind_ZPE_eV") :]),
                **(_thermo_columns(thermo, [ion, *ligands], name) if thermo else {}),
                **(
                    _counterpoise_columns(counterpoise[name]) if counterpoise and name in counterpoise else {}
                ),
                **solvent_columns(solvent or {}, [ion, *ligands], [name], "E_bind_solv_eV"),
                **solution_gibbs_columns(
                    thermo or {}, solvent or {}, [ion, *ligands], [name], "dG_bind_solv_eV"
                ),
            }
        )
    return rows
