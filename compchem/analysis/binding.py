"""Binding energies from records (SCIENCE.md §2).

E_bind = E(ion) + Σ E(L_i) − E(C), every species at its own optimized geometry; positive = bound.
Energies are Hartree in the records and converted to eV / kcal/mol only in the table.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from compchem.build.cluster import ion_contacts
from compchem.errors import InputError
from compchem.models import CalcResult
from compchem.records import write_json_atomic, write_text_atomic
from compchem.units import hartree_to_ev, hartree_to_kcal_per_mol

DEFINITION = (
    "E_bind = E(Li+) + sum_i E(L_i) - E(complex), each species at its own optimized "
    "geometry; positive = bound (SCIENCE.md §2)"
)

COLUMNS = [
    "cluster",
    "ligand_models",
    "charge",
    "multiplicity",
    "E_bind_eV",
    "E_bind_kcal_per_mol",
    "paper_E_bind_eV",
    "E_bind_minus_paper_eV",
    "paper_label",
    "coordination_number",
    "donor_contacts",
    "Li_X_distances_angstrom",
    "E_complex_hartree",
    "E_bind_hartree",
    "all_converged",
    "n_opt_steps_complex",
    "geometry_xyz",
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


def _level_consistent(records: list[CalcResult], cluster: str) -> None:
    levels = {str(sorted((k, str(v)) for k, v in r.level.items() if k != "name")) for r in records}
    if len(levels) != 1:
        raise InputError(
            f"cluster '{cluster}': records come from different levels of theory; "
            "a binding energy needs one consistent level"
        )


def binding_rows(
    records: dict[str, CalcResult], clusters: list[dict[str, Any]], ion: str, geometry_dir: Path | None = None
) -> list[dict[str, Any]]:
    """One table row per cluster (see ``COLUMNS``)."""
    rows = []
    for c in clusters:
        name, ligands = c["name"], list(c["ligands"])
        e_h = binding_energy_hartree(records, ion, ligands, name)
        involved = [records[n] for n in (ion, *ligands, name)]
        _level_consistent(involved, name)
        rec = records[name]
        contacts = ion_contacts(rec.symbols, np.asarray(rec.coordinates_angstrom), rec.fragments)
        e_ev = hartree_to_ev(e_h)
        paper = c.get("paper_value_ev")
        rows.append(
            {
                "cluster": name,
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
                "E_complex_hartree": rec.energy_hartree,
                "E_bind_hartree": e_h,
                "all_converged": all(r.converged for r in involved),
                "n_opt_steps_complex": rec.n_opt_steps,
                "geometry_xyz": str(geometry_dir / f"{name}.xyz") if geometry_dir else "",
            }
        )
    return rows


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.10f}" if abs(value) > 50 else f"{value:.2f}" if abs(value) > 20 else f"{value:.3f}"
    return str(value)


def write_tables(
    rows: list[dict[str, Any]],
    level_name: str,
    records: dict[str, CalcResult],
    csv_path: str,
    md_path: str,
    json_path: str,
) -> None:
    """Write the binding table as CSV, Markdown (with definition and level) and JSON."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row[k] is None else row[k]) for k in COLUMNS})
    write_text_atomic(csv_path, buf.getvalue())

    any_rec = next(iter(records.values()))
    level = any_rec.level
    md_cols = [
        "cluster",
        "ligand_models",
        "charge",
        "E_bind_eV",
        "paper_E_bind_eV",
        "E_bind_minus_paper_eV",
        "coordination_number",
        "donor_contacts",
        "Li_X_distances_angstrom",
        "all_converged",
        "geometry_xyz",
    ]
    lines = [
        f"# Li+ binding energies, level '{level_name}'",
        "",
        f"Definition: {DEFINITION}.",
        "",
        f"Level: {level['functional']} / {level['basis']}, density fitting "
        f"{'on' if level['density_fitting'] else 'off'}, grid level {level['grid_level']}, "
        f"program {any_rec.program} {any_rec.program_version}.",
        "",
        "| " + " | ".join(md_cols) + " |",
        "|" + "---|" * len(md_cols),
    ]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row[c]) for c in md_cols) + " |")
    lines += [
        "",
        "Species energies (Hartree) and optimization steps:",
        "",
        "| species | E_hartree | n_opt_steps | converged | wall_time_s |",
        "|---|---|---|---|---|",
    ]
    for name, rec in records.items():
        lines.append(
            f"| {name} | {rec.energy_hartree:.10f} | {rec.n_opt_steps} | "
            f"{rec.converged} | {rec.wall_time_s:.1f} |"
        )
    write_text_atomic(md_path, "\n".join(lines) + "\n")
    write_json_atomic(
        json_path, {"level": level_name, "definition": DEFINITION, "level_settings": level, "rows": rows}
    )
