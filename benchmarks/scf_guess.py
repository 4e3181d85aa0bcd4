"""How many SCF cycles a carried initial guess saves at the start of a stage or a resumed run.

    python benchmarks/scf_guess.py results/paper/records/Li_PDOL.json [--threads 2] [--json out.json]

For a staged record (``preopt_level``), at the geometry where its stage 2 started (stage 1's minimum,
from the cache) this runs, with the level's own settings:

1. the stage-1 level's SCF, which leaves its orbitals in a PySCF chkfile (as the workflow does);
2. the final level's SCF from PySCF's default (minao) guess: what stage 2 did before;
3. the same from stage 1's orbitals projected onto the final basis (``init_guess = "chkfile"``): what
   stage 2 does now;
4. the final level's SCF at the record's final geometry, from the orbitals of (2), same basis: the
   case of a resumed run, whose geometry is close to the one its orbitals come from (here it is a
   whole stage away, so this is the harder case).

Prints SCF cycles and wall time of each; all converge to the same energy (printed, to check it).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from pyscf import lib

from compchem.backends.pyscf_backend import build_mole, make_scf
from compchem.layout import Layout
from compchem.models import CalcResult, LevelOfTheory
from compchem.records import Cache, read_record


def scf(spec, level, chk: Path, guess_from: Path | None) -> dict:
    """One SCF of ``spec`` at ``level`` writing its orbitals to ``chk``, from ``guess_from``'s orbitals
    (a copy: PySCF rewrites the chkfile it reads the guess from) or PySCF's default guess."""
    mf = make_scf(build_mole(spec, verbose=0), level)
    if guess_from is not None:
        shutil.copyfile(guess_from, chk)
        mf.init_guess = "chkfile"
    mf.chkfile = str(chk)
    t0 = time.perf_counter()
    energy = float(mf.kernel())
    wall = time.perf_counter() - t0
    assert mf.converged, f"{spec.label}: SCF not converged"
    return {"cycles": int(mf.cycles), "wall_s": round(wall, 1), "energy_hartree": energy}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("record")
    parser.add_argument(
        "--cache", default=Layout("results").cache, help="content cache with the stage-1 record"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="write the numbers here too")
    args = parser.parse_args()
    lib.num_threads(args.threads)
    rec = read_record(args.record)
    level = LevelOfTheory.from_record(rec.level)
    if level.preopt is None or "stages" not in rec.extra:
        raise SystemExit(f"{args.record}: not a staged optimization")
    stage1 = Cache(args.cache).get(rec.extra["stages"][0]["spec_hash"], "record")
    if stage1 is None:
        raise SystemExit(f"{args.record}: stage-1 record not in {args.cache}")
    start = CalcResult.from_dict(stage1)
    final = level.without_preopt()
    out: dict = {"record": args.record, "threads": args.threads, "atoms": len(rec.symbols)}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        out["stage1_scf"] = scf(start.spec_at(level.preopt, "energy"), level.preopt, d / "s1.chk", None)
        spec2 = start.spec_at(final, "energy")
        out["stage2_first_scf_minao"] = scf(spec2, final, d / "minao.chk", None)
        out["stage2_first_scf_projected"] = scf(spec2, final, d / "proj.chk", d / "s1.chk")
        out["final_geometry_from_stage2_start_orbitals"] = scf(
            rec.spec_at(final, "energy"), final, d / "resume.chk", d / "minao.chk"
        )
    print(json.dumps(out, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
