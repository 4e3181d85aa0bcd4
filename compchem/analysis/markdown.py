"""The Markdown report of one level's tables (``binding_energies.md``), section by section.

Each section is a list of lines: the header with the definition and the level, the binding table, E_bind
by coordination motif (clusters whose DFT poses differ in their donor atoms), the
counterpoise/thermochemistry table, the temperature scan, the implicit-solvent energies, the ligand
exchanges and the species energies; ``binding_markdown`` joins them in that order. Sections without
data are empty, so a run without the optional analyses reads as before they existed.
"""

from __future__ import annotations

from typing import Any

from compchem.analysis.columns import (
    ANALYSIS_MD_COLUMNS,
    BINDING_MD_COLUMNS,
    DEFINITION,
    EXCHANGE_DEFINITION,
    analysed_rows,
)
from compchem.analysis.labels import level_notation, medium_label
from compchem.models import CalcResult
from compchem.units import hartree_to_ev


def fmt(value: Any) -> str:
    """A table cell: '–' for a value not computed, floats with the digits their magnitude deserves."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.10f}" if abs(value) > 50 else f"{value:.2f}" if abs(value) > 20 else f"{value:.3f}"
    return str(value)


def _header_lines(level_name: str, any_rec: CalcResult) -> list[str]:
    """Title, definition, the composite protocol (if any) and the level's settings and program."""
    level = any_rec.level
    composite = level.get("geometry")
    lines = [
        f"# Li+ binding energies, level '{level_name}'"
        + (f" ({level_notation(level)})" if composite else ""),
        "",
        f"Definition: {DEFINITION}.",
        "",
    ]
    if composite:
        lines += [
            f"Composite protocol {level_notation(level)}: every species optimized at "
            f"'{composite['name']}' ({_method(composite)}), its energy a "
            "single point at the level below at that geometry.",
            "",
        ]
    settings = _method(level)
    if level.get("backend") != "xtb":  # tight binding has no density fitting, grid or dispersion setting
        settings += (
            f", density fitting {'on' if level['density_fitting'] else 'off'}, grid level "
            f"{level['grid_level']}, dispersion {level.get('dispersion') or 'none'}"
        )
    lines += [
        f"Level: {settings}, {medium_label(level)}, program {any_rec.program} {any_rec.program_version}.",
        "",
    ]
    return lines


def _method(level: dict[str, Any]) -> str:
    """``functional / basis`` of a recorded level; an xTB level's method alone (it has no basis)."""
    if level.get("backend") == "xtb":
        return f"{level['functional']} (tight binding)"
    return f"{level['functional']} / {level['basis']}"


def _binding_table_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| " + " | ".join(BINDING_MD_COLUMNS) + " |", "|" + "---|" * len(BINDING_MD_COLUMNS)]
    lines += ["| " + " | ".join(fmt(row[c]) for c in BINDING_MD_COLUMNS) + " |" for row in rows]
    return lines + interligand_bond_lines(rows)


def interligand_bond_lines(rows: list[dict[str, Any]]) -> list[str]:
    """A warning per cluster whose ligands are bonded to each other (``interligand_bonds``): its E_bind
    counts the new bond as well as the ion's binding. Empty when no cluster has one."""
    bonded = [r for r in rows if r.get("interligand_bonds")]
    if not bonded:
        return []
    return [
        "",
        "Ligands bonded to each other (bond lengths below 1.2 x the sum of covalent radii): E_bind of "
        "these clusters includes the bond between their ligands, not only the binding of the ion:",
        "",
        *(f"- {r['cluster']}: {r['interligand_bonds']}" for r in bonded),
    ]


def motif_lines(rows: list[dict[str, Any]], poses: dict[str, dict[str, Any]]) -> list[str]:
    """Section "E_bind by coordination motif": for each cluster whose DFT poses (``poses``: cluster ->
    pose summary, ``summarize_poses``) bind the ion through more than one set of donor atoms, one line
    per pose with its coordination after DFT and E_bind = the row's E_bind (its selected pose) minus the
    pose's energy above that pose (the ion and free ligands are the same for every pose)."""
    lines: list[str] = []
    notes: list[str] = []
    for row in rows:
        summary = poses.get(row["cluster"])
        if summary is None or len({tuple(sorted(p["donor_contacts"])) for p in summary["poses"]}) < 2:
            continue
        e_bind_ev = hartree_to_ev(row["E_bind_hartree"])
        for p in summary["poses"]:
            note = ", ".join(
                n for n, on in (("selected", p["selected"]), ("not converged", not p["converged"])) if on
            )
            lines.append(
                f"| {row['cluster']} | {p['pose']} | {p['coordination_number']} | "
                f"{'; '.join(p['donor_contacts'])} | {p['relative_energy_ev']:.3f} | "
                f"{e_bind_ev - p['relative_energy_ev']:.3f} | {note} |"
            )
        screened = summary.get("level")
        if screened is not None and screened != summary.get("ranked_at_level"):
            notes.append(
                f"{row['cluster']}: the poses were optimized and ranked at '{summary['ranked_at_level']}' "
                f"(pose screening), only pose {summary['selected_pose']} at the table's level; the other "
                "poses' E_bind_eV add that level's relative energies to the table's E_bind (mixed levels)."
            )
    if not lines:
        return []
    return [
        "",
        "E_bind by coordination motif (clusters whose DFT poses bind the ion through different donor "
        "atoms; one line per DFT pose; E_bind_eV = the cluster's E_bind minus the pose's energy above "
        "the selected pose, as the ion and the free ligands are shared; positive = bound):",
        "",
        "| cluster | pose | coordination_number | donor_atoms_after_DFT | relative_energy_eV | E_bind_eV "
        "| note |",
        "|---|---|---|---|---|---|---|",
        *lines,
        *(["", *notes] if notes else []),
    ]


def _analysis_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown section with the counterpoise and thermochemistry columns of the rows that have any."""
    filled = analysed_rows(rows)
    if not filled:
        return []
    lines = [
        "",
        "Counterpoise, deformation and thermochemistry (positive = bound; empty = not computed):",
        "",
    ]
    conditions: dict[tuple[Any, ...], list[str]] = {}
    for r in filled:
        if r["dG_bind_eV"] is not None:
            key = (
                r["frequencies_level"],
                r.get("frequencies_geometry"),
                r["thermo_temperature_K"],
                r["thermo_standard_state"],
            )
            conditions.setdefault(key, []).append(r["cluster"])
    for (freq_level, geometry, temperature, state), names in conditions.items():
        where = f"level '{freq_level}'" if freq_level else "the table's level"
        if geometry == "run_level":
            where += " at the table's geometries (single-point Hessians, not re-optimized there)"
        lines += [
            f"Thermochemistry of {', '.join(names)}: harmonic frequencies at {where}, "
            f"T = {temperature} K, standard state {state}.",
            "",
        ]
    lines += ["| " + " | ".join(ANALYSIS_MD_COLUMNS) + " |", "|" + "---|" * len(ANALYSIS_MD_COLUMNS)]
    lines += ["| " + " | ".join(fmt(r[c]) for c in ANALYSIS_MD_COLUMNS) + " |" for r in filled]
    moved = [r for r in filled if r.get("thermo_coordination_kept") is False]
    if moved:
        lines += [
            "",
            "Caution: at the frequencies level the ion's donor atoms changed in the re-optimization of "
            f"{', '.join(r['cluster'] for r in moved)}: the ZPE/H/G "
            "corrections there belong to another minimum than the table's geometry "
            "(column thermo_coordination_kept; RMSD in thermo_geometry_rmsd_angstrom).",
        ]
    return lines


def _scan_lines(scan: list[dict[str, Any]]) -> list[str]:
    """Markdown section: ΔG of each binding and exchange at the scanned temperatures."""
    if not scan:
        return []
    temperatures = sorted({r["temperature_K"] for r in scan})
    names = list(dict.fromkeys((r["kind"], r["name"]) for r in scan))
    value = {(r["kind"], r["name"], r["temperature_K"]): r["dG_eV"] for r in scan}
    lines = [
        "",
        "Free energies at other temperatures (thermo.temperature_scan_k; same frequencies; binding: "
        "positive = bound, exchange: negative = products favoured; thermo_temperatures.csv also has dH):",
        "",
        "| kind | name | " + " | ".join(f"dG_eV at {t:g} K" for t in temperatures) + " |",
        "|" + "---|" * (2 + len(temperatures)),
    ]
    for kind, name in names:
        cells = [fmt(value.get((kind, name, t))) for t in temperatures]
        lines.append(f"| {kind} | {name} | " + " | ".join(cells) + " |")
    return lines


def _solvent_lines(rows: list[dict[str, Any]], exchanges: list[dict[str, Any]]) -> list[str]:
    """Markdown section with the implicit-solvent binding and exchange energies, where computed, and
    their free energies in the solvent (1 mol/L) where the thermochemistry is there too."""
    solv_rows = [r for r in rows if r.get("E_bind_solv_eV") is not None]
    solv_ex = [x for x in exchanges if x.get("dE_exchange_solv_eV") is not None]
    if not solv_rows and not solv_ex:
        return []
    label = (solv_rows or solv_ex)[0]["solvent"]
    cells = [(r["cluster"], r["E_bind_eV"], r["E_bind_solv_eV"], r.get("dG_bind_solv_eV")) for r in solv_rows]
    cells += [
        (x["reaction"], x["dE_exchange_eV"], x["dE_exchange_solv_eV"], x.get("dG_exchange_solv_eV"))
        for x in solv_ex
    ]
    with_g = any(c[3] is not None for c in cells)
    lines = [
        "",
        f"IMPLICIT SOLVENT ({label}): single points at the gas-phase geometries, same level otherwise "
        "(positive E_bind = bound, negative dE_exchange = products favoured)"
        + (
            "; dG in the solvent = gas-phase dG + solvation energies, every species at 1 mol/L:"
            if with_g
            else ":"
        ),
        "",
        "| cluster or reaction | gas phase (eV) | implicit solvent (eV) |"
        + (" dG in solvent, 1 M (eV) |" if with_g else ""),
        "|---|---|---|" + ("---|" if with_g else ""),
    ]
    lines += [
        f"| {name} | {gas:.3f} | {solv:.3f} |" + (f" {fmt(g)} |" if with_g else "")
        for name, gas, solv, g in cells
    ]
    return lines


def _exchange_lines(exchanges: list[dict[str, Any]]) -> list[str]:
    """Markdown section with the ligand-exchange reactions and a caution where a donor set changed."""
    if not exchanges:
        return []
    lines = [
        "",
        "Ligand exchange between clusters:",
        "",
        f"Definition: {EXCHANGE_DEFINITION}.",
        "",
        "| reaction | equation | dE_exchange_eV | dE_exchange_kcal_per_mol | dE_ZPE_exchange_eV "
        "| dH_exchange_eV | dG_exchange_eV |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {x['reaction']} | {x['equation']} | {x['dE_exchange_eV']:.3f} | "
        f"{x['dE_exchange_kcal_per_mol']:.1f} | "
        + " | ".join(fmt(x.get(c)) for c in ("dE_ZPE_exchange_eV", "dH_exchange_eV", "dG_exchange_eV"))
        + " |"
        for x in exchanges
    ]
    moved = [x["reaction"] for x in exchanges if x.get("thermo_coordination_kept") is False]
    if moved:
        lines += [
            "",
            f"Caution: the ZPE/H/G columns of {', '.join(moved)} include a species whose ion "
            "changed its donor atoms in the re-optimization at the frequencies level "
            "(see the caution above).",
        ]
    return lines


def _species_lines(records: dict[str, CalcResult]) -> list[str]:
    lines = [
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
    return lines


def binding_markdown(
    rows: list[dict[str, Any]],
    level_name: str,
    records: dict[str, CalcResult],
    exchanges: list[dict[str, Any]],
    scan: list[dict[str, Any]],
    poses: dict[str, dict[str, Any]] | None = None,
) -> str:
    """The whole Markdown report of one level (``write_tables``); ``poses`` (cluster -> pose
    summary) adds E_bind by coordination motif where the DFT poses differ in their donor atoms."""
    lines = _header_lines(level_name, next(iter(records.values())))
    lines += _binding_table_lines(rows)
    lines += motif_lines(rows, poses or {})
    lines += _analysis_lines(rows)
    lines += _scan_lines(scan)
    lines += _solvent_lines(rows, exchanges)
    lines += _exchange_lines(exchanges)
    lines += _species_lines(records)
    return "\n".join(lines) + "\n"
