"""How much the implicit-solvent binding energies depend on the ion's cavity radius.

    python benchmarks/cavity_radius.py results/paper --solvent-dir solvent_DOL --radius 2.184 \
        [--radius 1.6 ...] [--threads 2] [--json out.json]

Reads the binding table (``binding_energies.json``) and the implicit-solvent single points of a
finished run (``<solvent-dir>/<species>.json``, config ``thermo.solvent``), then repeats the single
points of every species that contains the ion with the ion's cavity sphere radius set to each
``--radius`` (Angstrom; ``thermo.solvent.radii_angstrom``), through the workflow's own job and the
content cache. Species without the ion keep their single points: the other elements' spheres are
unchanged. Prints, per radius, the ion's solvation energy and each cluster's binding energy in the
continuum next to the run's (the model's default radius) and the gas phase (eV).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from compchem.backends.pyscf_backend import cavity_radii_angstrom, use_threads
from compchem.jobs import solvated_level, solvent_single_point_job
from compchem.layout import Layout
from compchem.models import LevelOfTheory
from compchem.records import read_json, read_record
from compchem.units import hartree_to_ev


def binding_in_solvent(
    solvent: dict[str, dict], ion: str, clusters: dict[str, list[str]]
) -> dict[str, float]:
    """{cluster: E_bind in the continuum (eV)} from single points keyed by species."""
    return {
        c: round(
            hartree_to_ev(
                solvent[ion]["energy_hartree"]
                + sum(solvent[n]["energy_hartree"] for n in ligands)
                - solvent[c]["energy_hartree"]
            ),
            4,
        )
        for c, ligands in clusters.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run", help="results/<level> of a finished run with implicit-solvent single points")
    parser.add_argument("--solvent-dir", default="solvent_DOL")
    parser.add_argument("--radius", type=float, action="append", required=True, help="ion radius, Angstrom")
    parser.add_argument("--cache", default=Layout("results").cache)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="write the numbers here too")
    args = parser.parse_args()
    use_threads(args.threads)

    run = Path(args.run)
    layout, run_level = Layout.of_level_dir(run)
    table = read_json(layout.binding_energies(run_level))
    level = table["level_settings"]
    solvent_dir = Path(layout.solvent_dir(run_level, args.solvent_dir))
    base = {p.stem: read_json(p) for p in solvent_dir.glob("*.json")}
    records = {name: read_record(layout.record(run_level, name)) for name in base}
    ion = next(n for n, r in records.items() if len(r.symbols) == 1 and r.charge != 0)
    ion_symbol = records[ion].symbols[0]
    clusters = {}
    for row in table["rows"]:
        ligands = [n.strip() for n in row["ligand_models"].split("+")]
        clusters[row["cluster"]] = ligands
    solvent = next(iter(base.values()))["solvent"]
    out = {
        "run": str(run),
        "solvent": solvent,
        "ion": ion_symbol,
        "gas_E_bind_eV": {r["cluster"]: r["E_bind_eV"] for r in table["rows"]},
        "default": {
            "cavity_radius_angstrom": cavity_radii_angstrom(
                records[ion].spec_at(solvated_level(LevelOfTheory.from_record(level), solvent), "energy")
            )[ion_symbol],
            "ion_solvation_eV": round(hartree_to_ev(base[ion]["solvation_energy_hartree"]), 4),
            "E_bind_solv_eV": binding_in_solvent(base, ion, clusters),
        },
        "radii": [],
    }
    with_ion = [n for n, r in records.items() if ion_symbol in r.symbols]
    for radius in args.radius:
        spec = {**solvent, "radii_angstrom": {ion_symbol: radius}}
        points = dict(base)
        wall = 0.0
        with tempfile.TemporaryDirectory() as tmp:
            for name in with_ion:
                path = Path(tmp) / f"{name}.json"
                solvent_single_point_job(
                    layout.record(run_level, name),
                    level,
                    spec,
                    str(path),
                    threads=args.threads,
                    memory_mb=8000,
                    cache_dir=args.cache,
                )
                points[name] = read_json(path)
                wall += points[name]["wall_time_s"]
                e_solv_ev = hartree_to_ev(points[name]["solvation_energy_hartree"])
                print(f"{name}: radius {radius} Å, solvation {e_solv_ev:.3f} eV", flush=True)
        entry = {
            "cavity_radius_angstrom": radius,
            "ion_solvation_eV": round(hartree_to_ev(points[ion]["solvation_energy_hartree"]), 4),
            "E_bind_solv_eV": binding_in_solvent(points, ion, clusters),
            "dft_wall_s": round(wall, 1),
        }
        out["radii"].append(entry)
    print(f"\n{ion_symbol} cavity radius (Å) | {ion_symbol} solvation (eV) | " + " | ".join(clusters))
    print("gas phase | – | " + " | ".join(f"{out['gas_E_bind_eV'][c]:.3f}" for c in clusters))
    for entry in [out["default"], *out["radii"]]:
        print(
            f"{entry['cavity_radius_angstrom']} | {entry['ion_solvation_eV']:.3f} | "
            + " | ".join(f"{entry['E_bind_solv_eV'][c]:.3f}" for c in clusters)
        )
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
