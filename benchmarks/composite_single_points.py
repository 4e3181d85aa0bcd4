"""Single points of a level at the first-stage geometries of a finished staged run (composite protocol).

    python benchmarks/composite_single_points.py results/paper --level paper [--threads 2] \
        [--json benchmarks/composite_single_points_paper.json]

For every record of ``<run>/records/`` that came from a staged optimization (``extra.stages``), reads
the first stage's optimized geometry from the content cache and computes the single point of
``--level`` (without its pre-optimization stage) there, through ``run_cached``. These are exactly the
single points the composite level ``<level>//<first-stage level>`` asks for, so a later workflow run of
that composite level finds them in the cache. Prints and writes each single point's wall time and the
energy difference to the fully optimized record (Hartree).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from compchem.backends.base import run_cached
from compchem.config import load_plan
from compchem.layout import Layout
from compchem.models import CalcResult, Resources
from compchem.records import Cache, read_record


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run", help="results/<level> of a finished staged run")
    parser.add_argument("--level", default="paper", help="level (config name) of the single points")
    parser.add_argument("--config", default="workflow/config/config.yaml")
    parser.add_argument("--cache", default=Layout("results").cache)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-mb", type=int, default=16000)
    parser.add_argument("--json", help="write the numbers here too")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)

    plan = load_plan(args.config)
    level = plan.levels[args.level].without_preopt()
    cache = Cache(args.cache)
    rows = []
    layout, run_level = Layout.of_level_dir(args.run)
    for path in sorted(Path(layout.records_dir(run_level)).glob("*.json")):
        full = read_record(path)
        stages = full.extra.get("stages")
        if not stages:
            continue
        stored = cache.get(stages[0]["spec_hash"], "record")
        if stored is None:
            print(f"{path.name}: first-stage record {stages[0]['spec_hash'][:12]} not in the cache; skipped")
            continue
        stage1 = CalcResult.from_dict(stored)
        spec = stage1.spec_at(level, "energy")
        t0 = time.perf_counter()
        sp = run_cached(spec, Resources(threads=args.threads, memory_mb=args.memory_mb), cache, sys.stdout)
        row = {
            "record": path.name,
            "n_atoms": len(full.symbols),
            "spec_hash": sp.spec_hash,
            "energy_hartree": sp.energy_hartree,
            "full_energy_hartree": full.energy_hartree,
            "composite_minus_full_hartree": sp.energy_hartree - full.energy_hartree,
            "single_point_wall_s": sp.wall_time_s,
            "this_run_wall_s": round(time.perf_counter() - t0, 1),
            "first_stage_wall_s": stages[0]["wall_time_s"],
            "first_stage_steps": stages[0]["n_opt_steps"],
            "full_wall_s": full.wall_time_s,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
