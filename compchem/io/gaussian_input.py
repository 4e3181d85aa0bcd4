"""Gaussian 16 input (.gjf) text for a CalcSpec: a pure writer, no program execution.

Units: coordinates are written in Å (Gaussian's default input unit), ``%mem`` in MB.

The route states every setting that would otherwise differ between Gaussian's defaults and the
PySCF backend (SCIENCE.md §4):

* ``5D 7F`` always: PySCF uses spherical (pure) d and f functions for every basis, while Gaussian
  switches to Cartesian 6D for some Pople sets (its 6-31G(d,p) is 6D by default).
* ``SCF=Tight`` and ``Int=UltraFine`` (the (99,590) DFT grid), both stated explicitly.
* ``Opt`` uses Gaussian's default convergence criteria, the same thresholds as geomeTRIC's defaults
  recorded in ``LEVEL_DEFAULTS`` (max/RMS force 4.5e-4/3e-4 Ha/Bohr, max/RMS step 1.8e-3/1.2e-3).

Not translated: density fitting (Gaussian fits only pure functionals; a B3LYP job here is exact,
the PySCF default fits, about 1e-5 Ha apart), ``grid_level`` (UltraFine is used instead), SCF cycle
limits and ``opt_maxsteps`` (Gaussian's own defaults apply).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from compchem.chem import check_charge_multiplicity
from compchem.errors import InputError
from compchem.held import distances_angstrom
from compchem.models import CalcSpec, LevelOfTheory, Resources

#: PySCF ``xc`` name (lower case) -> Gaussian keyword. Only names known to denote the same functional
#: in both programs are listed; PySCF's ``b3lyp`` is Gaussian's B3LYP (VWN-RPA correlation) since
#: PySCF 2.3 (SCIENCE.md §4). Any other name is written upper-cased and must be checked by the user.
GAUSSIAN_FUNCTIONALS: dict[str, str] = {
    "b3lyp": "B3LYP",
    "pbe0": "PBE1PBE",
    "pbe": "PBEPBE",
    "cam-b3lyp": "CAM-B3LYP",
    "m06-2x": "M062X",
    "hf": "HF",
}

#: Basis names whose Gaussian spelling differs from PySCF's (lower-case key). Other names (Pople,
#: Dunning) are written as given: Gaussian reads keywords case-insensitively.
GAUSSIAN_BASIS_NAMES: dict[str, str] = {
    "sto-3g": "STO-3G",
    "def2-svp": "Def2SVP",
    "def2-svpd": "Def2SVPD",
    "def2-tzvp": "Def2TZVP",
    "def2-tzvpp": "Def2TZVPP",
    "def2-tzvpd": "Def2TZVPD",
    "def2-qzvp": "Def2QZVP",
    "def2-qzvpp": "Def2QZVPP",
}

#: Optional ``level.dispersion`` value -> Gaussian route keyword.
GAUSSIAN_DISPERSION: dict[str, str] = {
    "d3bj": "EmpiricalDispersion=GD3BJ",
    "d3": "EmpiricalDispersion=GD3",
}

#: Task -> Gaussian job-type keyword ("energy" is Gaussian's default single point, no keyword).
GAUSSIAN_JOB_TYPES: dict[str, str] = {"optimize": "Opt", "gradient": "Force", "energy": ""}

# Gaussian's manual: avoid @ # ! - _ \ and control characters in the title section.
_TITLE_FORBIDDEN = re.compile(r"[@#!\-_\\\x00-\x1f\x7f]+")


def gaussian_functional(functional: str) -> str:
    """Gaussian's keyword for a PySCF functional name (see ``GAUSSIAN_FUNCTIONALS``)."""
    return GAUSSIAN_FUNCTIONALS.get(functional.strip().lower(), functional.strip().upper())


def gaussian_basis(basis: str) -> str:
    """Gaussian's spelling of a basis name (see ``GAUSSIAN_BASIS_NAMES``)."""
    return GAUSSIAN_BASIS_NAMES.get(basis.strip().lower(), basis.strip())


def _dispersion_keyword(level: LevelOfTheory) -> str | None:
    dispersion = getattr(level, "dispersion", None)
    if not dispersion:
        return None
    key = str(dispersion).strip().lower()
    if key not in GAUSSIAN_DISPERSION:
        raise InputError(
            f"level '{level.name}': dispersion '{dispersion}' has no Gaussian keyword here; "
            f"known: {sorted(GAUSSIAN_DISPERSION)}"
        )
    return GAUSSIAN_DISPERSION[key]


def _check_fragments(fragments: Sequence[Sequence[int]], n_atoms: int, label: str) -> list[list[int]]:
    """Validate counterpoise fragments: at least two, non-empty, every atom index exactly once."""
    frags = [list(f) for f in fragments]
    if len(frags) < 2:
        raise InputError(f"{label}: counterpoise needs at least 2 fragments, got {len(frags)}")
    seen: dict[int, int] = {}
    for k, frag in enumerate(frags, start=1):
        if not frag:
            raise InputError(f"{label}: counterpoise fragment {k} is empty")
        for i in frag:
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n_atoms:
                raise InputError(
                    f"{label}: counterpoise fragment {k} has atom index {i!r}, not in 0..{n_atoms - 1}"
                )
            if i in seen:
                raise InputError(f"{label}: atom {i} is in counterpoise fragments {seen[i]} and {k}")
            seen[i] = k
    missing = sorted(set(range(n_atoms)) - set(seen))
    if missing:
        raise InputError(f"{label}: atoms {missing} are in no counterpoise fragment")
    return frags


def _title(spec: CalcSpec, title: str | None) -> str:
    text = spec.label if title is None else title
    text = " ".join(_TITLE_FORBIDDEN.sub(" ", text).split())
    return text or "compchem calculation"


def _gen_blocks(spec: CalcSpec) -> list[str]:
    """Per-element basis blocks of a Gen job: elements sharing a basis grouped, in order of appearance."""
    groups: dict[str, list[str]] = {}
    for element in dict.fromkeys(spec.symbols):
        groups.setdefault(gaussian_basis(spec.level.basis_for(element)), []).append(element)
    lines: list[str] = []
    for basis, elements in groups.items():
        lines += [" ".join(elements) + " 0", basis, "****"]
    return lines


def write_gaussian_input(
    spec: CalcSpec,
    resources: Resources,
    *,
    chk: str | None = None,
    freq: bool = False,
    counterpoise_fragments: list[list[int]] | None = None,
    fragment_charges_multiplicities: list[tuple[int, int]] | None = None,
    title: str | None = None,
) -> str:
    """Return the text of a Gaussian 16 input file (.gjf) for ``spec``.

    Sections, in Gaussian's order: Link 0 (``%nprocshared`` = ``resources.threads``, ``%mem`` =
    ``resources.memory_mb`` in MB, optional ``%chk``), route, blank, title, blank, charge and
    multiplicity, Cartesian coordinates in Å (8 decimals), blank, then for a mixed basis the ``Gen``
    blocks (``C H 0`` / basis name / ``****``) and a closing blank line.

    Route: ``#p <FUNCTIONAL>/<basis or Gen> 5D 7F [EmpiricalDispersion=...] [Opt|Force] [Freq]
    [Counterpoise=N] SCF=Tight Int=UltraFine``. A mixed basis (``level.basis`` given per element) lists
    only elements present in the molecule; a ``default`` entry covers elements not named.

    Ghost atoms (``spec.ghost_atoms``) are written as ``O-Bq`` (basis functions, no nucleus or electrons).

    Counterpoise: ``counterpoise_fragments`` lists atom indices (0-based) per fragment and must cover every
    atom exactly once; atoms are tagged ``Li(Fragment=1)`` (1-based fragment numbers) and the route gets
    ``Counterpoise=N``. Gaussian reads the charge/multiplicity line of such a job as the total pair
    followed by one pair per fragment: pass them as ``fragment_charges_multiplicities``. Without it only
    the total pair is written, and Gaussian then chooses the fragments' charges and multiplicities itself
    (state them explicitly when a fragment is charged, e.g. Li+ as ``(1, 1)``).

    Raises
    ------
    InputError
        Bad counterpoise fragments or fragment charges, charge/multiplicity not matching the electrons,
        unknown dispersion, ghost atoms combined with counterpoise, or a basis missing for an element.
    """
    label = spec.label or "spec"
    _check_spec(spec, resources, label)
    fragment_of, pairs = _counterpoise_setup(
        spec, label, counterpoise_fragments, fragment_charges_multiplicities
    )
    route = _route(spec, label, freq, fragment_of)
    lines = [f"%nprocshared={int(resources.threads)}", f"%mem={int(resources.memory_mb)}MB"]
    if chk:
        lines.append(f"%chk={chk}")
    lines += [" ".join(route), "", _title(spec, title), ""]
    lines.append(" ".join(f"{c} {m}" for c, m in pairs))
    lines += _atom_lines(spec, fragment_of)
    lines.append("")
    if held := _held_lines(spec, label):
        lines += [*held, ""]
    if not isinstance(spec.level.basis, str):
        lines += _gen_blocks(spec)
        lines.append("")
    return "\n".join(lines) + "\n"


def _check_spec(spec: CalcSpec, resources: Resources, label: str) -> None:
    """What Gaussian input cannot express here, electrons that do not fit the charge and
    multiplicity (ghost atoms bring none), and non-positive machine settings."""
    level = spec.level
    if level.solvent_model:
        raise InputError(
            f"level '{level.name}': implicit solvent is not translated to Gaussian input yet "
            "(SCRF with a generic dielectric); use the pyscf backend for solvent levels"
        )
    check_charge_multiplicity(
        [s for i, s in enumerate(spec.symbols) if i not in spec.ghost_atoms],
        spec.charge,
        spec.multiplicity,
        label,
    )
    if resources.threads < 1 or resources.memory_mb < 1:
        raise InputError(f"{label}: threads and memory must be positive, got {resources}")


def _counterpoise_setup(
    spec: CalcSpec,
    label: str,
    counterpoise_fragments: list[list[int]] | None,
    fragment_charges_multiplicities: list[tuple[int, int]] | None,
) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """The 1-based counterpoise fragment of each atom (empty without counterpoise) and the
    charge/multiplicity pairs of the molecule line: the total, then one per fragment if given."""
    fragment_of: dict[int, int] = {}
    pairs: list[tuple[int, int]] = [(spec.charge, spec.multiplicity)]
    if counterpoise_fragments is not None:
        if spec.ghost_atoms:
            raise InputError(f"{label}: counterpoise and explicit ghost atoms cannot be combined")
        frags = _check_fragments(counterpoise_fragments, len(spec.symbols), label)
        fragment_of = {i: k for k, frag in enumerate(frags, start=1) for i in frag}
        if fragment_charges_multiplicities is not None:
            pairs += _fragment_pairs(spec, label, frags, fragment_charges_multiplicities)
    elif fragment_charges_multiplicities is not None:
        raise InputError(f"{label}: fragment charges/multiplicities given without counterpoise fragments")
    return fragment_of, pairs


def _fragment_pairs(
    spec: CalcSpec, label: str, frags: list[list[int]], charges_multiplicities: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Each fragment's charge/multiplicity pair, checked against its electrons and the total charge."""
    if len(charges_multiplicities) != len(frags):
        raise InputError(
            f"{label}: {len(charges_multiplicities)} fragment charge/multiplicity pairs "
            f"for {len(frags)} counterpoise fragments"
        )
    for k, (frag, (charge, mult)) in enumerate(zip(frags, charges_multiplicities, strict=True), start=1):
        symbols = [spec.symbols[i] for i in frag]
        check_charge_multiplicity(symbols, charge, mult, f"{label} fragment {k}")
    total = sum(c for c, _ in charges_multiplicities)
    if total != spec.charge:
        raise InputError(f"{label}: fragment charges sum to {total:+d}, total charge is {spec.charge:+d}")
    return [(int(c), int(m)) for c, m in charges_multiplicities]


def _route(spec: CalcSpec, label: str, freq: bool, fragment_of: dict[int, int]) -> list[str]:
    """The route keywords: method/basis, pure d and f, dispersion, job type, Freq, Counterpoise, and
    the explicit SCF and grid settings."""
    level = spec.level
    basis_part = "Gen" if not isinstance(level.basis, str) else gaussian_basis(level.basis)
    route = [f"#p {gaussian_functional(level.functional)}/{basis_part}", "5D 7F"]
    dispersion = _dispersion_keyword(level)
    if dispersion:
        route.append(dispersion)
    if spec.task not in GAUSSIAN_JOB_TYPES:
        raise InputError(f"{label}: task '{spec.task}' has no Gaussian job type")
    if spec.optimization_held_distances:
        route.append("Opt=ModRedundant")  # the held distances frozen (``_held_lines``)
    elif GAUSSIAN_JOB_TYPES[spec.task]:
        route.append(GAUSSIAN_JOB_TYPES[spec.task])
    if freq:
        route.append("Freq")
    if fragment_of:
        route.append(f"Counterpoise={len(set(fragment_of.values()))}")
    return [*route, "SCF=Tight", "Int=UltraFine"]


#: Largest deviation (Å) of a held distance from its value in the input geometry: Gaussian freezes a
#: ModRedundant bond at the value the input geometry has, so the input must already hold it.
HELD_INPUT_TOLERANCE_ANGSTROM = 1e-3


def _held_lines(spec: CalcSpec, label: str) -> list[str]:
    """ModRedundant lines ``B i j F`` (1-based) freezing each held distance of an optimization at its
    value in the input geometry, which must equal the held value (the builds hold it exactly)."""
    held = spec.optimization_held_distances
    for (i, j, value), d in zip(held, distances_angstrom(held, spec.coordinates_angstrom), strict=True):
        if abs(d - value) > HELD_INPUT_TOLERANCE_ANGSTROM:
            raise InputError(
                f"{label}: held distance {spec.symbols[i]}{i + 1}-{spec.symbols[j]}{j + 1} is {d:.4f} Å in "
                f"the input geometry, not {value:.4f} Å; Gaussian freezes it at the input value"
            )
    return [f"B {i + 1} {j + 1} F" for i, j, _ in held]


def _atom_lines(spec: CalcSpec, fragment_of: dict[int, int]) -> list[str]:
    """One line per atom: symbol (``-Bq`` for a ghost, ``(Fragment=k)`` in a counterpoise job) and
    Cartesian coordinates in Angstrom, 8 decimals, the symbols padded to one width."""
    atoms = [
        (f"{s}-Bq" if i in spec.ghost_atoms else s) + (f"(Fragment={fragment_of[i]})" if fragment_of else "")
        for i, s in enumerate(spec.symbols)
    ]
    width = max([2, *map(len, atoms)])
    return [
        f"{atom:<{width}s} {x:14.8f} {y:14.8f} {z:14.8f}"
        for atom, (x, y, z) in zip(atoms, spec.coordinates_angstrom, strict=True)
    ]
