"""The temperature scan: ΔH(T) and ΔG(T) of every binding and exchange at the temperatures of
``thermo.temperature_scan_k``.

The thermo files carry, next to their main temperature, a ``temperature_scan`` list computed from the
same frequencies; a reaction's row at temperature T needs every species at T and one frequency level.
The rows follow ``SCAN_COLUMNS``; ``tables`` writes them as CSV and as a Markdown/JSON section.
"""

from __future__ import annotations

from typing import Any

from compchem.analysis.reaction_terms import check_one_frequencies_level, frequencies_geometry
from compchem.units import hartree_to_ev


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
    check_one_frequencies_level(thermo, names, f"{kind} '{name}'")
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
            "frequencies_geometry": frequencies_geometry(thermo[products[0]]),
        }
        for t in common
    ]
