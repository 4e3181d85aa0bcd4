"""Binding energies from records (SCIENCE.md §2).

E_bind = E(ion) + Σ E(L_i) − E(C), every species at its own optimized geometry; positive = bound.
Energies are Hartree in the records and converted to eV / kcal/mol only in the table.
"""

from __future__ import annotations

import csv
import io
import json
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
    # the level as named in the config; a composite protocol reads B//A (single point // geometry)
    "level",
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
    # the searched poses optimized with DFT (SCIENCE.md §3): the lowest is reported
    "n_poses_dft",
    "poses_ranked_at_level",
    "selected_pose",
    "E_bind_spread_eV",
    "preopt_best_minus_dft_best_eV",
    # filled when the config asks for frequencies (thermo.frequencies) and counterpoise
    "E_bind_ZPE_eV",
    "dH_bind_eV",
    "dG_bind_eV",
    "all_minima",
    "frequencies_level",
    # composite thermochemistry: "reoptimized" at the frequencies level, or Hessians at the "run_level"
    # geometry (thermo.frequencies_geometry); how far the re-optimization at the frequencies level
    # moved the cluster, and whether every species kept its ion's donor atoms there
    "frequencies_geometry",
    "thermo_geometry_rmsd_angstrom",
    "thermo_coordination_kept",
    "thermo_temperature_K",
    "thermo_standard_state",
    "E_int_frozen_eV",
    "BSSE_eV",
    "E_int_CP_eV",
    "E_bind_CP_eV",
    "E_deformation_eV",
    # filled with thermo.solvent: implicit-solvent single points at the gas-phase geometries
    "E_bind_solv_eV",
    "solvent",
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


def level_key(level: dict[str, Any]) -> str:
    """Canonical text of a recorded level's science: names and unset (None) settings left out, as in
    the content hash, so records written before an optional setting existed still compare equal; and
    the optimizer's settings (``opt_*``: convergence criteria and rule, step limit, initial Hessian) left
    out, since they decide where an optimization stops within its tolerance, not what is computed.
    Records converged under different criteria of one level are reused together by design
    (``CalcSpec.reusable_keys``), so their energies combine into one binding energy."""

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {
            k: clean(v) if isinstance(v, dict) and k in ("preopt", "geometry") else v
            for k, v in d.items()
            if k not in ("name", "energy_level") and v is not None and not k.startswith("opt_")
        }

    return json.dumps(clean(level), sort_keys=True)


def _level_consistent(records: list[CalcResult], cluster: str) -> None:
    levels = {level_key(r.level) for r in records}
    if len(levels) != 1:
        raise InputError(
            f"cluster '{cluster}': records come from different levels of theory; "
            "a binding energy needs one consistent level"
        )


def _thermo_delta(
    thermo: dict[str, dict[str, Any]], reactants: list[str], products: list[str], where: str
) -> dict[str, float] | None:
    """Σ products − Σ reactants of the ZPE-corrected energy, H(T) and G(T) (Hartree); None unless every
    species has its thermochemistry, all from one frequency level."""
    names = [*reactants, *products]
    if any(n not in thermo for n in names):
        return None
    _check_one_frequencies_level(thermo, names, where)

    def delta(value) -> float:
        return sum(value(thermo[n]["thermo"]) for n in products) - sum(
            value(thermo[n]["thermo"]) for n in reactants
        )

    return {
        "zpe_corrected_energy_hartree": delta(lambda t: t["energy_hartree"] + t["zpe_hartree"]),
        "enthalpy_hartree": delta(lambda t: t["enthalpy_hartree"]),
        "gibbs_hartree": delta(lambda t: t["gibbs_hartree"]),
    }


def _check_one_frequencies_level(thermo: dict[str, dict[str, Any]], names: list[str], where: str) -> None:
    """An InputError unless the thermo files of ``names`` come from one frequency level and geometry."""
    # files written before frequencies_level existed were always at the run level
    freq_levels = {
        (level_key(thermo[n]["frequencies_level_settings"]), _frequencies_geometry(thermo[n]))
        if thermo[n].get("composite")
        else "run level"
        for n in names
    }
    if len(freq_levels) != 1:
        raise InputError(
            f"{where}: thermochemistry of its species comes from different frequency levels; "
            "rerun the thermo jobs with one thermo.frequencies_level"
        )


def _frequencies_geometry(thermo: dict[str, Any]) -> str | None:
    """Where a thermo file's frequencies were taken: "reoptimized" (at the frequencies level's own
    minimum; also files written before this was recorded) or "run_level"; None when not composite."""
    if not thermo.get("composite"):
        return None
    return thermo.get("frequencies_geometry") or "reoptimized"


def _coordination_kept(thermo: dict[str, dict[str, Any]], names: list[str]) -> bool | None:
    """False when the re-optimization at the frequencies level (composite thermochemistry) changed the
    ion's donor atoms of any of ``names``, so that their corrections belong to another minimum; None
    when no thermo file says (not composite, or written before this was recorded)."""
    kept = [
        thermo[n]["frequencies_geometry_change"]["coordination_kept"]
        for n in names
        if (thermo[n].get("frequencies_geometry_change") or {}).get("coordination_kept") is not None
    ]
    return all(kept) if kept else None


def _thermo_columns(thermo: dict[str, dict[str, Any]], species: list[str], cluster: str) -> dict[str, Any]:
    """Binding (positive = bound) from ZPE-corrected energies, H(T) and G(T) of every species."""
    # binding = Σ E(fragments) − E(cluster): the dissociation cluster -> fragments
    d = _thermo_delta(thermo, [cluster], species, f"cluster '{cluster}'")
    if d is None:
        return {}
    return {
        "E_bind_ZPE_eV": round(hartree_to_ev(d["zpe_corrected_energy_hartree"]), 4),
        "dH_bind_eV": round(hartree_to_ev(d["enthalpy_hartree"]), 4),
        "dG_bind_eV": round(hartree_to_ev(d["gibbs_hartree"]), 4),
        "all_minima": all(thermo[n]["is_minimum"] for n in (*species, cluster)),
        "frequencies_level": thermo[cluster].get("frequencies_level"),
        "frequencies_geometry": _frequencies_geometry(thermo[cluster]),
        "thermo_geometry_rmsd_angstrom": (thermo[cluster].get("frequencies_geometry_change") or {}).get(
            "rmsd_angstrom"
        ),
        "thermo_coordination_kept": _coordination_kept(thermo, [*species, cluster]),
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


def level_notation(level: dict[str, Any]) -> str:
    """A record's level as tables name it: the config name, or ``B//A`` for a composite protocol
    (single-point level // geometry level)."""
    geometry = level.get("geometry")
    if not geometry:
        return str(level["name"])
    return f"{level.get('energy_level') or level['name']}//{geometry['name']}"


def protocol(records: list[CalcResult]) -> str:
    """The level notation of one binding or exchange energy, from its last record (the cluster or the
    product side); ``_level_consistent`` checks that the records share one level."""
    return level_notation(records[-1].level)


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
        _level_consistent(involved, name)
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
                **_solvent_columns(solvent or {}, [ion, *ligands], [name], "E_bind_solv_eV"),
            }
        )
    return rows


def _solvent_columns(
    solvent: dict[str, dict[str, Any]], left: list[str], right: list[str], column: str
) -> dict[str, Any]:
    """``column`` = Σ E_solv(left) − Σ E_solv(right) in eV from the implicit-solvent single points, and
    the solvent's label; nothing when a species lacks its single point."""
    names = [*left, *right]
    if not solvent or any(n not in solvent for n in names):
        return {}
    labels = {json.dumps(solvent[n]["solvent"], sort_keys=True) for n in names}
    if len(labels) > 1:
        raise InputError(f"{column} of {right}: single points in different solvents {sorted(labels)}")
    e_h = sum(solvent[n]["energy_hartree"] for n in left) - sum(solvent[n]["energy_hartree"] for n in right)
    s = solvent[names[0]]["solvent"]
    label = f"{s['name']}: {s['model']} eps={s['eps']}" + _radii_label(s.get("radii_angstrom"))
    return {column: round(hartree_to_ev(e_h), 4), "solvent": label}


def _radii_label(radii: dict[str, float] | None) -> str:
    """', cavity radii Li 1.9 A' for elements whose cavity radius was set; '' for the model's own."""
    if not radii:
        return ""
    return ", cavity radii " + ", ".join(f"{el} {float(r):g} Å" for el, r in sorted(radii.items()))


EXCHANGE_DEFINITION = (
    "dE_exchange = sum E(products) - sum E(reactants), every species at its own optimized geometry; "
    "negative = the products (right-hand side) are favoured"
)


def exchange_rows(
    records: dict[str, CalcResult],
    exchanges: list[dict[str, Any]],
    thermo: dict[str, dict[str, Any]] | None = None,
    solvent: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Ligand-exchange reaction energies, e.g. Li⁺(PDOL)2 + 2 Im → Li⁺(PDOL)(Im)2 + PDOL; with ``thermo``
    (species -> thermo JSON) also ZPE-corrected, ΔH(T) and ΔG(T) where every species has them, with
    ``solvent`` (species -> implicit-solvent single point) the reaction energy in the solvent."""
    rows = []
    for ex in exchanges:
        sides = {"reactants": ex["reactants"], "products": ex["products"]}
        missing = [n for side in sides.values() for n in side if n not in records]
        if missing:
            raise InputError(f"exchange '{ex['name']}': no record for {sorted(set(missing))}")
        involved = [records[n] for side in sides.values() for n in side]
        _level_consistent(involved, ex["name"])
        e_h = sum(records[n].energy_hartree for n in ex["products"]) - sum(
            records[n].energy_hartree for n in ex["reactants"]
        )

        def side_text(names: list[str]) -> str:
            return " + ".join(
                f"{names.count(n)} {n}" if names.count(n) > 1 else n for n in dict.fromkeys(names)
            )

        rows.append(
            {
                "reaction": ex["name"],
                "level": protocol(involved),
                "equation": f"{side_text(ex['reactants'])} -> {side_text(ex['products'])}",
                "dE_exchange_eV": round(hartree_to_ev(e_h), 4),
                "dE_exchange_kcal_per_mol": round(hartree_to_kcal_per_mol(e_h), 2),
                "dE_exchange_hartree": e_h,
                **_exchange_thermo_columns(thermo or {}, ex),
                "dE_exchange_solv_eV": None,
                "solvent": None,
                **_solvent_columns(solvent or {}, ex["products"], ex["reactants"], "dE_exchange_solv_eV"),
                "description": ex.get("description", ""),
            }
        )
    return rows


def _exchange_thermo_columns(thermo: dict[str, dict[str, Any]], ex: dict[str, Any]) -> dict[str, Any]:
    d = _thermo_delta(thermo, list(ex["reactants"]), list(ex["products"]), f"exchange '{ex['name']}'")
    if d is None:
        return dict.fromkeys(
            EXCHANGE_COLUMNS[
                EXCHANGE_COLUMNS.index("dE_ZPE_exchange_eV") : EXCHANGE_COLUMNS.index("dE_exchange_solv_eV")
            ]
        )
    return {
        "dE_ZPE_exchange_eV": round(hartree_to_ev(d["zpe_corrected_energy_hartree"]), 4),
        "dH_exchange_eV": round(hartree_to_ev(d["enthalpy_hartree"]), 4),
        "dG_exchange_eV": round(hartree_to_ev(d["gibbs_hartree"]), 4),
        "frequencies_level": thermo[ex["products"][0]].get("frequencies_level"),
        "frequencies_geometry": _frequencies_geometry(thermo[ex["products"][0]]),
        "thermo_coordination_kept": _coordination_kept(thermo, [*ex["reactants"], *ex["products"]]),
    }


def medium_label(level: dict[str, Any]) -> str:
    """'gas phase', or the implicit-solvent model and dielectric constant, for table headers."""
    if not level.get("solvent_model"):
        return "gas phase"
    radii = _radii_label(level.get("solvent_radii_angstrom"))
    return f"IMPLICIT SOLVENT {level['solvent_model']} (eps = {level['solvent_eps']}{radii})"


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.10f}" if abs(value) > 50 else f"{value:.2f}" if abs(value) > 20 else f"{value:.3f}"
    return str(value)


EXCHANGE_COLUMNS = [
    "reaction",
    "level",
    "equation",
    "dE_exchange_eV",
    "dE_exchange_kcal_per_mol",
    "dE_exchange_hartree",
    # filled when every species has its thermochemistry (thermo.frequencies)
    "dE_ZPE_exchange_eV",
    "dH_exchange_eV",
    "dG_exchange_eV",
    "frequencies_level",
    "frequencies_geometry",
    "thermo_coordination_kept",
    # with thermo.solvent: the same reaction from implicit-solvent single points at the gas-phase geometries
    "dE_exchange_solv_eV",
    "solvent",
    "description",
]


def _csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row[k] is None else row[k]) for k in columns})
    return buf.getvalue()


#: columns of the Markdown table of the optional analyses (counterpoise, frequencies)
ANALYSIS_MD_COLUMNS = [
    "cluster",
    "E_bind_eV",
    "BSSE_eV",
    "E_bind_CP_eV",
    "E_deformation_eV",
    "E_bind_ZPE_eV",
    "dH_bind_eV",
    "dG_bind_eV",
    "all_minima",
    "thermo_coordination_kept",
]


def analysed_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with any counterpoise or thermochemistry value (the columns after E_bind_eV)."""
    return [r for r in rows if any(r.get(c) is not None for c in ANALYSIS_MD_COLUMNS[2:])]


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
    lines += ["| " + " | ".join(_fmt(r[c]) for c in ANALYSIS_MD_COLUMNS) + " |" for r in filled]
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


SCAN_COLUMNS = [
    "name",
    "kind",
    "temperature_K",
    "dH_eV",
    "dG_eV",
    "frequencies_level",
    "frequencies_geometry",
]


def thermo_scan_rows(
    clusters: list[dict[str, Any]],
    ion: str,
    exchanges: list[dict[str, Any]],
    thermo: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """ΔH(T) and ΔG(T) (eV) of every binding (kind ``binding``, positive = bound) and exchange (kind
    ``exchange``, Σ products − Σ reactants) at each temperature of ``thermo.temperature_scan_k``, from
    the ``temperature_scan`` of the thermo files; only temperatures every species has. Empty without
    a scan."""
    out = []
    for c in clusters:
        out += _scan_rows(thermo, [c["name"]], [ion, *c["ligands"]], c["name"], "binding")
    for ex in exchanges:
        out += _scan_rows(thermo, list(ex["reactants"]), list(ex["products"]), ex["name"], "exchange")
    return out


def _scan_rows(
    thermo: dict[str, dict[str, Any]], reactants: list[str], products: list[str], name: str, kind: str
) -> list[dict[str, Any]]:
    names = [*reactants, *products]
    if any(not (thermo.get(n) or {}).get("temperature_scan") for n in names):
        return []
    _check_one_frequencies_level(thermo, names, f"{kind} '{name}'")
    by_t = {n: {round(e["temperature_k"], 6): e for e in thermo[n]["temperature_scan"]} for n in names}
    common = sorted(set.intersection(*(set(v) for v in by_t.values())))

    def delta(t: float, key: str) -> float:
        return sum(by_t[n][t][key] for n in products) - sum(by_t[n][t][key] for n in reactants)

    return [
        {
            "name": name,
            "kind": kind,
            "temperature_K": t,
            "dH_eV": round(hartree_to_ev(delta(t, "enthalpy_hartree")), 4),
            "dG_eV": round(hartree_to_ev(delta(t, "gibbs_hartree")), 4),
            "frequencies_level": thermo[products[0]].get("frequencies_level"),
            "frequencies_geometry": _frequencies_geometry(thermo[products[0]]),
        }
        for t in common
    ]


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
        cells = [_fmt(value.get((kind, name, t))) for t in temperatures]
        lines.append(f"| {kind} | {name} | " + " | ".join(cells) + " |")
    return lines


def _solvent_lines(rows: list[dict[str, Any]], exchanges: list[dict[str, Any]]) -> list[str]:
    """Markdown section with the implicit-solvent binding and exchange energies, where computed."""
    solv_rows = [r for r in rows if r.get("E_bind_solv_eV") is not None]
    solv_ex = [x for x in exchanges if x.get("dE_exchange_solv_eV") is not None]
    if not solv_rows and not solv_ex:
        return []
    label = (solv_rows or solv_ex)[0]["solvent"]
    lines = [
        "",
        f"IMPLICIT SOLVENT ({label}): single points at the gas-phase geometries, same level otherwise "
        "(positive E_bind = bound, negative dE_exchange = products favoured):",
        "",
        "| cluster or reaction | gas phase (eV) | implicit solvent (eV) |",
        "|---|---|---|",
    ]
    lines += [f"| {r['cluster']} | {r['E_bind_eV']:.3f} | {r['E_bind_solv_eV']:.3f} |" for r in solv_rows]
    lines += [
        f"| {x['reaction']} | {x['dE_exchange_eV']:.3f} | {x['dE_exchange_solv_eV']:.3f} |" for x in solv_ex
    ]
    return lines


def write_tables(
    rows: list[dict[str, Any]],
    level_name: str,
    records: dict[str, CalcResult],
    csv_path: str,
    md_path: str,
    json_path: str,
    exchanges: list[dict[str, Any]] | None = None,
    exchange_csv_path: str | None = None,
    scan: list[dict[str, Any]] | None = None,
    scan_csv_path: str | None = None,
) -> None:
    """Write the binding table as CSV, Markdown (with definition and level) and JSON, the
    exchange-reaction table (CSV, and sections of the Markdown and JSON), and the temperature scan
    of ΔH and ΔG (``thermo_scan_rows``; CSV, header only without a scan, and Markdown/JSON sections)."""
    exchanges = exchanges or []
    scan = scan or []
    write_text_atomic(csv_path, _csv_text(rows, COLUMNS))
    if exchange_csv_path:
        write_text_atomic(exchange_csv_path, _csv_text(exchanges, EXCHANGE_COLUMNS))
    if scan_csv_path:
        write_text_atomic(scan_csv_path, _csv_text(scan, SCAN_COLUMNS))

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
        "n_poses_dft",
        "E_bind_spread_eV",
        "all_converged",
        "geometry_xyz",
    ]
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
            f"'{composite['name']}' ({composite['functional']} / {composite['basis']}), its energy a "
            "single point at the level below at that geometry.",
            "",
        ]
    lines += [
        f"Level: {level['functional']} / {level['basis']}, density fitting "
        f"{'on' if level['density_fitting'] else 'off'}, grid level {level['grid_level']}, "
        f"dispersion {level.get('dispersion') or 'none'}, "
        f"{medium_label(level)}, "
        f"program {any_rec.program} {any_rec.program_version}.",
        "",
        "| " + " | ".join(md_cols) + " |",
        "|" + "---|" * len(md_cols),
    ]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row[c]) for c in md_cols) + " |")
    lines += _analysis_lines(rows)
    lines += _scan_lines(scan)
    lines += _solvent_lines(rows, exchanges)
    if exchanges:
        lines += [
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
            + " | ".join(_fmt(x.get(c)) for c in ("dE_ZPE_exchange_eV", "dH_exchange_eV", "dG_exchange_eV"))
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
        json_path,
        {
            "level": level_name,
            "definition": DEFINITION,
            "level_settings": level,
            "rows": rows,
            "exchange_definition": EXCHANGE_DEFINITION,
            "exchanges": exchanges,
            "temperature_scan": scan,
        },
    )
