"""Where one SCF + gradient spends its time: PySCF's own timers (verbose 5) summed by section.

    python benchmarks/profile_gradient.py results/paper/records/Li_PDOL.json [--threads 2] [--grid-level 2]

Runs one SCF + nuclear gradient at the record's geometry and level (without a pre-optimization
stage) and prints the wall time of the SCF and of the gradient, and of PySCF's timed sections
(exchange-correlation quadrature, density-fitted J/K, ...), largest first.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import re
import tempfile
import time

from pyscf import lib

from compchem.backends.pyscf_backend import build_mole, make_scf
from compchem.models import LevelOfTheory
from compchem.records import read_record

TIMER = re.compile(r"CPU time for (.*?)\s+[\d.]+ sec, wall time\s+([\d.]+) sec")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("record")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--grid-level", type=int, help="override the level's DFT grid level")
    args = parser.parse_args()
    lib.num_threads(args.threads)
    rec = read_record(args.record)
    level = LevelOfTheory.from_record(rec.level).without_preopt()
    if args.grid_level is not None:
        level = dataclasses.replace(level, grid_level=args.grid_level)
    spec = rec.spec_at(level, "energy")
    with tempfile.TemporaryFile("w+") as out:
        mol = build_mole(spec, stream=out, verbose=5)
        t0 = time.perf_counter()
        mf = make_scf(mol, level)
        mf.kernel()
        t1 = time.perf_counter()
        mf.nuc_grad_method().kernel()
        t2 = time.perf_counter()
        out.seek(0)
        sections: dict[str, float] = collections.defaultdict(float)
        calls: collections.Counter[str] = collections.Counter()
        for line in out:
            if m := TIMER.search(line):
                name = re.sub(r"\d+", "#", m.group(1)).strip()
                sections[name] += float(m.group(2))
                calls[name] += 1
    print(f"{rec.label}: {mol.nao} basis functions, grid level {level.grid_level}, {args.threads} threads")
    print(f"SCF {t1 - t0:.1f} s ({mf.cycles} cycles), gradient {t2 - t1:.1f} s, total {t2 - t0:.1f} s")
    for name, wall in sorted(sections.items(), key=lambda kv: -kv[1]):
        print(f"{wall:8.1f} s  {calls[name]:3d} calls  {name}")


if __name__ == "__main__":
    main()
