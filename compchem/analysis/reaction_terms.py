"""Per-species corrections combined into the difference of a reaction (binding or exchange).

The thermo files (ZPE, H(T), G(T) of one species) and the implicit-solvent single points are computed
species by species; a binding or exchange energy needs Σ products − Σ reactants of them, and only when
every species has its value and all of them come from one frequency level (or one solvent). These
helpers do that bookkeeping and say where a composite protocol's frequencies were taken, so that the
binding, exchange and temperature-scan tables report it the same way.
"""

from __future__ import annotations

import json
from typing import Any

from compchem.analysis.labels import level_key, radii_label
from compchem.errors import InputError
from compchem.thermochem.terms import standard_state_correction_hartree
from compchem.units import hartree_to_ev


def thermo_delta(
    thermo: dict[str, dict[str, Any]], reactants: list[str], products: list[str], where: str
) -> dict[str, float] | None:
    """Σ products − Σ reactants of the ZPE-corrected energy, H(T) and G(T) (Hartree); None unless every
    species has its thermochemistry, all from one frequency level."""
    names = [*reactants, *products]
    if any(n not in thermo for n in names):
        return None
    check_one_frequencies_level(thermo, names, where)

    def delta(value) -> float:
        return sum(value(thermo[n]["thermo"]) for n in products) - sum(
            value(thermo[n]["thermo"]) for n in reactants
        )

    return {
        "zpe_corrected_energy_hartree": delta(lambda t: t["energy_hartree"] + t["zpe_hartree"]),
        "enthalpy_hartree": delta(lambda t: t["enthalpy_hartree"]),
        "gibbs_hartree": delta(lambda t: t["gibbs_hartree"]),
    }


def check_one_frequencies_level(thermo: dict[str, dict[str, Any]], names: list[str], where: str) -> None:
    """An InputError unless the thermo files of ``names`` come from one frequency level and geometry."""
    # files written before frequencies_level existed were always at the run level
    freq_levels = {
        (level_key(thermo[n]["frequencies_level_settings"]), frequencies_geometry(thermo[n]))
        if thermo[n].get("composite")
        else "run level"
        for n in names
    }
    if len(freq_levels) != 1:
        raise InputError(
            f"{where}: thermochemistry of its species comes from different frequency levels; "
            "rerun the thermo jobs with one thermo.frequencies_level"
        )


def frequencies_geometry(thermo: dict[str, Any]) -> str | None:
    """Where a thermo file's frequencies were taken: "reoptimized" (at the frequencies level's own
    minimum; also files written before this was recorded) or "run_level"; None when not composite."""
    if not thermo.get("composite"):
        return None
    return thermo.get("frequencies_geometry") or "reoptimized"


def coordination_kept(thermo: dict[str, dict[str, Any]], names: list[str]) -> bool | None:
    """False when the re-optimization at the frequencies level (composite thermochemistry) changed the
    ion's donor atoms of any of ``names``, so that their corrections belong to another minimum; None
    when no thermo file says (not composite, or written before this was recorded)."""
    kept = [
        thermo[n]["frequencies_geometry_change"]["coordination_kept"]
        for n in names
        if (thermo[n].get("frequencies_geometry_change") or {}).get("coordination_kept") is not None
    ]
    return all(kept) if kept else None


def check_one_solvent(solvent: dict[str, dict[str, Any]], names: list[str], where: str) -> None:
    """An InputError unless the implicit-solvent single points of ``names`` are in one solvent."""
    labels = {json.dumps(solvent[n]["solvent"], sort_keys=True) for n in names}
    if len(labels) > 1:
        raise InputError(f"{where}: single points in different solvents {sorted(labels)}")


def solvent_columns(
    solvent: dict[str, dict[str, Any]], left: list[str], right: list[str], column: str
) -> dict[str, Any]:
    """``column`` = Σ E_solv(left) − Σ E_solv(right) in eV from the implicit-solvent single points, and
    the solvent's label; nothing when a species lacks its single point."""
    names = [*left, *right]
    if not solvent or any(n not in solvent for n in names):
        return {}
    check_one_solvent(solvent, names, f"{column} of {right}")
    e_h = sum(solvent[n]["energy_hartree"] for n in left) - sum(solvent[n]["energy_hartree"] for n in right)
    s = solvent[names[0]]["solvent"]
    label = f"{s['name']}: {s['model']} eps={s['eps']}" + radii_label(s.get("radii_angstrom"))
    return {column: round(hartree_to_ev(e_h), 4), "solvent": label}


def solution_gibbs_hartree(thermo: dict[str, Any], solvent: dict[str, Any]) -> float:
    """G of one species in the implicit solvent at 1 mol/L (Hartree), by the usual thermodynamic cycle:
    G(T) of its thermo file (gas phase) + its solvation energy (E_solv − E_gas of the implicit-solvent
    single point at the gas-phase geometry) + the change of the gas-phase standard state to 1 mol/L
    where the thermo file is at a pressure (+1.89 kcal/mol at 298.15 K and 1 atm; SCIENCE.md §2)."""
    t = thermo["thermo"]
    state = (
        0.0
        if t.get("standard_state", "1atm") == "1M"
        else standard_state_correction_hartree(t["temperature_k"], t["pressure_atm"])
    )
    return float(t["gibbs_hartree"] + solvent["solvation_energy_hartree"] + state)


def solution_gibbs_columns(
    thermo: dict[str, dict[str, Any]],
    solvent: dict[str, dict[str, Any]],
    left: list[str],
    right: list[str],
    column: str,
) -> dict[str, Any]:
    """``column`` = Σ G_soln(left) − Σ G_soln(right) in eV (``solution_gibbs_hartree``, 1 mol/L): a
    binding or exchange free energy in the solvent; nothing unless every species has both its
    thermochemistry (one frequency level) and its implicit-solvent single point (one solvent)."""
    names = [*left, *right]
    if any(n not in thermo or n not in solvent for n in names):
        return {}
    check_one_frequencies_level(thermo, names, f"{column} of {right}")
    check_one_solvent(solvent, names, f"{column} of {right}")
    g = {n: solution_gibbs_hartree(thermo[n], solvent[n]) for n in set(names)}
    return {column: round(hartree_to_ev(sum(g[n] for n in left) - sum(g[n] for n in right)), 4)}
