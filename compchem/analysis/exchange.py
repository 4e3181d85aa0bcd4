"""Ligand-exchange reaction energies between clusters, e.g. Li⁺(PDOL)2 + 2 Im → Li⁺(PDOL)(Im)2 + PDOL.

An exchange compares clusters directly, Σ products − Σ reactants (negative = the products are
favoured), so the free ion and most fragments cancel; it reuses the binding table's bookkeeping for
one consistent level, thermochemistry from one frequency level and one solvent. The rows follow
``EXCHANGE_COLUMNS``.
"""

from __future__ import annotations

from typing import Any

from compchem.analysis.columns import EXCHANGE_COLUMNS
from compchem.analysis.labels import level_consistent, protocol
from compchem.analysis.reaction_terms import (
    coordination_kept,
    frequencies_geometry,
    solution_gibbs_columns,
    solvent_columns,
    thermo_delta,
)
from compchem.errors import InputError
from compchem.models import CalcResult
from compchem.units import hartree_to_ev, hartree_to_kcal_per_mol


def _side_text(names: list[str]) -> str:
    """One side of the equation, a species repeated n times written ``n name``."""
    return " + ".join(f"{names.count(n)} {n}" if names.count(n) > 1 else n for n in dict.fromkeys(names))


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
        level_consistent(involved, ex["name"])
        e_h = sum(records[n].energy_hartree for n in ex["products"]) - sum(
            records[n].energy_hartree for n in ex["reactants"]
        )
        rows.append(
            {
                "reaction": ex["name"],
                "level": protocol(involved),
                "equation": f"{_side_text(ex['reactants'])} -> {_side_text(ex['products'])}",
                "dE_exchange_eV": round(hartree_to_ev(e_h), 4),
                "dE_exchange_kcal_per_mol": round(hartree_to_kcal_per_mol(e_h), 2),
                "dE_exchange_hartree": e_h,
                **_exchange_thermo_columns(thermo or {}, ex),
                "dE_exchange_solv_eV": None,
                "solvent": None,
                **solvent_columns(solvent or {}, ex["products"], ex["reactants"], "dE_exchange_solv_eV"),
                "dG_exchange_solv_eV": None,
                **solution_gibbs_columns(
                    thermo or {}, solvent or {}, ex["products"], ex["reactants"], "dG_exchange_solv_eV"
                ),
                "description": ex.get("description", ""),
            }
        )
    return rows


def _exchange_thermo_columns(thermo: dict[str, dict[str, Any]], ex: dict[str, Any]) -> dict[str, Any]:
    d = thermo_delta(thermo, list(ex["reactants"]), list(ex["products"]), f"exchange '{ex['name']}'")
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
        "frequencies_geometry": frequencies_geometry(thermo[ex["products"][0]]),
        "thermo_coordination_kept": coordination_kept(thermo, [*ex["reactants"], *ex["products"]]),
    }
