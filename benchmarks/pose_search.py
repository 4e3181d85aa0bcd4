"""Pose-search benchmark: for clusters of a config, how many candidates the search generates and keeps,
how long GFN2-xTB takes, and (where DFT records of the searched poses exist) how far the xTB-best pose
is above the DFT-best one.

    .venv/bin/python benchmarks/pose_search.py --clusters Li_PDOL
    .venv/bin/python benchmarks/pose_search.py --config my.yaml --n-preopt 24 --k 5 --json out.json

DFT records of pose candidates are looked up as ``<results_dir>/<level>/records/<cluster>.pose<i>.json``
(i = xTB rank, 0 = xTB-best). The gap reported is E_DFT(pose 0) - min_i E_DFT(pose i) in eV; 0 means the
xTB ranking picked the DFT-best pose. Without such records the script says so and stops at the xTB part.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compchem.build.cluster import LigandInput  # noqa: E402
from compchem.build.poses import search_poses  # noqa: E402
from compchem.config import load_plan  # noqa: E402
from compchem.layout import Layout  # noqa: E402
from compchem.records import read_record  # noqa: E402
from compchem.units import HARTREE_TO_EV  # noqa: E402

POSE_RECORD = re.compile(r"^(?P<cluster>.+)\.pose(?P<rank>\d+)\.json$")


def dft_pose_energies(records_dir: Path, cluster: str) -> dict[int, float]:
    """E_DFT (Hartree) of each pose record ``<cluster>.pose<i>.json`` in ``records_dir``, by rank."""
    out = {}
    if not records_dir.is_dir():
        return out
    for path in sorted(records_dir.glob(f"{cluster}.pose*.json")):
        m = POSE_RECORD.match(path.name)
        if m and m["cluster"] == cluster:
            out[int(m["rank"])] = read_record(path).energy_hartree
    return out


def _search(
    definition: dict, ligands: list[LigandInput], n_conformers: int, name: str, args: argparse.Namespace
) -> tuple[dict, float]:
    """The pose search of one cluster with the config's build settings (options override them), and its
    wall seconds."""
    build = definition["build"]
    t0 = time.perf_counter()
    res = search_poses(
        definition["ion_symbol"],
        definition["ion_charge"],
        ligands,
        multiplicity=definition["multiplicity"],
        seed=build["seed"],
        n_conformers=n_conformers,
        max_denticity=build["max_denticity"],
        n_random=args.n_random,
        n_preopt=args.n_preopt or build["n_candidates"],
        k=args.k or build["n_poses"],
        preopt_method=build["preopt_method"],
        label=name,
    )
    return res, time.perf_counter() - t0


def _print_search_summary(
    name: str, build: dict, ligands: list[LigandInput], n_conformers: int, res: dict, wall: float
) -> None:
    """The search's settings, candidate counts at each stage, wall times and notes."""
    c = res["counts"]
    print(
        f"== {name}: Li+ with {', '.join(lig.name for lig in ligands)} "
        f"(seed {build['seed']}, {n_conformers} conformers/ligand, max_denticity {build['max_denticity']})"
    )
    print(
        f"   candidates generated {c['generated']}, clash-free {c['clash_free']}, pre-optimized "
        f"{c['preoptimized']}, distinct after dedup {c['distinct']} in {c['motifs']} coordination motif(s)"
    )
    print(
        f"   wall time: generation {res['generation_wall_s']:.1f} s, xTB {res['xtb_wall_s']:.1f} s, "
        f"total {wall:.1f} s"
    )
    for note in res["notes"]:
        print(f"   note: {note}")


def _print_poses(res: dict, preopt_method: str) -> None:
    """The distinct poses kept, with their donors, then the best pose per coordination motif and the
    energy spread."""
    print(f"   lowest {len(res['candidates'])} distinct pose(s) ({preopt_method} energies):")
    for cand in res["candidates"]:
        rel = cand["relative_energy_ev"]
        donors = ", ".join(
            f"{d['ligand']}:{d['element']}{d['atom']} {d['distance_angstrom']:.2f}" for d in cand["donors"]
        )
        targets = "; ".join(f"{t['ligand']}:{t['donors']}" for t in cand["targets"])
        print(
            f"     pose {cand['rank']}: E = {cand['preopt_energy_hartree']:.6f} Ha "
            f"({'n/a' if rel is None else f'{rel:+.3f}'} eV), CN {cand['coordination_number']} "
            f"[{donors}] via {cand['preopt_method']}; targeted {targets} ({'/'.join(cand['origins'])})"
        )
    print("   best pose per motif (CN: relative xTB energy):")
    for m in sorted(res["motifs"], key=lambda m: (m["relative_energy_ev"] is None, m["relative_energy_ev"])):
        rel = m["relative_energy_ev"]
        print(
            f"     CN {m['coordination_number']} {m['motif']}: "
            f"{'n/a' if rel is None else f'{rel:+.3f} eV'} ({m['n_distinct']} distinct)"
        )
    if res["energy_spread_ev"] is not None:
        print(f"   spread over distinct poses: {res['energy_spread_ev']:.3f} eV")


def _print_builder_comparison(built: Path, best: dict) -> None:
    """The search's best pose against the structure the workflow's builder wrote (``built``), when that
    exists and was pre-optimized with the same method (else the energies do not compare)."""
    if not built.exists():
        return
    old = json.loads(built.read_text())
    e_old = old.get("preopt_energy_hartree")
    if old.get("preopt_method") == best["preopt_method"] and e_old is not None:
        diff_ev = (best["preopt_energy_hartree"] - e_old) * HARTREE_TO_EV
        where = built.relative_to(ROOT) if built.is_relative_to(ROOT) else built
        print(
            f"   current builder's structure ({where}): E = {e_old:.6f} Ha, "
            f"CN {len(old.get('contacts', []))}, from {len(old.get('candidates', []))} candidates; "
            f"search best is {diff_ev:+.3f} eV relative to it"
        )


def _print_no_pose_records(layout: Layout, level: str, name: str, records: Path) -> None:
    """Why the xTB ranking of ``name`` is not checked at ``level``: no pose records there."""
    single = Path(layout.record(level, name))
    extra = f"; a single-structure record {single.name} exists (not a pose set)" if single.exists() else ""
    print(
        f"   DFT [{level}]: no pose records {name}.pose<i>.json under {records}{extra} "
        "-- xTB ranking not checked against DFT"
    )


def _dft_check(layout: Layout, level: str, name: str) -> dict | None:
    """The xTB ranking of ``name``'s poses checked against their DFT records at ``level``, printed; None
    (and says so) when there are no pose records."""
    records = Path(layout.records_dir(level))
    energies = dft_pose_energies(records, name)
    if not energies:
        _print_no_pose_records(layout, level, name, records)
        return None
    e_min = min(energies.values())
    dft_best = min(energies, key=energies.get)
    line = ", ".join(f"pose {r}: {(e - e_min) * HARTREE_TO_EV:+.3f} eV" for r, e in sorted(energies.items()))
    if 0 in energies:
        gap_ev = (energies[0] - e_min) * HARTREE_TO_EV
        print(
            f"   DFT [{level}]: {line}; xTB-best (pose 0) is {gap_ev:.3f} eV above the DFT-best (pose "
            f"{dft_best})"
        )
    else:
        gap_ev = None
        print(f"   DFT [{level}]: {line}; the xTB-best pose 0 has no record yet")
    return {"energies_hartree": energies, "dft_best_rank": dft_best, "gap_ev": gap_ev}


def report_cluster(plan, name: str, args: argparse.Namespace, results_dir: Path) -> dict:
    """Search the poses of cluster ``name``, print the search, compare its best pose with the builder's
    structure and its xTB ranking with DFT pose records where they exist; the results as a dict."""
    definition = plan.species_definition(name)
    build = definition["build"]
    ligands = [LigandInput(lig["name"], lig["smiles"], lig["charge"]) for lig in definition["ligands"]]
    n_conformers = args.n_conformers or build["n_conformers"]
    res, wall = _search(definition, ligands, n_conformers, name, args)
    _print_search_summary(name, build, ligands, n_conformers, res, wall)
    _print_poses(res, build["preopt_method"])
    layout = Layout(str(results_dir))
    _print_builder_comparison(Path(layout.build(name)), best=res["candidates"][0])
    dft = {}
    for level in args.levels or plan.run_levels:
        check = _dft_check(layout, level, name)
        if check is not None:
            dft[level] = check
    return {"cluster": name, "wall_s": wall, "search": res, "dft": dft}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(ROOT / "workflow" / "config" / "config.yaml"))
    parser.add_argument("--clusters", nargs="+", help="cluster names (default: every cluster of the config)")
    parser.add_argument("--levels", nargs="+", help="levels whose records are read (default: run_levels)")
    parser.add_argument("--n-conformers", type=int, help="conformers per ligand (default: the config's)")
    parser.add_argument("--n-random", type=int, default=4)
    parser.add_argument(
        "--n-preopt", type=int, help="candidates relaxed with xTB (default: the config's build.n_candidates)"
    )
    parser.add_argument(
        "--k", type=int, help="distinct poses reported and sent to DFT (default: build.n_poses)"
    )
    parser.add_argument("--json", help="also write the full results (xyz included) to this file")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(message)s")
    plan = load_plan(args.config, [Path(args.config).parent, ROOT, Path.cwd()])
    results_dir = Path(plan.results_dir)
    if not results_dir.is_absolute():
        results_dir = ROOT / results_dir
    names = args.clusters or list(plan.clusters)
    unknown = [n for n in names if n not in plan.clusters]
    if unknown:
        parser.error(f"unknown cluster(s) {unknown}; the config has {list(plan.clusters)}")
    out = [report_cluster(plan, name, args, results_dir) for name in names]
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
