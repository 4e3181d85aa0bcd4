"""GFN2-xTB tight minimization: geomeTRIC in TRIC coordinates (the project's xTB optimizer since the
seventeenth session) against ASE's Cartesian BFGS (the one before), from the same built structures.

    OMP_NUM_THREADS=1 python benchmarks/xtb_optimizer.py results/structures/<species>.build.json ... \
        --json benchmarks/xtb_optimizer.json
    python benchmarks/xtb_optimizer.py --records OLD_RECORDS_DIR NEW_RECORDS_DIR --json out.json

For each build: gradients to convergence, final energy, largest atomic force (the part the held
distances leave free), the RMSD between the two minima (Kabsch-aligned) and the inter-ligand bonds
each minimum has. Both stop at the same force threshold (``FREQ_FMAX_EV_PER_ANGSTROM``, 5e-4 eV/Å
on the largest atomic force) under the held distances of the build's definition; BFGS as it was
configured (``maxstep`` 0.1 Å, at most 3000 steps, ASE constraints for held distances). Step
counts and energies do not depend on machine load; the wall times do (for reference only).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from ase.optimize import BFGS

from compchem.backends.xtb import FREQ_FMAX_EV_PER_ANGSTROM, _calculator, _held_atoms, xtb_optimize
from compchem.build.bonds import bonds_text, interfragment_bonds
from compchem.chem import kabsch_rmsd
from compchem.held import projected_gradient
from compchem.jobs.common import spec_from_build
from compchem.models import CalcSpec, LevelOfTheory, xtb_level
from compchem.records import read_json, read_record
from compchem.units import BOHR_TO_ANGSTROM, EV_TO_HARTREE, HARTREE_TO_EV


def bfgs(spec: CalcSpec, method: str) -> dict:
    """ASE's BFGS as the xTB minimizer was configured before (held distances as ASE constraints)."""
    atoms = _held_atoms(spec.symbols, spec.coordinates_angstrom, spec.held_distances)
    atoms.calc = _calculator(method, spec.charge, spec.multiplicity, xtb_level(method)["accuracy"])
    t0 = time.perf_counter()
    opt = BFGS(atoms, logfile=None, maxstep=0.1)
    converged = bool(opt.run(fmax=FREQ_FMAX_EV_PER_ANGSTROM, steps=3000))
    atoms.set_constraint()
    forces = projected_gradient(atoms.get_forces(), atoms.get_positions(), spec.held_distances)
    return {
        "gradients": int(opt.nsteps) + 1,
        "energy_hartree": float(atoms.get_potential_energy() * EV_TO_HARTREE),
        "max_force_ev_per_angstrom": float(np.linalg.norm(forces, axis=1).max()),
        "converged": converged,
        "coordinates_angstrom": atoms.get_positions().tolist(),
        "wall_s": round(time.perf_counter() - t0, 1),
    }


def tric(spec: CalcSpec, method: str) -> dict:
    """The project's xTB minimizer (``compchem.backends.xtb.xtb_optimize``)."""
    t0 = time.perf_counter()
    rec = xtb_optimize(spec, method)
    return {
        "gradients": rec.n_opt_steps,
        "energy_hartree": rec.energy_hartree,
        "max_force_ev_per_angstrom": rec.gradient_max_hartree_per_bohr * HARTREE_TO_EV / BOHR_TO_ANGSTROM,
        "converged": rec.converged,
        "coordinates_angstrom": rec.coordinates_angstrom,
        "wall_s": round(time.perf_counter() - t0, 1),
    }


def compare_records(old_dir: str, new_dir: str) -> list[dict]:
    """The same species' xTB optimization records of two runs (e.g. before and after the optimizer
    changed; the old ones extracted from git): gradients, energies, their difference and RMSD."""
    rows = []
    for new_path in sorted(Path(new_dir).glob("*.json")):
        old_path = Path(old_dir) / new_path.name
        if not old_path.exists():
            continue
        old, new = read_record(old_path), read_record(new_path)
        if old.task != "optimize" or len(new.symbols) < 2 or old.spec_hash == new.spec_hash:
            continue
        bonds = [
            bonds_text(interfragment_bonds(r.symbols, r.coordinates_angstrom, r.fragments))
            for r in (old, new)
        ]
        rows.append(
            {
                "species": new_path.name.removesuffix(".json"),
                "n_atoms": len(new.symbols),
                "old_gradients": old.n_opt_steps,
                "new_gradients": new.n_opt_steps,
                "old_energy_hartree": old.energy_hartree,
                "new_energy_hartree": new.energy_hartree,
                "new_minus_old_ev": (new.energy_hartree - old.energy_hartree) * HARTREE_TO_EV,
                "rmsd_angstrom": kabsch_rmsd(
                    np.asarray(old.coordinates_angstrom), np.asarray(new.coordinates_angstrom)
                ),
                "old_interligand_bonds": bonds[0],
                "new_interligand_bonds": bonds[1],
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("builds", nargs="*")
    parser.add_argument("--method", default="GFN2-xTB")
    parser.add_argument(
        "--records", nargs=2, metavar=("OLD_DIR", "NEW_DIR"), help="compare two runs' records"
    )
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.records:
        rows = compare_records(*args.records)
        for r in rows:
            print(
                f"{r['species']}: {r['n_atoms']} atoms; gradients {r['old_gradients']} -> "
                f"{r['new_gradients']}; new - old {r['new_minus_old_ev']:+.4f} eV; RMSD "
                f"{r['rmsd_angstrom']:.3f} Å; bonds {r['old_interligand_bonds'] or '-'} -> "
                f"{r['new_interligand_bonds'] or '-'}"
            )
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
        return 0
    rows = []
    for path in args.builds:
        build = read_json(path, "build")
        fragments = build.get("fragments", [])
        level = LevelOfTheory.from_dict("gfn2", {"backend": "xtb", "functional": args.method})
        spec = spec_from_build(path, level.to_dict())  # the held distances of the build's definition
        runs = {"bfgs": bfgs(spec, args.method), "tric": tric(spec, args.method)}
        for run in runs.values():
            xyz = np.asarray(run["coordinates_angstrom"])
            run["interligand_bonds"] = bonds_text(interfragment_bonds(build["symbols"], xyz, fragments))
        xyz = {k: np.asarray(v.pop("coordinates_angstrom")) for k, v in runs.items()}
        row = {
            "build": path,
            "n_atoms": len(build["symbols"]),
            "n_held_distances": len(spec.held_distances),
            **{f"{k}_{f}": v for k, run in runs.items() for f, v in run.items()},
            "tric_minus_bfgs_ev": (runs["tric"]["energy_hartree"] - runs["bfgs"]["energy_hartree"])
            * HARTREE_TO_EV,
            "rmsd_angstrom": kabsch_rmsd(xyz["bfgs"], xyz["tric"]),
        }
        rows.append(row)
        print(
            f"{Path(path).name}: {row['n_atoms']} atoms; BFGS {row['bfgs_gradients']} gradients "
            f"E={row['bfgs_energy_hartree']:.8f}; TRIC {row['tric_gradients']} gradients "
            f"E={row['tric_energy_hartree']:.8f}; TRIC - BFGS {row['tric_minus_bfgs_ev']:+.4f} eV, "
            f"RMSD {row['rmsd_angstrom']:.3f} Å",
            flush=True,
        )
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
