"""How much an exchange free energy depends on the treatment of low modes and on the standard state.

Reads the committed thermo files of a run (their frequencies and geometries) and the implicit-solvent
single points beside them, recomputes G(T) of every species with and without Grimme's quasi-RRHO
entropy (``compchem.thermo.thermochemistry``, cutoff ``--cutoff``), and prints the exchange ΔG in the
gas phase (1 atm) and in the solvent (1 mol/L, ``compchem.analysis.reaction_terms``): no new quantum
chemistry, seconds.

    .venv/bin/python benchmarks/thermo_variants.py results/paper \\
        --thermo thermo_GFN2-xTB_at_run_geometry --solvent solvent_DOL \\
        --reactants Li_PDOL2 imidazole imidazole --products Li_PDOL_Im2 PDOL1 \\
        --json benchmarks/thermo_variants_paper.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from compchem.analysis.reaction_terms import solution_gibbs_columns, thermo_delta
from compchem.records import read_json
from compchem.thermo import thermochemistry
from compchem.units import hartree_to_ev


def _gibbs_variant(doc: dict[str, Any], qrrho: bool, cutoff_cm1: float) -> dict[str, Any]:
    """The thermo file ``doc`` with G(T) recomputed from its own frequencies, quasi-RRHO on or off."""
    freq = doc["frequencies"]
    t = doc["thermo"]
    new = thermochemistry(
        freq["symbols"],
        doc["coordinates_angstrom"],
        freq["frequencies_cm1"],
        t["energy_hartree"],
        multiplicity=t["multiplicity"],
        temperature_k=t["temperature_k"],
        pressure_atm=t["pressure_atm"],
        symmetry_number=t["symmetry_number"],
        qrrho=qrrho,
        qrrho_cutoff_cm1=cutoff_cm1,
        standard_state=t["standard_state"],
        masses_amu=freq.get("masses_amu"),
    )
    return {**doc, "thermo": {**t, "gibbs_hartree": new.gibbs_hartree}}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run", type=Path, help="results/<level> folder")
    parser.add_argument("--thermo", required=True, help="thermo folder name inside the run")
    parser.add_argument("--solvent", required=True, help="solvent folder name inside the run")
    parser.add_argument("--reactants", nargs="+", required=True)
    parser.add_argument("--products", nargs="+", required=True)
    parser.add_argument("--cutoff", type=float, default=100.0, help="quasi-RRHO cutoff (cm-1)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    names = sorted({*args.reactants, *args.products})
    thermo = {n: read_json(args.run / args.thermo / f"{n}.json") for n in names}
    solvent = {n: read_json(args.run / args.solvent / f"{n}.json") for n in names}
    out: dict[str, Any] = {"reactants": args.reactants, "products": args.products, "variants": {}}
    for label, qrrho in (("RRHO", False), (f"quasi-RRHO {args.cutoff:g} cm-1", True)):
        docs = {n: _gibbs_variant(thermo[n], qrrho, args.cutoff) for n in names}
        gas = thermo_delta(docs, args.reactants, args.products, "exchange")
        solv = solution_gibbs_columns(docs, solvent, args.products, args.reactants, "dG")
        row = {
            "dG_gas_1atm_eV": round(hartree_to_ev(gas["gibbs_hartree"]), 4),
            "dG_solv_1M_eV": solv["dG"],
        }
        out["variants"][label] = row
        print(
            f"{label:>24}: dG gas (1 atm) {row['dG_gas_1atm_eV']:+.3f} eV, dG in solvent (1 M) "
            f"{row['dG_solv_1M_eV']:+.3f} eV"
        )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
