"""The keys of a level of theory: their defaults, which of them stay out of the content hash, the
values some of them accept, and the checks of a config level's keys and cavity radii. Kept apart from
``LevelOfTheory`` so that the config schema's documentation and the thermo settings can name a key's
default or an xTB frequency level without the dataclass."""

from __future__ import annotations

from typing import Any

from compchem.errors import InputError

#: Defaults of every level-of-theory key; a config level overrides some of them (see ``merge_level``).
LEVEL_DEFAULTS: dict[str, Any] = {
    "backend": "pyscf",
    "functional": "b3lyp",
    "basis": "6-311+G(d,p)",
    "density_fitting": True,
    "auxbasis": None,
    "grid_level": 3,
    "scf_conv_tol": 1e-9,
    "scf_max_cycle": 100,
    "opt_maxsteps": 100,
    "opt_convergence_energy_hartree": 1e-6,
    "opt_convergence_grms_hartree_per_bohr": 3e-4,
    "opt_convergence_gmax_hartree_per_bohr": 4.5e-4,
    "opt_convergence_drms_angstrom": 1.2e-3,
    "opt_convergence_dmax_angstrom": 1.8e-3,
    # optional physics, off unless set: empirical dispersion (PySCF `mf.disp`, e.g. "d3bj", "d3zero",
    # "d4"; needs pyscf-dispersion) and implicit solvent ("pcm" = IEF-PCM or "ddcosmo", with the
    # medium's dielectric constant, e.g. 1,3-dioxolane ~7.1)
    "dispersion": None,
    "solvent_model": None,
    "solvent_eps": None,
    # cavity sphere radii (Angstrom, used as given) of some elements in place of the solvent model's
    # defaults (PySCF: ddCOSMO 1.1 x UFF, e.g. Li 1.35 A; IEF-PCM 1.2 x modified Bondi, e.g. Li 2.18 A)
    "solvent_radii_angstrom": None,
    # optimizer path only: None = geomeTRIC's model Hessian; "xtb" = GFN2-xTB Cartesian Hessian at the
    # starting geometry; "preopt" = in a staged optimization, the approximate Hessian geomeTRIC had
    # built up when the pre-optimization converged (pyscf backend)
    "opt_initial_hessian": None,
    # when an optimization counts as converged: None = all five geomeTRIC criteria (energy change,
    # RMS/max gradient, RMS/max displacement); "qchem" = RMS gradient and either the energy change or
    # the RMS displacement (Q-Chem's rule, geomeTRIC's ``qccnv``), which stops floppy clusters whose
    # last steps only turn flat torsions (pyscf backend)
    "opt_convergence_rule": None,
    # DFT integration grid (PySCF level) of the optimization's steps; None = ``grid_level``. A coarser
    # one makes every SCF + gradient cheaper (the XC quadrature is two thirds of one); the converged
    # geometry then gets one single point at ``grid_level``, which is the recorded energy (pyscf backend)
    "opt_grid_level": None,
}

#: Level keys that change only the optimizer's path, never the minimum it converges to (within the
#: convergence criteria): left out of ``science_dict`` and so of the content hash, so a cached result
#: is reused whichever initial Hessian computed it.
PATH_ONLY_KEYS: frozenset[str] = frozenset({"opt_initial_hessian"})
OPT_INITIAL_HESSIANS: tuple[str, ...] = ("xtb", "preopt")
#: tblite methods accepted as config ``thermo.frequencies_level`` besides level names
XTB_METHODS: tuple[str, ...] = ("GFN2-xTB", "GFN1-xTB")


#: The optimizer of a tight xTB minimization (a level with backend xtb; part of its content hash):
#: geomeTRIC in translation-rotation-internal coordinates, as the DFT optimizations. Measured against
#: ASE's Cartesian BFGS from the same builds (benchmarks/README.md, "GFN2-xTB minimizations"): 2-13x
#: fewer gradients and the same minimum on every Zn-free cluster; on floppy Zn clusters of 70-106
#: atoms a different minimum, 0.28 eV lower to 0.05 eV higher. Under held distances geomeTRIC's own
#: convergence test can pass with Cartesian forces left across them; ASE's BFGS under the same
#: constraints then polishes to the same threshold.
XTB_OPTIMIZER = "geomeTRIC TRIC; BFGS polish under held distances"


def xtb_level(method: str) -> dict[str, Any]:
    """The level dict of an xTB frequency level (tblite; what thermo JSONs record as their
    ``frequencies_level_settings``)."""
    return {"name": method, "backend": "xtb", "method": method, "accuracy": 0.01}


#: Values of ``opt_convergence_rule`` besides None (all five criteria). Each is implied by meeting all
#: five criteria, so a result converged under None also satisfies it (``CalcSpec.reusable_keys``).
OPT_CONVERGENCE_RULES: tuple[str, ...] = ("qchem",)


def cavity_radii(where: str, radii: Any) -> tuple[tuple[str, float], ...] | None:
    """Cavity radii ({element: radius in Angstrom}, a level's ``solvent_radii_angstrom`` or
    ``thermo.solvent.radii_angstrom``) as sorted (element, radius) pairs (hashable, order-free); None
    or empty: the solvent model's own radii. An InputError naming ``where`` for an unknown element or
    a radius that is not a positive number."""
    if not radii:
        return None
    from ase.data import atomic_numbers

    if not isinstance(radii, dict):
        raise InputError(f"{where}: cavity radii must map elements to radii (Angstrom), got {radii!r}")
    pairs = []
    for element, radius in dict(radii).items():
        if element not in atomic_numbers or element == "X":
            raise InputError(f"{where}: cavity radius for unknown element {element!r}")
        if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not 0 < radius < 10:
            raise InputError(
                f"{where}: cavity radius of {element} must be a number of Angstrom between 0 and 10, "
                f"got {radius!r}"
            )
        pairs.append((str(element), float(radius)))
    return tuple(sorted(pairs))


def merge_level(name: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """Merge a config level over ``LEVEL_DEFAULTS``, rejecting unknown keys."""
    unknown = sorted(set(overrides) - set(LEVEL_DEFAULTS))
    if unknown:
        allowed = sorted([*LEVEL_DEFAULTS, "preopt_level", "geometry_level", "energy_level"])
        raise InputError(f"level '{name}': unknown key(s) {unknown}; allowed: {allowed}")
    return {**LEVEL_DEFAULTS, **overrides}
