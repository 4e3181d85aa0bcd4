"""The linker-model x PDOL-model study (config ``model_study``, issue 18) as a table: one row per
combination of linker model L and PDOL model P with E_bind of Li+-L, Li+-P, Li+(P)2 and Li+(P)(L)2,
the exchange Li+(P)2 + 2 L -> Li+(P)(L)2 + P (ΔE, and ΔG and the implicit-solvent ΔE where the
binding table has them), and whether each of the paper's two orderings holds. Pure: the rows come
from the binding table JSON of the level (``binding_energies.json``) and the combinations of the
plan; the CSV and Markdown texts are built here too, the figure in ``compchem.report.model_study_plot``.
"""

from __future__ import annotations

from typing import Any

from compchem.analysis.markdown import fmt
from compchem.analysis.tables import csv_text
from compchem.errors import InputError

#: the paper's values (ACS Nano 2024, B3LYP/6-311+G(d,p)), by the role of the cluster in a combination
PAPER_E_BIND_EV: dict[str, float] = {
    "li_linker": 2.28,  # Li-imidazolate
    "li_pdol": 2.60,  # Li-PDOL
    "li_pdol2": 4.32,  # Li+ with 2PDOL
    "li_pdol_linker2": 4.02,  # Li+ with PDOL-2Im
}
#: the paper's exchange energy implied by its values: E_bind(Li+(P)2) - E_bind(Li+(P)(L)2)
PAPER_EXCHANGE_EV = round(PAPER_E_BIND_EV["li_pdol2"] - PAPER_E_BIND_EV["li_pdol_linker2"], 4)

#: the E_bind column of each cluster role
E_BIND_COLUMNS: dict[str, str] = {
    "li_linker": "E_bind_Li_linker_eV",
    "li_pdol": "E_bind_Li_pdol_eV",
    "li_pdol2": "E_bind_Li_pdol2_eV",
    "li_pdol_linker2": "E_bind_Li_pdol_linker2_eV",
}

MODEL_STUDY_COLUMNS = [
    "linker",
    "pdol",
    "level",
    "Li_linker_charge",
    *E_BIND_COLUMNS.values(),
    # Li+(P)2 + 2 L -> Li+(P)(L)2 + P from the exchange table; dG with thermo.frequencies, solv with
    # thermo.solvent (empty otherwise)
    "dE_exchange_eV",
    "dG_exchange_eV",
    "dE_exchange_solv_eV",
    "dG_exchange_solv_eV",
    # the paper's orderings: (1) E_bind(Li+-L) < E_bind(Li+-P); (2) E_bind(Li+(P)(L)2) < E_bind(Li+(P)2)
    "linker_below_pdol",
    "pdol_linker2_below_pdol2",
    # ordering (2) as a free energy in the solvent: dG_exchange_solv_eV > 0
    "pdol_linker2_below_pdol2_dG_solv",
    # bonds between two ligands in any of the combination's clusters (binding table's interligand_bonds)
    "interligand_bonds",
    "cluster_Li_linker",
    "cluster_Li_pdol",
    "cluster_Li_pdol2",
    "cluster_Li_pdol_linker2",
    "exchange",
]

LEGEND = [
    "E_bind = E(Li+) + sum_i E(L_i) - E(complex), eV, each species at its own optimized geometry; "
    "positive = bound. L: linker model, P: PDOL model.",
    "dE_exchange: Li+(P)2 + 2 L -> Li+(P)(L)2 + P = E_bind(Li+(P)2) - E_bind(Li+(P)(L)2); positive = "
    "uphill, the linker does not take Li+ from bulk PDOL. dG and the implicit-solvent value (solv) "
    "where the run has them; dG_solv = dG + the solvation energies, every species at 1 mol/L.",
    "Orderings of the paper: (1) linker < PDOL: E_bind(Li+-L) < E_bind(Li+-P); (2) PDOL-2L < 2PDOL: "
    "E_bind(Li+(P)(L)2) < E_bind(Li+(P)2), i.e. dE_exchange > 0; the same as a free energy in the "
    "solvent (_dG_solv): dG_exchange_solv > 0.",
    f"Paper (B3LYP/6-311+G(d,p)): Li-imidazolate {PAPER_E_BIND_EV['li_linker']:.2f}, Li-PDOL "
    f"{PAPER_E_BIND_EV['li_pdol']:.2f}, Li+ 2PDOL {PAPER_E_BIND_EV['li_pdol2']:.2f}, Li+ PDOL-2Im "
    f"{PAPER_E_BIND_EV['li_pdol_linker2']:.2f} eV: both orderings hold, "
    f"dE_exchange = {PAPER_EXCHANGE_EV:.2f} eV.",
]

#: columns of the Markdown table
MD_COLUMNS = [
    "linker",
    "pdol",
    "Li_linker_charge",
    *E_BIND_COLUMNS.values(),
    "dE_exchange_eV",
    "dG_exchange_eV",
    "dE_exchange_solv_eV",
    "dG_exchange_solv_eV",
    "linker_below_pdol",
    "pdol_linker2_below_pdol2",
    "pdol_linker2_below_pdol2_dG_solv",
]


def _by_name(items: list[dict[str, Any]] | None, key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items or []}


def model_study_rows(
    table: dict[str, Any], combinations: list[dict[str, str]], partial: bool = False
) -> list[dict[str, Any]]:
    """One row per combination (``StudyCombination.to_dict``) from the binding table JSON ``table``.

    A cluster or exchange missing from the table is an InputError naming it, unless ``partial``
    (a study still running, ``compchem model-study``): then its cells are None, and so is an ordering
    whose two sides are not both there."""
    binding = _by_name(table.get("rows"), "cluster")
    exchanges = _by_name(table.get("exchanges"), "reaction")
    rows = []
    for combo in combinations:
        missing = [combo[role] for role in E_BIND_COLUMNS if combo[role] not in binding]
        missing += [combo["exchange"]] if combo["exchange"] not in exchanges else []
        if missing and not partial:
            raise InputError(
                f"model study {combo['linker']} x {combo['pdol']}: the binding table of level "
                f"'{table.get('level')}' has no {missing}"
            )
        e_bind = {role: binding.get(combo[role], {}).get("E_bind_eV") for role in E_BIND_COLUMNS}
        ex = exchanges.get(combo["exchange"], {})
        li_linker = binding.get(combo["li_linker"], {})
        rows.append(
            {
                "linker": combo["linker"],
                "pdol": combo["pdol"],
                "level": li_linker.get("level", table.get("level")),
                "Li_linker_charge": li_linker.get("charge"),
                **{E_BIND_COLUMNS[role]: value for role, value in e_bind.items()},
                "dE_exchange_eV": ex.get("dE_exchange_eV"),
                "dG_exchange_eV": ex.get("dG_exchange_eV"),
                "dE_exchange_solv_eV": ex.get("dE_exchange_solv_eV"),
                "dG_exchange_solv_eV": ex.get("dG_exchange_solv_eV"),
                "linker_below_pdol": _below(e_bind["li_linker"], e_bind["li_pdol"]),
                "pdol_linker2_below_pdol2": _below(e_bind["li_pdol_linker2"], e_bind["li_pdol2"]),
                "pdol_linker2_below_pdol2_dG_solv": _below(0.0, ex.get("dG_exchange_solv_eV")),
                "interligand_bonds": "; ".join(
                    f"{combo[role]}: {binding[combo[role]]['interligand_bonds']}"
                    for role in E_BIND_COLUMNS
                    if binding.get(combo[role], {}).get("interligand_bonds")
                ),
                "cluster_Li_linker": combo["li_linker"],
                "cluster_Li_pdol": combo["li_pdol"],
                "cluster_Li_pdol2": combo["li_pdol2"],
                "cluster_Li_pdol_linker2": combo["li_pdol_linker2"],
                "exchange": combo["exchange"],
            }
        )
    return rows


def _below(a: float | None, b: float | None) -> bool | None:
    """``a < b``, or None where either is not computed."""
    return None if a is None or b is None else bool(a < b)


def model_study_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV (``MODEL_STUDY_COLUMNS``; empty cells for values not computed)."""
    return csv_text(rows, MODEL_STUDY_COLUMNS)


def model_study_markdown(
    rows: list[dict[str, Any]], level_name: str, level_label: str, extra: list[str] | None = None
) -> str:
    """The Markdown report: title, legend, the table and which orderings hold how often; ``extra``
    lines (e.g. E_bind by coordination motif) go at the end."""
    lines = [f"# Linker and PDOL models: Li+ binding, level '{level_name}' ({level_label})", ""]
    lines += [f"- {item}" for item in LEGEND]
    lines += ["", "| " + " | ".join(MD_COLUMNS) + " |", "|" + "---|" * len(MD_COLUMNS)]
    lines += ["| " + " | ".join(fmt(row[c]) for c in MD_COLUMNS) + " |" for row in rows]
    keys = ("linker_below_pdol", "pdol_linker2_below_pdol2", "pdol_linker2_below_pdol2_dG_solv")
    held = [sum(r[key] is not None and bool(r[key]) for r in rows) for key in keys]
    known = [sum(r[key] is not None for r in rows) for key in keys]
    lines += [
        "",
        f"Ordering (1) linker < PDOL holds for {held[0]} of {known[0]} combinations; "
        f"ordering (2) PDOL-2L < 2PDOL for {held[1]} of {known[1]}"
        + (
            f"; as a free energy in the solvent (dG_exchange_solv > 0) for {held[2]} of {known[2]}."
            if known[2]
            else "."
        ),
    ]
    bonded = [
        f"{r['linker']} x {r['pdol']} ({r['interligand_bonds']})" for r in rows if r.get("interligand_bonds")
    ]
    if bonded:
        lines.append(
            "Ligands bonded to each other in a cluster of the combination (E_bind and the exchange count "
            f"that bond too, not only the binding of Li+): {'; '.join(bonded)}."
        )
    incomplete = [f"{r['linker']} x {r['pdol']}" for r in rows if any(r[c] is None for c in _COMPLETE)]
    if incomplete:
        lines.append(
            f"Not complete yet ('–': not computed): {len(incomplete)} of {len(rows)} combinations "
            f"({', '.join(incomplete)}); orderings counted only where both sides are computed."
        )
    lines += [*(extra or []), ""]
    return "\n".join(lines)


#: the cells a complete combination has (the exchange ΔE and the four E_bind)
_COMPLETE = (*E_BIND_COLUMNS.values(), "dE_exchange_eV")
