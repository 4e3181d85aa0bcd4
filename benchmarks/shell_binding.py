"""Vertical Li⁺ binding of a cluster's frozen ligand shell: how strongly the assembled ligands hold
the ion, apart from what the ligands do to each other.

    python benchmarks/shell_binding.py RECORD [RECORD ...] --level paper_preopt \
        [--overlay workflow/config/model_study.yaml --overlay ...] [--json out.json]

E_bind of a cluster (SCIENCE.md) counts every interaction in it, ligand–ligand ones included: when
two framework fragments bond to each other inside Li⁺(PDOL1)(L)₂ (a Zn of one taking the free N3 of
the other), E_bind and the exchange energy grow by that bond, not by Li⁺ solvation. This script
splits E_bind of each cluster RECORD into

- E_vertical = E(Li⁺) + E(shell at the cluster geometry) − E(cluster): the ion pulled out of its
  frozen shell (positive = bound), and
- E_shell = E_bind − E_vertical = E(shell at the cluster geometry) − Σ E(free ligands): what the
  ligands gain (negative) or pay (positive) by sitting together in the shell, deformation included,

every energy one single point at ``--level`` (its single-point settings) at the record's geometry,
through the content cache (``results/cache``). The free ligands' energies come from the records in
the same folder (``<ligand>.json``), so ``--level`` must be the level that made them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from compchem.backends.base import run_cached
from compchem.config import load_plan
from compchem.models import CalcSpec, Resources, coordinate_rows
from compchem.records import Cache, read_record
from compchem.units import HARTREE_TO_EV


def single_point(symbols, coords, charge, level, label, cache, stream) -> float:
    spec = CalcSpec(tuple(symbols), coordinate_rows(coords), charge, 1, level, "energy", label=label)
    return run_cached(spec, Resources(threads=2, memory_mb=8000), cache, stream).energy_hartree


def shell_terms(path: Path, level, cache: Cache, log_dir: Path) -> dict:
    """E_bind, E_vertical and E_shell (eV) of the cluster record ``path``."""
    rec = read_record(path)
    ion = next(f for f in rec.fragments if len(f["atom_indices"]) == 1 and f["name"] in ("Li", "Li+"))
    i = ion["atom_indices"][0]
    keep = [k for k in range(len(rec.symbols)) if k != i]
    symbols = [rec.symbols[k] for k in keep]
    coords = [rec.coordinates_angstrom[k] for k in keep]
    label = Path(path).stem
    with open(log_dir / f"{label}.shell.log", "a") as stream:
        e_cluster = single_point(
            rec.symbols, rec.coordinates_angstrom, rec.charge, level, label, cache, stream
        )
        e_shell = single_point(symbols, coords, rec.charge - 1, level, f"{label}.shell", cache, stream)
        e_ion = single_point(
            [rec.symbols[i]], [rec.coordinates_angstrom[i]], 1, level, "Li_ion", cache, stream
        )
    folder = Path(path).parent
    ligands = [f["name"] for f in rec.fragments if f is not ion]
    e_free = sum(read_record(folder / f"{name}.json").energy_hartree for name in ligands)
    e_bind = (e_ion + e_free - e_cluster) * HARTREE_TO_EV
    e_vertical = (e_ion + e_shell - e_cluster) * HARTREE_TO_EV
    return {
        "cluster": label,
        "ligands": ligands,
        "E_bind_eV": round(e_bind, 4),
        "E_vertical_eV": round(e_vertical, 4),
        "E_shell_eV": round(e_bind - e_vertical, 4),
        "cluster_energy_drift_hartree": e_cluster - rec.energy_hartree,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("records", nargs="+")
    parser.add_argument("--level", required=True)
    parser.add_argument("--config", default="workflow/config/config.yaml")
    parser.add_argument("--overlay", action="append", default=[])
    parser.add_argument("--cache", default="results/cache")
    parser.add_argument("--json")
    args = parser.parse_args()
    plan = load_plan(args.config, [Path.cwd(), Path(args.config).resolve().parents[2]], args.overlay)
    level = plan.levels[args.level].single_point_level()
    log_dir = Path(args.json).parent if args.json else Path(".")
    rows = [shell_terms(Path(p), level, Cache(args.cache), log_dir) for p in args.records]
    for r in rows:
        print(
            f"{r['cluster']}: E_bind {r['E_bind_eV']:.3f} eV = E_vertical {r['E_vertical_eV']:.3f} "
            f"+ E_shell {r['E_shell_eV']:.3f} (cluster SP drift {r['cluster_energy_drift_hartree']:.1e} Ha)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    sys.exit(0)


if __name__ == "__main__":
    main()
