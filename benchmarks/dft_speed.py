"""Where the DFT time goes, measured on one cluster on this machine in one run.

    .venv/bin/python benchmarks/dft_speed.py --cluster Li_Im --level paper [--threads 2] [--json out.json]
        [--skip-optimizations | --skip-raw-placement] [--skip-xtb-hessian] [--only START+TAG ...]

Reports, for the cluster built by the workflow's own builder (xTB pre-optimized pose):
1. wall time of one SCF + gradient: naive PySCF (no density fitting, default grid, fresh guess) vs
   compchem's settings for the level (density fitting, its grid);
2. DFT gradient evaluations of a geomeTRIC optimization at the level from the raw geometric placement
   (no pre-optimization) vs from the GFN2-xTB pre-optimized pose, and, for a staged level, per stage;
   from the GFN2-xTB pose also single-stage with geomeTRIC started from a GFN2-xTB Hessian
   (``opt_initial_hessian: xtb``) instead of its model Hessian, and staged with stage 2 started from
   stage 1's final Hessian (``opt_initial_hessian: preopt``);
3. the share of wall time outside DFT for the workflow's records of that level: Snakemake's benchmark
   files (job wall time) against the DFT wall time in the records.
Nothing here is timed in the unit tests; the numbers go to benchmarks/README.md with the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import platform
import time
from pathlib import Path

from compchem.backends.base import run_cached
from compchem.backends.pyscf_backend import build_mole, make_scf
from compchem.config import Plan, load_plan
from compchem.jobs import build_structure
from compchem.layout import Layout
from compchem.models import LEVEL_DEFAULTS, CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache, read_json

ROOT = Path(__file__).resolve().parents[1]


def one_gradient(spec: CalcSpec, level: LevelOfTheory, threads: int) -> float:
    """Wall seconds of one SCF + analytic gradient at ``level`` (fresh initial guess)."""
    from pyscf import lib

    lib.num_threads(threads)
    mol = build_mole(dataclasses.replace(spec, level=level), io.StringIO(), verbose=0)
    t0 = time.perf_counter()
    mf = make_scf(mol, level)
    mf.kernel()
    mf.nuc_grad_method().kernel()
    return time.perf_counter() - t0


def overhead(results_dir: Path, level: str) -> dict[str, float]:
    """Job wall time (Snakemake benchmark files) vs DFT wall time (records) of a level's optimizations
    that were computed (not taken from the cache) in the job Snakemake timed."""
    job_s = dft_s = 0.0
    samples: list[str] = []
    layout = Layout(str(results_dir))
    for rec_path in sorted(Path(layout.records_dir(level)).glob("*.json")):
        bench = Path(layout.benchmark(level, rec_path.stem))
        if Path(layout.poses(level, rec_path.stem)).exists():
            continue  # a cluster's record copied from its selected pose by select_pose, no DFT job
        record = read_json(rec_path)
        if not bench.exists() or record["extra"].get("resumed_from_step"):
            continue  # resumed jobs' wall time spans several runs
        job = float(bench.read_text().splitlines()[1].split("\t")[0])
        if job < record["wall_time_s"]:
            continue  # the job reused a cached result computed in an earlier job
        job_s += job
        dft_s += record["wall_time_s"]
        samples.append(rec_path.stem)
    return {
        "job_wall_s": job_s,
        "dft_wall_s": dft_s,
        "outside_dft_fraction": (job_s - dft_s) / job_s if job_s else None,
        "jobs": samples,
        **({} if samples else {"note": "no job in the benchmark files computed its own result"}),
    }


@dataclasses.dataclass(frozen=True)
class _Cluster:
    """The benchmarked cluster: its two starting structures (build dicts), charge and multiplicity."""

    label: str
    built: dict  # the workflow builder's structure (GFN2-xTB pre-optimized pose)
    raw_build: dict  # the raw geometric placement (no pre-optimization)
    charge: int
    multiplicity: int

    def spec(self, b: dict, lvl: LevelOfTheory) -> CalcSpec:
        """The optimization of the structure of build dict ``b`` at ``lvl``."""
        return CalcSpec(
            tuple(b["symbols"]),
            tuple(map(tuple, b["coordinates_angstrom"])),
            self.charge,
            self.multiplicity,
            lvl,
            "optimize",
            label=self.label,
        )


def _parse_args() -> argparse.Namespace:
    """The command line (the module docstring is its --help)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", default=str(ROOT / "workflow/config/config.yaml"))
    parser.add_argument("--cluster", default="Li_Im")
    parser.add_argument("--level", default="paper")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-optimizations", action="store_true")
    parser.add_argument(
        "--skip-raw-placement", action="store_true", help="no optimizations from the raw placement"
    )
    parser.add_argument("--skip-xtb-hessian", action="store_true", help="no GFN2-xTB initial Hessian run")
    parser.add_argument(
        "--only",
        nargs="+",
        help="run only these optimizations, as <start>+<tag>, e.g. xtb_preoptimized+preopt_hessian",
    )
    parser.add_argument(
        "--cache-root",
        type=Path,
        help="one cache per optimization variant under this folder (default: a new folder in /tmp)",
    )
    parser.add_argument("--json")
    return parser.parse_args()


def _build_cluster(plan: Plan, name: str) -> _Cluster:
    """The cluster ``name`` as the workflow's builder makes it, and its raw placement."""
    definition = plan.species_definition(name)
    built = build_structure(definition)
    raw_build = build_structure({**definition, "build": {**definition["build"], "preopt_method": "none"}})
    charge, mult = plan.charge_multiplicity(name)
    return _Cluster(name, built, raw_build, charge, mult)


def _run_header(args: argparse.Namespace) -> dict:
    """The machine and the options the numbers were measured with."""
    return {
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "cluster": args.cluster,
        "level": args.level,
        "threads": args.threads,
    }


def _gradient_timings(
    cluster: _Cluster, level: LevelOfTheory, final: LevelOfTheory, threads: int
) -> dict[str, float]:
    """Seconds per SCF + gradient on the builder's structure: naive PySCF vs compchem's ``final`` level."""
    naive = LevelOfTheory.from_dict(
        "naive",
        {
            "functional": level.functional,
            "basis": level.basis if isinstance(level.basis, str) else dict(level.basis),
            "density_fitting": False,
        },
    )
    naive_s = one_gradient(cluster.spec(cluster.built, naive), naive, threads)
    ours_s = one_gradient(cluster.spec(cluster.built, final), final, threads)
    return {
        "seconds_per_gradient_naive": naive_s,
        "seconds_per_gradient_ours": ours_s,
        "gradient_speedup": naive_s / ours_s,
    }


def _variants(
    cluster: _Cluster,
    level: LevelOfTheory,
    final: LevelOfTheory,
    default_rule: LevelOfTheory,
    args: argparse.Namespace,
) -> list[tuple[str, dict, LevelOfTheory, str]]:
    """The optimizations to run, as (start, structure, level, tag), less those the level or the options
    rule out (``level`` and ``default_rule`` are told apart from ``final`` by identity)."""
    built, raw = cluster.built, cluster.raw_build
    xtb_hessian = dataclasses.replace(final, opt_initial_hessian="xtb")
    preopt_hessian = dataclasses.replace(level, opt_initial_hessian="preopt")
    variants = [
        ("raw_placement", raw, default_rule, "default_criteria"),
        ("raw_placement", raw, final, ""),
        ("raw_placement", raw, level, ""),
        ("xtb_preoptimized", built, final, ""),
        ("xtb_preoptimized", built, level, ""),
        ("xtb_preoptimized", built, xtb_hessian, "xtb_hessian"),
        ("xtb_preoptimized", built, preopt_hessian, "preopt_hessian"),
    ]
    return [
        (name, b, lvl, tag)
        for name, b, lvl, tag in variants
        if not (
            (lvl is level and not level.preopt)
            or (lvl is default_rule and default_rule == final)
            or (name == "raw_placement" and args.skip_raw_placement)
            or (tag == "xtb_hessian" and args.skip_xtb_hessian)
            or (tag == "preopt_hessian" and not level.preopt)
            or (args.only and f"{name}+{tag}" not in args.only)
        )
    ]


def _optimize(
    cluster: _Cluster,
    start: str,
    b: dict,
    lvl: LevelOfTheory,
    tag: str,
    resources: Resources,
    cache_root: Path,
) -> tuple[str, dict]:
    """One optimization variant, computed or read from its cache: its key in the output and its entry."""
    stepping = "staged" if lvl.preopt else "single-stage"
    # a cache of its own per variant: results converged under all five criteria answer the
    # qchem rule, and the initial Hessian is not in the content hash. With --cache-root a
    # rerun reuses the finished optimizations of an earlier run (their DFT wall time counts)
    cache = Cache(cache_root / f"{start}+{stepping}+{tag}")
    t0 = time.perf_counter()
    res = run_cached(cluster.spec(b, lvl), resources, cache, io.StringIO())
    stages = res.extra.get("stages") or [{"level": lvl.name, "n_opt_steps": res.n_opt_steps}]
    key = f"{start}/{stepping}" + (f"+{tag}" if tag else "")
    return key, {
        "gradients_per_stage": {s["level"]: s["n_opt_steps"] for s in stages},
        "convergence_rule": lvl.opt_convergence_rule or "all five criteria",
        "convergence_energy_hartree": lvl.opt_convergence_energy_hartree,
        "wall_s": round(time.perf_counter() - t0, 1),
        "dft_wall_s": res.wall_time_s,
        "energy_hartree": res.energy_hartree,
        "initial_hessian": res.extra.get("opt_initial_hessian", "model"),
    }


def _optimizations(
    out: dict, cluster: _Cluster, level: LevelOfTheory, final: LevelOfTheory, args: argparse.Namespace
) -> None:
    """Run the optimization variants into ``out`` (one key each, printed as it finishes), then compare
    the naive path with ours per optimized cluster."""
    resources = Resources(threads=args.threads, memory_mb=8000)
    cache_root = args.cache_root or Path("/tmp") / f"compchem-bench-{os.getpid()}"
    # the naive path's optimizer: geomeTRIC's defaults (all five criteria, |dE| < 1e-6 Ha)
    default_rule = dataclasses.replace(
        final,
        opt_convergence_rule=None,
        opt_convergence_energy_hartree=LEVEL_DEFAULTS["opt_convergence_energy_hartree"],
    )
    for start, b, lvl, tag in _variants(cluster, level, final, default_rule, args):
        key, entry = _optimize(cluster, start, b, lvl, tag, resources, cache_root)
        out[key] = entry
        print(key, json.dumps(entry))
    naive_key = "raw_placement/single-stage" + ("+default_criteria" if default_rule != final else "")
    _compare_per_cluster(out, naive_key)


def _compare_per_cluster(out: dict, naive_key: str) -> None:
    """DFT wall time per optimized cluster, naive (gradients x naive seconds) vs ours (measured), into
    ``out`` and printed; nothing when either optimization did not run."""
    # ours: the most complete of the workflow's paths that ran (the configured level first)
    ours_key = next(
        (
            k
            for k in (
                "xtb_preoptimized/staged+preopt_hessian",
                "xtb_preoptimized/staged",
                "xtb_preoptimized/single-stage",
            )
            if k in out
        ),
        None,
    )
    if naive_key not in out or not ours_key:
        return
    ours = out[ours_key]
    n_naive = sum(out[naive_key]["gradients_per_stage"].values())
    naive_s = n_naive * out["seconds_per_gradient_naive"]
    out["dft_wall_per_optimized_cluster"] = {
        "naive_s": round(naive_s, 1),
        "naive": f"{n_naive} gradients from the raw placement x naive seconds per gradient",
        "ours_s": ours["dft_wall_s"],
        "ours": f"{ours_key}, measured",
        "ours_in_final_level_gradients": round(ours["dft_wall_s"] / out["seconds_per_gradient_ours"], 1),
        "speedup": round(naive_s / ours["dft_wall_s"], 2),
    }
    print(json.dumps(out["dft_wall_per_optimized_cluster"]))


def main() -> None:
    args = _parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    plan = load_plan(args.config, [ROOT])
    level = plan.levels[args.level]
    cluster = _build_cluster(plan, args.cluster)
    final = level.without_preopt()
    out = _run_header(args)
    out.update(_gradient_timings(cluster, level, final, args.threads))
    print(json.dumps(out, indent=1))
    if not args.skip_optimizations:
        _optimizations(out, cluster, level, final, args)
    out["workflow_overhead"] = overhead(ROOT / plan.results_dir, args.level)
    print(json.dumps(out["workflow_overhead"]))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
