"""``compchem`` command line: work outside Snakemake.

compchem validate [--config FILE]            check a config and ligand sheet, list the species
compchem estimate [--config FILE] [--cores N] basis functions, memory and wall time per species
compchem build LIGAND... [--xyz OUT]          build one Li⁺ cluster from ligand names or SMILES
compchem optimize XYZ --level NAME [--charge Q] [--multiplicity M]
                                              one DFT optimization with a live progress bar
compchem table RECORDS_DIR [--config FILE]    binding-energy table from records
compchem parity RECORD_A RECORD_B             compare two records of one species
compchem progress [--json FILE]               where each optimization of the config stands (done, at a
                                              checkpoint after N gradients, not started), from the files
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

# re-exported: the progress bar of ``compchem optimize`` lives with the other report formats
from compchem.layout import Layout
from compchem.report.progress_bar import ProgressBar as _ProgressBar

DEFAULT_CONFIG = Path("workflow/config/config.yaml")


def _plan(args: argparse.Namespace) -> Any:
    from compchem.config import load_plan

    return load_plan(args.config, [Path.cwd(), Path(args.config).resolve().parents[2]], args.overlay or ())


def _config_files(args: argparse.Namespace) -> str:
    """The config files of this command, as the user gave them (base first, then each overlay)."""
    return " + ".join(str(p) for p in (args.config, *(args.overlay or [])))


def cmd_validate(args: argparse.Namespace) -> int:
    plan = _plan(args)
    print(
        f"config {_config_files(args)} is valid: {len(plan.ligands)} ligands defined, "
        f"{len(plan.clusters)} clusters"
    )
    for name in plan.species():
        charge, mult = plan.charge_multiplicity(name)
        print(f"  {name:<20s} charge {charge:+d}  multiplicity {mult}  atoms {len(plan.symbols(name))}")
    print(f"run levels: {', '.join(plan.run_levels)}")
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _dft_pose_count(plan: Any, name: str) -> int:
    """DFT optimizations of species ``name``: every DFT pose of a cluster (at most ``dft_poses``;
    once the cluster is built, as many as its search kept, which ``motif_poses`` makes the only bound)."""
    from compchem.jobs.build import pose_count

    if name not in plan.clusters:
        return 1
    build = Path(Layout(plan.results_dir).build(name))
    return pose_count(str(build), plan.dft_poses(name)) if build.is_file() else int(plan.dft_poses(name))


def cmd_estimate(args: argparse.Namespace) -> int:
    from compchem import estimate

    plan = _plan(args)
    for lname in plan.run_levels:
        level = plan.levels[lname]
        print(f"level '{lname}': {level.describe()}, on {args.cores} cores")
        header = ("species", "atoms", "nbasis", "mem_MB", "s/step", "poses", "opt_h")
        print("  {:<20s} {:>5s} {:>6s} {:>7s} {:>10s} {:>5s} {:>6s}".format(*header))
        total = 0.0
        # a composite level B//A steps at A
        stepping = level.geometry if level.geometry is not None else level
        screening_name = plan.screening_level(lname)
        screening = plan.levels[screening_name] if screening_name is not None else None
        for name in plan.species():
            symbols = plan.symbols(name)
            nbas = estimate.n_basis_functions(symbols, level)
            per_grad = estimate.seconds_per_step(
                estimate.n_basis_functions(symbols, stepping), stepping, args.cores
            )
            poses = _dft_pose_count(plan, name)
            seconds = estimate.optimization_seconds(symbols, level, args.cores, args.steps, args.preopt_steps)
            hours, shown = poses * seconds / 3600, str(poses)
            if screening is not None and name in plan.clusters and poses > 1:
                # every pose at the screening level, only the lowest at this one
                hours = (
                    estimate.screened_seconds(
                        symbols, level, screening, poses, args.cores, args.steps, args.preopt_steps
                    )
                    / 3600
                )
                shown = f"{poses}>1"
            total += hours
            print(
                f"  {name:<20s} {len(symbols):>5d} {nbas:>6d} {estimate.memory_mb(nbas, level):>7d} "
                f"{per_grad:>10.0f} {shown:>5s} {hours:>6.2f}"
            )
        staged = (
            f" + {args.preopt_steps} at '{level.preopt.name}' ({level.preopt.describe()})"
            if level.preopt is not None
            else ""
        )
        steps = f"{args.steps} gradients per optimization"
        if level.geometry is not None:
            staged = f" at '{level.geometry.name}', then one single point at '{level.notation()}'"
        if stepping.backend == "xtb":  # a tight xTB minimization, priced by size (s/step: DFT only)
            steps = (
                f"a {stepping.describe()} minimization (~{estimate.XTB_OPT_SECONDS_PER_ATOM3} s x atoms^3)"
            )
        if screening is not None:
            staged += f"; poses 'k>1': k ranked at '{screening.name}', the lowest at this level"
        print(
            f"  total ≈ {total:.1f} h for {steps}{staged} (calibration: "
            f"{estimate.CALIBRATION_SECONDS:.0f} s per gradient for {estimate.CALIBRATION_NBASIS} basis "
            f"functions on {estimate.CALIBRATION_THREADS} cores, ~N^{estimate.SCALING_EXPONENT})"
        )
    return 0


def _ligand_inputs(plan: Any, items: list[str]) -> list[Any]:
    from compchem.build.cluster import LigandInput
    from compchem.build.ligands import mol_from_smiles

    out = []
    for i, item in enumerate(items):
        if plan is not None and item in plan.ligands:
            lig = plan.ligands[item]
            out.append(LigandInput(lig.name, lig.smiles, lig.charge))
        else:  # a SMILES: its formal charge is the ligand's charge
            from rdkit import Chem

            mol = Chem.MolFromSmiles(item)
            charge = Chem.GetFormalCharge(mol) if mol is not None else 0
            mol_from_smiles(item, charge, f"L{i + 1}")
            out.append(LigandInput(f"L{i + 1}", item, charge))
    return out


def cmd_build(args: argparse.Namespace) -> int:
    from compchem.build.poses import build_cluster
    from compchem.io.xyz import format_xyz

    plan = _plan(args) if Path(args.config).exists() else None
    ligands = _ligand_inputs(plan, args.ligands)
    built = build_cluster(
        args.ion,
        args.ion_charge,
        ligands,
        seed=args.seed,
        n_conformers=args.conformers,
        n_candidates=args.candidates,
        label="cluster",
    )
    for cand in built["candidates"]:
        sites = "; ".join(f"{s['ligand']}:{s['donors']}" for s in cand["sites"])
        mark = "*" if cand["selected"] else " "
        print(
            f"{mark} xTB E = {cand['preopt_energy_hartree']:.6f} Ha  CN {cand['coordination_number']}  "
            f"start sites {sites}"
        )
    print(f"selected: charge {built['charge']:+d}, contacts:")
    for c in built["contacts"]:
        print(f"  {args.ion}–{c['fragment']}:{c['element']}{c['atom']}  {c['distance_angstrom']:.3f} Å")
    text = format_xyz(built["symbols"], built["coordinates_angstrom"], "compchem build")
    if args.xyz:
        Path(args.xyz).write_text(text)
        print(f"wrote {args.xyz}")
    return 0


def cmd_optimize(args: argparse.Namespace) -> int:
    from compchem.backends.base import run_cached
    from compchem.errors import InputError
    from compchem.io.xyz import format_xyz, parse_xyz
    from compchem.models import CalcSpec, Resources, coordinate_rows
    from compchem.records import Cache, write_record

    plan = _plan(args)
    if args.level not in plan.levels:
        raise InputError(f"--level: unknown level '{args.level}'; defined: {sorted(plan.levels)}")
    level = plan.levels[args.level]
    xyz = Path(args.xyz)
    if not xyz.is_file():
        raise InputError(f"no XYZ file {xyz}")
    symbols, coords, _ = parse_xyz(xyz.read_text(), single=True)
    label = args.label or Path(args.xyz).stem
    spec = CalcSpec(
        tuple(symbols),
        coordinate_rows(coords),
        args.charge,
        args.multiplicity,
        level,
        "optimize",
        label=label,
    )
    logger = logging.getLogger("compchem")
    logger.setLevel(logging.INFO)
    handler = _ProgressBar(level.opt_convergence_gmax_hartree_per_bohr)
    logger.addHandler(handler)
    log_path = Path(args.log or f"{label}.{args.level}.log")
    with open(log_path, "a") as stream:
        result = run_cached(
            spec, Resources(threads=args.threads, memory_mb=args.memory_mb), Cache(args.cache), stream
        )
    logger.removeHandler(handler)
    out = Path(args.output or f"{label}.{args.level}.json")
    write_record(out, result)
    Path(out.with_suffix(".xyz")).write_text(
        format_xyz(result.symbols, result.coordinates_angstrom, f"{label} E={result.energy_hartree:.10f} Ha")
    )
    print(
        f"{label}: E = {result.energy_hartree:.10f} Ha, {result.n_opt_steps} steps, "
        f"converged {result.converged}; record {out}, PySCF log {log_path}"
    )
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    from compchem.analysis.poses import format_poses
    from compchem.analysis.table_inputs import load_table_inputs
    from compchem.report.terminal import binding_lines, exchange_lines, thermo_lines

    plan = _plan(args)
    found = load_table_inputs(plan, Path(args.records))
    rows = found.binding_rows(plan.ion_name)
    lines = binding_lines(rows)
    for summary in found.poses.values():
        lines += format_poses(summary)
    lines += thermo_lines(rows)
    for line in lines:
        print(line)
    missing = [c.name for c in plan.clusters.values() if c.name not in {r["cluster"] for r in rows}]
    if missing:
        print(f"(no complete set of records yet for: {', '.join(missing)})")
    for line in exchange_lines(found.exchange_rows()):
        print(line)
    return 0


def cmd_model_study(args: argparse.Namespace) -> int:
    """The model-study table and figure of what has finished so far (``partial_model_study``)."""
    from compchem.errors import InputError
    from compchem.jobs.model_study import partial_model_study

    plan = _plan(args)
    if plan.model_study is None:
        raise InputError(f"config {_config_files(args)} has no model_study section")
    out = Path(args.out) if args.out else Path(args.records).resolve().parent
    print(partial_model_study(plan, Path(args.records), out).read_text(), end="")
    return 0


def cmd_parity(args: argparse.Namespace) -> int:
    from compchem.analysis.parity import compare_records, format_parity
    from compchem.records import read_record

    print(format_parity(compare_records(read_record(args.a), read_record(args.b))))
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    import json

    from compchem.progress import (
        counterpoise_progress,
        format_counterpoise_progress,
        format_progress,
        plan_progress,
    )

    plan = _plan(args)
    rows = plan_progress(plan, args.cache)
    cp_rows = counterpoise_progress(plan, args.cache)
    for line in (*format_progress(rows), *format_counterpoise_progress(cp_rows)):
        print(line)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"optimizations": rows, "counterpoise": cp_rows}, indent=1) + "\n"
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from compchem.integrity import check_results

    results = Path(args.results)
    if not results.is_dir():
        print(f"compchem: error: no results folder {results}", file=sys.stderr)
        return 2
    findings = check_results(results, args.cache)
    for f in findings:
        print(f"{f.state:<9s} {f.path}: {f.problem}")
    damaged = sum(f.state == "damaged" for f in findings)
    stale = sum(f.state == "stale" for f in findings)
    print(
        f"checked {results} and its cache: {damaged} damaged, {len(findings) - damaged - stale} orphaned, "
        f"{stale} stale" + ("" if findings else " (all good)")
    )
    if damaged:
        print(
            "damaged cache entries are moved aside and recomputed by the next run; restore damaged "
            "output files with `git checkout -- <file>` or delete them and rerun (docs/recovery.md)"
        )
    return 1 if findings else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compchem", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", default=str(DEFAULT_CONFIG), help="workflow config (YAML)")
    parser.add_argument(
        "--overlay",
        action="append",
        metavar="YAML",
        help="config merged on top of --config, as a second snakemake --configfile (repeatable), "
        "e.g. workflow/config/thermo_svp.yaml",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="check a config").set_defaults(func=cmd_validate)
    p = sub.add_parser("estimate", help="cost of a config")
    p.add_argument("--cores", type=int, default=2)
    p.add_argument(
        "--steps",
        type=int,
        default=12,
        help="gradients per optimization at the level itself (paper run: 4-8 for the 10-21-atom "
        "clusters, 23 for the 39-atom one)",
    )
    p.add_argument(
        "--preopt-steps",
        type=int,
        default=15,
        help="gradients of a staged level's pre-optimization (paper run: 7-11, 30 for the 39-atom cluster)",
    )
    p.set_defaults(func=cmd_estimate)
    p = sub.add_parser("build", help="build one cluster (prints candidates and contacts)")
    p.add_argument("ligands", nargs="+", help="ligand names from the config/sheet, or SMILES")
    p.add_argument("--ion", default="Li")
    p.add_argument("--ion-charge", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--conformers", type=int, default=10)
    p.add_argument("--candidates", type=int, default=4)
    p.add_argument("--xyz", help="write the selected structure here")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("optimize", help="one DFT optimization")
    p.add_argument("xyz")
    p.add_argument("--level", default="demo")
    p.add_argument("--charge", type=int, default=0)
    p.add_argument("--multiplicity", type=int, default=1)
    p.add_argument("--label")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--memory-mb", type=int, default=4000)
    p.add_argument("--cache", default=Layout("results").cache)
    p.add_argument("--output", help="record path (default <label>.<level>.json)")
    p.add_argument("--log", help="PySCF log path (default <label>.<level>.log)")
    p.set_defaults(func=cmd_optimize)
    p = sub.add_parser("table", help="binding table from a folder of records")
    p.add_argument("records")
    p.set_defaults(func=cmd_table)
    p = sub.add_parser("model-study", help="model-study table of the records finished so far")
    p.add_argument("records")
    p.add_argument("--out", help="folder for model_study_partial.* (default: the records' parent)")
    p.set_defaults(func=cmd_model_study)
    p = sub.add_parser("parity", help="compare two records of one species")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(func=cmd_parity)
    p = sub.add_parser(
        "check", help="report damaged, orphaned or stale files of a results folder and its cache"
    )
    p.add_argument("results", nargs="?", default="results", help="results folder (default: results)")
    p.add_argument("--cache", help="content cache (default <results>/cache)")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("progress", help="state of every optimization of the config, from its files")
    p.add_argument("--cache", help="content cache (default <results_dir>/cache)")
    p.add_argument("--json", help="also write the rows as JSON here")
    p.set_defaults(func=cmd_progress)
    return parser


def main(argv: list[str] | None = None) -> int:
    from compchem.errors import CompchemError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CompchemError as exc:
        print(f"compchem: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
