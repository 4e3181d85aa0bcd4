"""What a coarser grid for the optimization steps (``opt_grid_level``) saves, and what it changes.

    python benchmarks/opt_grid.py results/paper/records/Li_Im.json [--opt-grid 2] [--threads 2] \
        [--json out.json]

For a staged record, from the geometry where its stage 2 started (stage 1's minimum, from the cache)
this runs the final level's optimization twice, in temporary caches and with the same initial
Hessian as the workflow (stage 1's, when the level says ``opt_initial_hessian: preopt`` and the
cache has it):

1. on the level's grid throughout (what the workflow does without ``opt_grid_level``);
2. on grid ``--opt-grid`` for every step, then one single point on the level's grid at the
   converged geometry (``opt_grid_level``).

Prints, for each: gradients, DFT wall time, final energy; for (2) also the final single point's time
and its energy shift from the coarse grid; and between the two: the energy difference and the RMSD
of the geometries (Å, aligned), i.e. what the saving costs in accuracy.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from compchem.backends.base import run_cached
from compchem.backends.pyscf_backend import use_threads
from compchem.chem import kabsch_rmsd
from compchem.layout import Layout
from compchem.models import CalcResult, LevelOfTheory, Resources
from compchem.records import Cache, read_record


def optimize(start: CalcResult, level: LevelOfTheory, cache: Cache, stage1_key: str, threads: int) -> dict:
    spec = dataclasses.replace(start.spec_at(level, "optimize"), hessian_from=stage1_key)
    res = run_cached(spec, Resources(threads=threads, memory_mb=8000), cache)
    return {
        "gradients": res.n_opt_steps,
        "dft_wall_s": res.wall_time_s,
        "energy_hartree": res.energy_hartree,
        "converged": res.converged,
        "initial_hessian": res.extra.get("opt_initial_hessian", "model"),
        **{k: res.extra[k] for k in ("energy_at_opt_grid_hartree", "final_single_point_s") if k in res.extra},
        "coordinates_angstrom": res.coordinates_angstrom,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("record")
    parser.add_argument(
        "--cache", default=Layout("results").cache, help="content cache with the stage-1 record"
    )
    parser.add_argument("--opt-grid", type=int, default=2, help="grid level of the steps in run 2")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="write the numbers here too")
    args = parser.parse_args()
    use_threads(args.threads)
    rec = read_record(args.record)
    level = LevelOfTheory.from_record(rec.level)
    if level.preopt is None or "stages" not in rec.extra:
        raise SystemExit(f"{args.record}: not a staged optimization")
    source = Cache(args.cache)
    stage1_key = rec.extra["stages"][0]["spec_hash"]
    stage1 = source.get(stage1_key, "record")
    if stage1 is None:
        raise SystemExit(f"{args.record}: stage-1 record not in {args.cache}")
    start = CalcResult.from_dict(stage1)
    final = level.without_preopt()
    coarse = dataclasses.replace(final, opt_grid_level=args.opt_grid)
    out: dict = {
        "record": args.record,
        "atoms": len(rec.symbols),
        "threads": args.threads,
        "level": final.describe(),
        "grid_level": final.grid_level,
        "opt_grid_level": args.opt_grid,
    }
    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        for name, lvl in (("full_grid", final), ("coarse_steps", coarse)):
            cache = Cache(Path(tmp) / name)
            hess = source.path(stage1_key, "opt_hessian")
            if hess.exists():  # the workflow's stage 2 starts from stage 1's approximate Hessian
                cache.path(stage1_key, "opt_hessian").parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(hess, cache.path(stage1_key, "opt_hessian"))
            runs[name] = optimize(start, lvl, cache, stage1_key, args.threads)
    a, b = (np.asarray(runs[k].pop("coordinates_angstrom")) for k in ("full_grid", "coarse_steps"))
    out.update(runs)
    out["energy_difference_hartree"] = (
        runs["coarse_steps"]["energy_hartree"] - runs["full_grid"]["energy_hartree"]
    )
    out["geometry_rmsd_angstrom"] = kabsch_rmsd(a, b)
    out["dft_wall_ratio"] = runs["coarse_steps"]["dft_wall_s"] / runs["full_grid"]["dft_wall_s"]
    print(json.dumps(out, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
