"""Speed levers of one SCF + gradient (an optimization step) or one single point, measured in one run.

    python benchmarks/step_levers.py RECORD --level paper_preopt [--task gradient|energy] \
        [--lever grid1 ...] [--threads 2] [--json out.json]

Takes the geometry of RECORD (a record file, e.g. a first-stage record from ``results/cache``) and the
config level ``--level`` (its pre-optimization stage dropped), and times one SCF + nuclear gradient
(``--task gradient``) or one SCF (``--task energy``) for the level as configured and for each lever:

- ``grid1``: DFT grid one level coarser;
- ``conv1e-6``: SCF converged to 1e-6 Ha instead of the level's tolerance (an early optimization step);
- ``sgx``: PySCF's seminumerical exchange (``sgx_fit``, J by density fitting) instead of RI-K;
- ``guess_<level>``: the SCF started from the converged density of another config level at the same
  geometry (as a composite single point could start from its geometry level's orbitals); the time of
  that other SCF is not counted.

Prints, per variant: wall time, SCF cycles, energy and its change from the configured level (Hartree),
and the largest change of a gradient component (Hartree/Bohr).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from compchem.backends.pyscf_backend import build_mole, make_scf, use_threads
from compchem.config import load_plan
from compchem.models import LevelOfTheory
from compchem.records import read_record


def run_variant(spec: Any, level: LevelOfTheory, lever: str, plan: Any, task: str) -> dict[str, Any]:
    """One timed SCF (+ gradient) of ``spec`` at ``level`` with ``lever`` applied."""
    if lever == "grid1":
        level = dataclasses.replace(level, grid_level=max(0, level.grid_level - 1))
    if lever == "conv1e-6":
        level = dataclasses.replace(level, scf_conv_tol=1e-6)
    with tempfile.TemporaryFile("w+") as out:
        spec_l = dataclasses.replace(spec, level=level)
        mol = build_mole(spec_l, stream=out, verbose=3)
        dm0 = None
        if lever.startswith("guess_"):
            other = plan.levels[lever.removeprefix("guess_")].single_point_level()
            mol_o = build_mole(dataclasses.replace(spec, level=other), stream=out, verbose=3)
            mf_o = make_scf(mol_o, other)
            mf_o.kernel()
            from pyscf import scf

            # project the other basis's density onto this one (PySCF's addons.project_dm_nr2nr)
            dm0 = scf.addons.project_dm_nr2nr(mol_o, mf_o.make_rdm1(), mol)
        if lever == "sgx":
            from pyscf import dft, sgx

            mf = dft.RKS(mol) if mol.spin == 0 else dft.UKS(mol)
            mf.xc = level.functional
            mf.grids.level = level.grid_level
            mf.conv_tol = level.scf_conv_tol
            mf = sgx.sgx_fit(mf)
            mf.with_df.dfj = True
        else:
            mf = make_scf(mol, level)
        t0 = time.perf_counter()
        energy = mf.kernel(dm0=dm0) if dm0 is not None else mf.kernel()
        t1 = time.perf_counter()
        grad = mf.nuc_grad_method().kernel() if task == "gradient" else None
        t2 = time.perf_counter()
    return {
        "lever": lever,
        "scf_s": round(t1 - t0, 1),
        "gradient_s": round(t2 - t1, 1),
        "total_s": round(t2 - t0, 1),
        "scf_cycles": int(mf.cycles),
        "converged": bool(mf.converged),
        "energy_hartree": float(energy),
        "gradient": None if grad is None else np.asarray(grad).tolist(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("record")
    parser.add_argument("--level", required=True)
    parser.add_argument("--config", default="workflow/config/config.yaml")
    parser.add_argument("--task", choices=["gradient", "energy"], default="gradient")
    parser.add_argument("--lever", action="append", default=[])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json")
    args = parser.parse_args()
    use_threads(args.threads)
    plan = load_plan(args.config)
    rec = read_record(args.record)
    level = plan.levels[args.level].single_point_level()
    spec = rec.spec_at(level, "energy")
    rows = []
    base = None
    for lever in ["configured", *args.lever]:
        row = run_variant(spec, level, lever, plan, args.task)
        if base is None:
            base = row
        row["energy_change_hartree"] = row["energy_hartree"] - base["energy_hartree"]
        if row["gradient"] is not None:
            row["max_gradient_change_hartree_per_bohr"] = float(
                np.abs(np.asarray(row["gradient"]) - np.asarray(base["gradient"])).max()
            )
        row["speedup"] = round(base["total_s"] / row["total_s"], 2)
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "gradient"}), flush=True)
    header = f"{rec.label}: {len(rec.symbols)} atoms, level {args.level} ({level.describe()})"
    print(header, file=sys.stderr)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "record": args.record,
                    "level": args.level,
                    "task": args.task,
                    "header": header,
                    "rows": [{k: v for k, v in r.items() if k != "gradient"} for r in rows],
                },
                indent=1,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
