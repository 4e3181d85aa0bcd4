"""Replay finished optimizations under another convergence rule, from their job logs.

A convergence rule only decides when geomeTRIC stops, never which step it takes, so an optimization
run under a looser rule follows the logged path and stops at the first logged step that meets the
looser rule. This script reads the geomeTRIC step lines (displacement, gradient, energy change) and
the criteria block of each optimization in the given job logs and reports, per optimization, the
gradients it took and the gradient at which each rule would have stopped, with the energy there
relative to the logged final energy. No DFT is run. ``tests/test_convergence_rule.py`` checks the
prefix property with a real optimization.

    .venv/bin/python benchmarks/convergence_rules.py results/paper/logs/*.log
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compchem.units import HARTREE_TO_EV  # noqa: E402

ANSI = re.compile(r"\x1b\[[0-9;]*m")
NUM = r"([-+0-9.eE]+)"
OPT_STEP = re.compile(r"INFO compchem\.backends\.pyscf_backend: (\S+): opt step (\d+)\s+E=" + NUM)
STEP = re.compile(
    r"^Step\s+(\d+) : Displace = "
    + NUM
    + "/"
    + NUM
    + r" \(rms/max\) Trust = .*? Grad = "
    + NUM
    + "/"
    + NUM
    + r" \(rms/max\) E \(change\) = "
    + NUM
    + r" \("
    + NUM
    + r"\)"
)
CRITERION = re.compile(r">\s+(\|Delta-E\||RMS-Grad|Max-Grad|RMS-Disp|Max-Disp)\s+<\s+" + NUM)
KEYS = {"|Delta-E|": "energy", "RMS-Grad": "grms", "Max-Grad": "gmax", "RMS-Disp": "drms", "Max-Disp": "dmax"}


def parse(path: Path) -> dict[str, dict]:
    """Per optimization label: its criteria and its logged steps (gradient number, E, dE, norms)."""
    runs: dict[str, dict] = {}
    criteria: dict[str, float] = {}
    current = None
    run: dict = {"steps": []}
    for raw in path.read_text(errors="replace").splitlines():
        line = ANSI.sub("", raw)
        if m := CRITERION.search(line):
            criteria[KEYS[m.group(1)]] = float(m.group(2))
            if current is not None and len(run["steps"]) == 1:  # block printed after the first gradient
                run["criteria"].setdefault(KEYS[m.group(1)], float(m.group(2)))
        elif m := OPT_STEP.search(line):
            label, n, energy = m.group(1), int(m.group(2)), float(m.group(3))
            run = runs.setdefault(label, {"criteria": dict(criteria), "steps": []})
            current = {"gradient": n, "energy": energy}
            run["steps"].append(current)
        elif (m := STEP.match(line)) and current is not None:
            _, drms, dmax, grms, gmax, _, de = map(float, m.groups())
            current.update(drms=drms, dmax=dmax, grms=grms, gmax=gmax, de=de)
    return runs


def meets(step: dict, c: dict[str, float], rule: str) -> bool:
    """Whether a logged step meets ``rule`` ('all' five criteria or 'qchem') under criteria ``c``."""
    if "de" not in step:  # first gradient of a run segment: no step taken yet
        return False
    energy = abs(step["de"]) < c["energy"]
    if rule == "qchem":
        return step["grms"] < c["grms"] and (energy or step["drms"] < c["drms"])
    return (
        energy
        and step["grms"] < c["grms"]
        and step["gmax"] < c["gmax"]
        and step["drms"] < c["drms"]
        and step["dmax"] < c["dmax"]
    )


# geomeTRIC's named convergence sets (geometric/params.py, OptParams.__init__): energy (Ha), RMS and max
# gradient (Ha/bohr), RMS and max displacement (Angstrom)
CONVERGENCE_SETS = {
    "GAU": (1e-6, 3e-4, 4.5e-4, 1.2e-3, 1.8e-3),
    "NWCHEM_LOOSE": (1e-6, 3e-3, 4.5e-3, 3.6e-3, 5.4e-3),
    "GAU_LOOSE": (1e-6, 1.7e-3, 2.5e-3, 6.7e-3, 1e-2),
    "TURBOMOLE": (1e-6, 5e-4, 1e-3, 5.0e-4, 1e-3),
}


def replay(
    runs: dict[str, dict], energy_hartree: float | None = None, convergence_set: str | None = None
) -> list[dict]:
    """Per optimization, where each rule stops; with ``energy_hartree`` also the ``qchem`` rule with
    that energy-change threshold where the logged one is tighter (column ``qchem_e``); with
    ``convergence_set`` also geomeTRIC's named set under all five criteria (column ``set_all``) and
    under the ``qchem`` rule (``set_qchem``), loosening only."""
    rows = []
    for label, run in runs.items():
        steps, c = run["steps"], run["criteria"]
        if not {"energy", "grms", "drms"} <= c.keys() or not steps:  # the qchem rule's three
            continue
        final = steps[-1]
        row = {"optimization": label, "gradients_logged": final["gradient"]}
        rules = [("all", c), ("qchem", c)]
        if energy_hartree is not None:
            # loosen only: an optimization logged under a looser threshold keeps its own
            rules.append(("qchem_e", {**c, "energy": max(c["energy"], energy_hartree)}))
        if convergence_set is not None:
            named = dict(
                zip(
                    ("energy", "grms", "gmax", "drms", "dmax"), CONVERGENCE_SETS[convergence_set], strict=True
                )
            )
            loosened = {k: max(c[k], named[k]) for k in named if k in c}
            rules += [("set_all", loosened), ("set_qchem", loosened)]
        for name, crit in rules:
            rule = "all" if name in ("all", "set_all") else "qchem"
            complete = rule == "qchem" or {"gmax", "dmax"} <= crit.keys()  # older logs omit the max lines
            stop = next((s for s in steps if meets(s, crit, rule)), None) if complete else None
            row[f"gradients_{name}"] = stop["gradient"] if stop else None
            row[f"E_{name}_minus_final_eV"] = (
                round((stop["energy"] - final["energy"]) * HARTREE_TO_EV, 6) if stop else None
            )
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument(
        "--energy-hartree", type=float, help="also replay the qchem rule with this energy-change threshold"
    )
    parser.add_argument(
        "--convergence-set", choices=sorted(CONVERGENCE_SETS), help="also replay geomeTRIC's named set"
    )
    args = parser.parse_args(argv)
    rows: dict[str, dict] = {}
    for path in args.logs:
        for row in replay(parse(path), args.energy_hartree, args.convergence_set):
            rows.setdefault(row["optimization"], row)  # a label logged twice (alias logs) counts once
    header = f"{'optimization':44s} {'logged':>6s} {'all':>4s} {'qchem':>5s} {'E(qchem)-E(final) / eV':>23s}"
    print(header)
    for r in rows.values():
        de = r["E_qchem_minus_final_eV"]
        print(
            f"{r['optimization']:44s} {r['gradients_logged']:6d} {r['gradients_all'] or '-':>4} "
            f"{r['gradients_qchem'] or '-':>5} {de if de is not None else '-':>23}"
        )
    done = [r for r in rows.values() if r["gradients_all"] and r["gradients_qchem"]]
    if done:
        n_all = sum(r["gradients_all"] for r in done)
        n_q = sum(r["gradients_qchem"] for r in done)
        print(
            f"\n{len(done)} finished optimizations: {n_all} gradients under all five criteria, {n_q} under "
            f"qchem ({100 * (1 - n_q / n_all):.0f}% fewer); largest |E(qchem) - E(final)| "
            f"{max(abs(r['E_qchem_minus_final_eV']) for r in done):.1e} eV"
        )
    if args.energy_hartree is not None:
        print(f"\nqchem rule with |Delta-E| < {args.energy_hartree:g} Ha:")
        for r in rows.values():
            de = r["E_qchem_e_minus_final_eV"]
            n = r["gradients_qchem_e"] or "-"
            print(f"{r['optimization']:44s} {n:>5} {de if de is not None else '-':>23}")
    if args.convergence_set is not None:
        print(f"\ngeomeTRIC set {args.convergence_set} (loosening only): all five criteria | qchem rule")
        for r in rows.values():
            cells = []
            for name in ("set_all", "set_qchem"):
                de = r[f"E_{name}_minus_final_eV"]
                cells.append(f"{r[f'gradients_{name}'] or '-':>5} {de if de is not None else '-':>12}")
            print(f"{r['optimization']:44s} {' | '.join(cells)}")
    if args.json:
        args.json.write_text(json.dumps(list(rows.values()), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
