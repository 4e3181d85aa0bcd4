"""Optimizer steps of one optimization from a species' starting structure, in a cache of its own.

    python benchmarks/step_count.py results/structures/Li_PDOL2.pose0.build.json --level paper_preopt \
        --set opt_initial_hessian=xtb --cache /tmp/steps_cache [--threads 2] [--json out.json]

Runs the optimization of the build's starting structure at config level ``--level`` with the level
keys of ``--set`` overridden (values parsed as YAML), through ``run_cached`` in the cache ``--cache``
(an empty folder for a fresh count: path-only keys such as ``opt_initial_hessian`` do not change the
content hash, so the project cache would answer with its finished record). Resumable: a killed run
continues from its checkpoint in that cache. Prints the gradient count, final energy and DFT wall time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from pathlib import Path

import yaml

from compchem.backends.base import run_cached
from compchem.config import load_plan
from compchem.jobs import spec_from_build
from compchem.models import LevelOfTheory, Resources
from compchem.records import Cache


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("build")
    parser.add_argument("--level", required=True)
    parser.add_argument("--config", default="workflow/config/config.yaml")
    parser.add_argument("--set", action="append", default=[], help="KEY=VALUE level override")
    parser.add_argument("--cache", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    plan = load_plan(args.config)
    data = dict(plan.config["levels"][args.level])
    for item in args.set:
        key, value = item.split("=", 1)
        data[key] = yaml.safe_load(value)
    level = LevelOfTheory.from_dict(args.level, data, plan.config["levels"])
    spec = spec_from_build(args.build, level.to_dict())
    spec = dataclasses.replace(spec, level=level)
    result = run_cached(spec, Resources(threads=args.threads, memory_mb=16000), Cache(args.cache), sys.stdout)
    row = {
        "build": args.build,
        "level": args.level,
        "overrides": args.set,
        "gradients": len(result.history),
        "n_opt_steps": result.n_opt_steps,
        "converged": result.converged,
        "energy_hartree": result.energy_hartree,
        "wall_time_s": result.wall_time_s,
        "stages": result.extra.get("stages"),
    }
    print(json.dumps(row))
    if args.json:
        Path(args.json).write_text(json.dumps(row, indent=1) + "\n")


if __name__ == "__main__":
    main()
