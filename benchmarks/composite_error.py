"""Error of a composite protocol B//A against the full optimization at B, from two finished runs.

    python benchmarks/composite_error.py results/paper results/screening [--json out.json] [--md out.md]

Reads ``binding_energies.json`` and the records of both runs (the same config, the second at a composite
level) and prints per cluster: E_bind of the full protocol and of the composite one (eV), their
difference, the ion's donor atoms and Li-X distances (Angstrom) of both geometries, and the DFT wall time
of each (the complex's record plus its ion and ligands, s); then the exchange energies, and whether the
paper's two orderings (linker < PDOL; PDOL + 2 linkers < 2 PDOL) come out the same under both protocols.
The DFT wall of the composite protocol counts the optimization at A (as recorded when it ran, e.g. as the
first stage of the full protocol) and B's single point.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from compchem.layout import Layout
from compchem.records import read_json, read_record


def wall(run: Path, species: list[str]) -> float:
    """DFT wall time (s) of the records of ``species`` in ``run`` (a cluster's record holds its
    selected pose's calculation; the other poses are not counted)."""
    layout, level = Layout.of_level_dir(run)
    return sum(read_record(layout.record(level, s)).wall_time_s for s in species)


def binding_table(run: Path) -> dict[str, Any]:
    """The binding-energy table (``binding_energies.json``) of ``run``."""
    layout, level = Layout.of_level_dir(run)
    return read_json(layout.binding_energies(level))


def compare(full_dir: Path, composite_dir: Path) -> dict[str, Any]:
    full, comp = (
        binding_table(full_dir),
        binding_table(composite_dir),
    )
    by_name = {r["cluster"]: r for r in comp["rows"]}
    rows = []
    for f in full["rows"]:
        c = by_name[f["cluster"]]
        species = ["Li_ion", *f["ligand_models"].split(" + "), f["cluster"]]
        rows.append(
            {
                "cluster": f["cluster"],
                "E_bind_full_eV": f["E_bind_eV"],
                "E_bind_composite_eV": c["E_bind_eV"],
                "composite_minus_full_eV": round(c["E_bind_eV"] - f["E_bind_eV"], 4),
                "paper_eV": f["paper_E_bind_eV"],
                "donors_full": f["donor_contacts"],
                "donors_composite": c["donor_contacts"],
                "Li_X_full_angstrom": f["Li_X_distances_angstrom"],
                "Li_X_composite_angstrom": c["Li_X_distances_angstrom"],
                "dft_wall_full_s": round(wall(full_dir, species), 1),
                "dft_wall_composite_s": round(wall(composite_dir, species), 1),
                "composite_level": c["level"],
            }
        )
    comp_x = {x["reaction"]: x for x in comp["exchanges"]}
    exchanges = [
        {
            "reaction": x["reaction"],
            "dE_full_eV": x["dE_exchange_eV"],
            "dE_composite_eV": comp_x[x["reaction"]]["dE_exchange_eV"],
            "composite_minus_full_eV": round(
                comp_x[x["reaction"]]["dE_exchange_eV"] - x["dE_exchange_eV"], 4
            ),
        }
        for x in full["exchanges"]
        if x["reaction"] in comp_x
    ]
    e = {p: {r["cluster"]: r[f"E_bind_{p}_eV"] for r in rows} for p in ("full", "composite")}
    orderings = {}
    pairs = {"linker_below_PDOL": ("Li_Im", "Li_PDOL"), "PDOL_2Im_below_2PDOL": ("Li_PDOL_Im2", "Li_PDOL2")}
    for name, (low, high) in pairs.items():
        if low in e["full"] and high in e["full"]:
            orderings[name] = {p: e[p][low] < e[p][high] for p in ("full", "composite")}
    return {"clusters": rows, "exchanges": exchanges, "orderings": orderings}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| cluster | E_bind full (eV) | E_bind composite (eV) | Δ (eV) | Li–X full (Å) | Li–X composite (Å) "
        "| DFT wall full (s) | DFT wall composite (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["clusters"]:
        lines.append(
            f"| {r['cluster']} | {r['E_bind_full_eV']:.3f} | {r['E_bind_composite_eV']:.3f} | "
            f"{r['composite_minus_full_eV']:+.3f} | {r['Li_X_full_angstrom']} | "
            f"{r['Li_X_composite_angstrom']} | "
            f"{r['dft_wall_full_s']:.0f} | {r['dft_wall_composite_s']:.0f} |"
        )
    for x in result["exchanges"]:
        lines.append(
            f"| exchange {x['reaction']} | {x['dE_full_eV']:.3f} | {x['dE_composite_eV']:.3f} | "
            f"{x['composite_minus_full_eV']:+.3f} | | | | |"
        )
    for name, held in result["orderings"].items():
        lines.append(f"\nOrdering {name}: full {held['full']}, composite {held['composite']}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("full", help="results/<level> of the full protocol")
    parser.add_argument("composite", help="results/<level> of the composite protocol (same config)")
    parser.add_argument("--json")
    parser.add_argument("--md")
    args = parser.parse_args()
    result = compare(Path(args.full), Path(args.composite))
    text = markdown(result)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    if args.md:
        Path(args.md).write_text(text)


if __name__ == "__main__":
    main()
