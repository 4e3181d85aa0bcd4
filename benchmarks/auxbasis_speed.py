"""One SCF + gradient of finished records at their own level: PySCF's default density-fitting
auxiliary basis (even-tempered for Pople bases) against def2-universal-jkfit.

    python benchmarks/auxbasis_speed.py results/paper/records/Li_Im.json [...] --json out.json

Prints wall time (s), auxiliary functions and energy (Hartree) per record and auxiliary basis.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

from pyscf import lib

from compchem.backends.pyscf_backend import build_mole, make_scf
from compchem.models import LevelOfTheory
from compchem.records import read_record

AUXBASES = (None, "def2-universal-jkfit")


def measure(path: str) -> dict[str, dict[str, float]]:
    rec = read_record(path)
    base = LevelOfTheory.from_record(rec.level).without_preopt()
    out = {}
    for aux in AUXBASES:
        level = dataclasses.replace(base, auxbasis=aux)
        spec = rec.spec_at(level, "energy")
        mol = build_mole(spec, verbose=0)
        t0 = time.perf_counter()
        mf = make_scf(mol, level)
        energy = float(mf.kernel())
        mf.nuc_grad_method().kernel()
        out[aux or "pyscf default"] = {
            "wall_s": round(time.perf_counter() - t0, 1),
            "n_aux_functions": int(mf.with_df.auxmol.nao),
            "energy_hartree": energy,
        }
        print(rec.label, aux or "pyscf default", out[aux or "pyscf default"], flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("records", nargs="+")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json")
    args = parser.parse_args()
    lib.num_threads(args.threads)
    results = {path: measure(path) for path in args.records}
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
