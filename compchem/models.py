"""Frozen data models: what to compute (CalcSpec, LevelOfTheory), how (Resources), what came out
(CalcResult). Science and machine stay apart: a CalcSpec never holds threads or memory."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from compchem import CALC_CODE_VERSION
from compchem.errors import InputError

TASKS = ("energy", "gradient", "optimize")

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


def xtb_level(method: str) -> dict[str, Any]:
    """The level dict of an xTB frequency level (tblite; what thermo JSONs record as their
    ``frequencies_level_settings``)."""
    return {"name": method, "backend": "xtb", "method": method, "accuracy": 0.01}


#: Values of ``opt_convergence_rule`` besides None (all five criteria). Each is implied by meeting all
#: five criteria, so a result converged under None also satisfies it (``CalcSpec.reusable_keys``).
OPT_CONVERGENCE_RULES: tuple[str, ...] = ("qchem",)


@dataclass(frozen=True)
class LevelOfTheory:
    """A named level of theory: method, basis and numerical settings of one backend.

    ``basis`` is one basis name for all elements or a tuple of ``(element, basis)`` pairs.
    Convergence thresholds are in the units their names give (geomeTRIC's criteria).
    """

    name: str
    backend: str = LEVEL_DEFAULTS["backend"]
    functional: str = LEVEL_DEFAULTS["functional"]
    basis: str | tuple[tuple[str, str], ...] = LEVEL_DEFAULTS["basis"]
    density_fitting: bool = LEVEL_DEFAULTS["density_fitting"]
    auxbasis: str | None = LEVEL_DEFAULTS["auxbasis"]
    grid_level: int = LEVEL_DEFAULTS["grid_level"]
    scf_conv_tol: float = LEVEL_DEFAULTS["scf_conv_tol"]
    scf_max_cycle: int = LEVEL_DEFAULTS["scf_max_cycle"]
    opt_maxsteps: int = LEVEL_DEFAULTS["opt_maxsteps"]  # geomeTRIC iterations per run (a resumed
    # run gets as many again; each run evaluates opt_maxsteps + 1 gradients at most)
    opt_convergence_energy_hartree: float = LEVEL_DEFAULTS["opt_convergence_energy_hartree"]
    opt_convergence_grms_hartree_per_bohr: float = LEVEL_DEFAULTS["opt_convergence_grms_hartree_per_bohr"]
    opt_convergence_gmax_hartree_per_bohr: float = LEVEL_DEFAULTS["opt_convergence_gmax_hartree_per_bohr"]
    opt_convergence_drms_angstrom: float = LEVEL_DEFAULTS["opt_convergence_drms_angstrom"]
    opt_convergence_dmax_angstrom: float = LEVEL_DEFAULTS["opt_convergence_dmax_angstrom"]
    dispersion: str | None = None
    solvent_model: str | None = None
    solvent_eps: float | None = None
    solvent_radii_angstrom: tuple[tuple[str, float], ...] | None = None  # (element, radius) pairs
    opt_initial_hessian: str | None = None  # None: model Hessian; "xtb": GFN2-xTB; "preopt": stage 1's
    opt_convergence_rule: str | None = None  # None: all five criteria; "qchem": grms and (energy or drms)
    opt_grid_level: int | None = None  # grid of the optimization steps; None: grid_level throughout
    #: Optional cheaper level whose optimization runs first; this level's optimization starts from its
    #: geometry (staged optimization: most steps of a floppy cluster happen at the cheap level).
    preopt: LevelOfTheory | None = None
    #: Composite protocol ``B//A``: with a geometry level A, an optimization at this level is the
    #: optimization at A followed by a single point at this level's own settings (B) at A's geometry.
    geometry: LevelOfTheory | None = None
    #: Name of the config level B whose settings the single points use (config ``energy_level``); a
    #: label only (None: this level's own name)
    energy_level: str | None = None

    @classmethod
    def from_dict(
        cls, name: str, data: dict[str, Any], levels: dict[str, dict[str, Any]] | None = None, _depth: int = 0
    ) -> LevelOfTheory:
        """Build a level from a config mapping; unknown keys are an InputError naming the level.

        ``preopt_level`` names another level of ``levels`` (config form); ``preopt`` holds one as a
        mapping (record form, as written by ``to_dict``).
        """
        data = dict(data)
        if data.get("geometry_level") is not None or data.get("geometry") is not None:
            return cls._composite_from_dict(name, data, levels, _depth)
        for key in ("geometry_level", "geometry", "energy_level"):
            if data.pop(key, None) is not None:
                raise InputError(f"level '{name}': {key} is given only together with geometry_level")
        preopt_name = data.pop("preopt_level", None)
        preopt_data = data.pop("preopt", None)
        preopt = None
        if preopt_name is not None or preopt_data is not None:
            if _depth >= 2:
                raise InputError(f"level '{name}': preopt_level chain is too deep (or circular)")
            if preopt_data is not None:
                preopt_data = dict(preopt_data)
                preopt_name = preopt_data.pop("name")
            elif levels is None or preopt_name not in levels:
                raise InputError(f"level '{name}': preopt_level '{preopt_name}' is not a defined level")
            else:
                preopt_data = levels[preopt_name]
            preopt = cls.from_dict(preopt_name, preopt_data, levels, _depth + 1)
            if preopt.backend != "pyscf":
                raise InputError(f"level '{name}': preopt_level '{preopt_name}' must use the pyscf backend")
        merged = merge_level(name, data)
        if (merged["solvent_model"] is None) != (merged["solvent_eps"] is None):
            raise InputError(f"level '{name}': solvent_model and solvent_eps go together")
        merged["solvent_radii_angstrom"] = cavity_radii(
            f"level '{name}' solvent_radii_angstrom", merged["solvent_radii_angstrom"]
        )
        if merged["solvent_radii_angstrom"] and not merged["solvent_model"]:
            raise InputError(f"level '{name}': solvent_radii_angstrom needs a solvent_model")
        if merged["opt_initial_hessian"] not in (None, *OPT_INITIAL_HESSIANS):
            raise InputError(
                f"level '{name}': opt_initial_hessian must be one of {list(OPT_INITIAL_HESSIANS)} or null, "
                f"got {merged['opt_initial_hessian']!r}"
            )
        if merged["opt_convergence_rule"] not in (None, *OPT_CONVERGENCE_RULES):
            raise InputError(
                f"level '{name}': opt_convergence_rule must be one of {list(OPT_CONVERGENCE_RULES)} or null, "
                f"got {merged['opt_convergence_rule']!r}"
            )
        if merged["opt_initial_hessian"] == "preopt" and levels is not None and preopt is None:
            raise InputError(f"level '{name}': opt_initial_hessian 'preopt' needs a preopt_level")
        opt_grid = merged["opt_grid_level"]
        if opt_grid is not None and (
            not isinstance(opt_grid, int)
            or isinstance(opt_grid, bool)
            or not 0 <= opt_grid <= merged["grid_level"]
        ):
            raise InputError(
                f"level '{name}': opt_grid_level must be a PySCF grid level from 0 to grid_level "
                f"({merged['grid_level']}) or null, got {opt_grid!r}"
            )
        if opt_grid is not None and merged["backend"] != "pyscf":
            raise InputError(f"level '{name}': opt_grid_level applies to the pyscf backend")
        if merged["opt_convergence_rule"] is not None and merged["backend"] != "pyscf":
            raise InputError(
                f"level '{name}': opt_convergence_rule applies to geomeTRIC (backend pyscf); Gaussian's "
                "Opt uses its own criteria"
            )
        basis = merged["basis"]
        if isinstance(basis, dict):
            merged["basis"] = tuple(sorted((str(k), str(v)) for k, v in basis.items()))
        return cls(name=name, preopt=preopt, **merged)

    @classmethod
    def _composite_from_dict(
        cls, name: str, data: dict[str, Any], levels: dict[str, dict[str, Any]] | None, depth: int
    ) -> LevelOfTheory:
        """A composite level ``B//A`` from config form (``geometry_level`` names A; ``energy_level``
        names B, or the remaining keys define B as any level) or record form (``geometry`` holds A)."""
        geometry_name = data.pop("geometry_level", None)
        geometry_data = data.pop("geometry", None)
        energy_name = data.pop("energy_level", None)
        where = f"level '{name}'"
        if "preopt_level" in data or data.get("preopt") is not None:
            raise InputError(
                f"{where}: a composite level (geometry_level) takes its geometries from its geometry "
                "level; give the staged optimization (preopt_level) to that level instead"
            )
        data.pop("preopt", None)
        record_form = geometry_data is not None
        if record_form:
            geometry_data = dict(geometry_data)
            geometry_name = geometry_data.pop("name")
        elif levels is None or geometry_name not in levels:
            known = sorted(levels) if levels else []
            raise InputError(
                f"{where}: geometry_level '{geometry_name}' is not a defined level; defined: {known}"
            )
        else:
            geometry_data = levels[geometry_name]
        if geometry_name == name or depth >= 2:
            raise InputError(f"{where}: geometry_level chain is circular or too deep")
        geometry = cls.from_dict(geometry_name, geometry_data, levels, depth + 1)
        if geometry.geometry is not None:
            raise InputError(
                f"{where}: geometry_level '{geometry_name}' is itself a composite level; name the "
                "level whose optimization gives the geometries"
            )
        if geometry.backend != "pyscf":
            raise InputError(
                f"{where}: geometry_level '{geometry_name}' must be a PySCF level (its optimizations run "
                "in the workflow's optimize job)"
            )
        if energy_name is not None and data and not record_form:
            raise InputError(
                f"{where}: with energy_level '{energy_name}' the single-point settings are that level's; "
                f"remove {sorted(data)} or drop energy_level"
            )
        if energy_name is not None and not record_form:
            if levels is None or energy_name not in levels:
                raise InputError(
                    f"{where}: energy_level '{energy_name}' is not a defined level; defined: {sorted(levels)}"
                )
            source = dict(levels[energy_name])
            if source.get("geometry_level") is not None:
                raise InputError(f"{where}: energy_level '{energy_name}' is itself a composite level")
            # the single point needs none of the energy level's optimization stages
            source.pop("preopt_level", None)
            if source.get("opt_initial_hessian") == "preopt":
                source.pop("opt_initial_hessian")
            energy = cls.from_dict(energy_name, source, levels, depth + 1)
        else:
            energy = cls.from_dict(name, data, levels, depth + 1)
        if energy.backend not in ("pyscf", "gaussian"):
            raise InputError(f"{where}: the single points need a pyscf or gaussian level")
        return replace(energy, name=name, preopt=None, geometry=geometry, energy_level=energy_name)

    @property
    def is_composite(self) -> bool:
        """True for a composite level ``B//A`` (single points at another level's geometries)."""
        return self.geometry is not None

    def notation(self) -> str:
        """``B//A`` for a composite level (config names of the single-point and geometry levels),
        otherwise the level's name."""
        if self.geometry is None:
            return self.name
        return f"{self.energy_level or self.name}//{self.geometry.name}"

    def single_point_level(self) -> LevelOfTheory:
        """The level of a single point (energy, Hessian) at a given geometry: no optimization stages;
        for a composite level ``B//A``, the single-point level B."""
        if self.geometry is None:
            return self.without_preopt()
        return replace(
            self, name=self.energy_level or self.name, preopt=None, geometry=None, energy_level=None
        )

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> LevelOfTheory:
        """Rebuild a level from ``to_dict`` output (name included), as stored in records and params."""
        return cls.from_dict(data["name"], {k: v for k, v in data.items() if k != "name"})

    def tighter_variants(self) -> list[LevelOfTheory]:
        """This level with its looser-than-default optimizer settings tightened to geomeTRIC's
        defaults, in every combination (itself first): all five criteria instead of
        ``opt_convergence_rule``, the default energy threshold instead of a larger one, the same
        for the preopt level's rule, and the full grid for the steps instead of ``opt_grid_level``.
        An optimization converged at any of them also meets this level's criteria
        (``CalcSpec.reusable_keys``). A composite level's variants are those of its geometry level."""
        if self.geometry is not None:
            return [replace(self, geometry=g) for g in self.geometry.tighter_variants()]
        default_energy = LEVEL_DEFAULTS["opt_convergence_energy_hartree"]
        rules = list(dict.fromkeys([self.opt_convergence_rule, None]))
        energies = list(
            dict.fromkeys(
                [
                    self.opt_convergence_energy_hartree,
                    min(self.opt_convergence_energy_hartree, default_energy),
                ]
            )
        )
        preopts = [self.preopt]
        if self.preopt is not None and self.preopt.opt_convergence_rule is not None:
            preopts.append(replace(self.preopt, opt_convergence_rule=None))
        # an optimization on the full grid answers one whose steps ran on a coarser grid
        grids = list(dict.fromkeys([self.opt_grid_level, None]))
        return [
            replace(
                self, opt_convergence_rule=r, opt_convergence_energy_hartree=e, preopt=p, opt_grid_level=g
            )
            for r in rules
            for e in energies
            for p in preopts
            for g in grids
        ]

    def without_preopt(self) -> LevelOfTheory:
        """The same level with no pre-optimization stage."""
        return replace(self, preopt=None)

    def basis_for(self, element: str) -> str:
        """Return the basis name used for ``element`` (an InputError if a per-element map lacks it)."""
        if isinstance(self.basis, str):
            return self.basis
        mapping = dict(self.basis)
        if element in mapping:
            return mapping[element]
        if "default" in mapping:
            return mapping["default"]
        raise InputError(f"level '{self.name}': no basis given for element {element}")

    def describe(self) -> str:
        """Short human label, e.g. ``B3LYP/6-311+G(d,p) (DF)``; a composite level reads
        ``B3LYP/6-311+G(d,p) (DF)//B3LYP/def2-SVP (DF)`` (single point // geometry)."""
        if self.geometry is not None:
            return f"{self.single_point_level().describe()}//{self.geometry.describe()}"
        basis = (
            self.basis
            if isinstance(self.basis, str)
            else "mixed[" + ", ".join(f"{el}:{b}" for el, b in self.basis) + "]"
        )
        text = f"{self.functional.upper()}/{basis}" + (" (DF)" if self.density_fitting else "")
        if self.dispersion:
            text += f" + {self.dispersion.upper()}"
        if self.solvent_model:
            text += f" in {self.solvent_model} (eps = {self.solvent_eps}"
            if self.solvent_radii_angstrom:
                text += ", radii " + ", ".join(f"{el} {r:g} Å" for el, r in self.solvent_radii_angstrom)
            text += ")"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping of every setting (recorded in each result)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        if not isinstance(self.basis, str):
            data["basis"] = dict(self.basis)
        if self.solvent_radii_angstrom:
            data["solvent_radii_angstrom"] = dict(self.solvent_radii_angstrom)
        data["preopt"] = self.preopt.to_dict() if self.preopt else None
        data["geometry"] = self.geometry.to_dict() if self.geometry else None
        return data

    def science_dict(self) -> dict[str, Any]:
        """The settings that determine a result (names are labels and are left out); unset
        optional settings (None) are left out too, so adding an optional setting later does not
        change the content hash of existing results. ``PATH_ONLY_KEYS`` (the optimizer's initial
        Hessian) are left out as well: they change how many steps reach the minimum, not the minimum."""
        data = {
            k: v
            for k, v in self.to_dict().items()
            if k not in ("name", "energy_level") and k not in PATH_ONLY_KEYS and v is not None
        }
        if self.preopt:
            data["preopt"] = self.preopt.science_dict()
        if self.geometry:
            # B//A: the optimizer settings of B play no part; A's do (its geometry)
            data = {k: v for k, v in data.items() if not k.startswith("opt_")}
            data["geometry"] = self.geometry.science_dict()
        return data


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


@dataclass(frozen=True)
class Resources:
    """Machine settings of one job (from Snakemake ``threads``/``resources``), never science."""

    threads: int = 1
    memory_mb: int = 4000
    scratch_dir: str | None = None


@dataclass(frozen=True)
class CalcSpec:
    """What to compute: a structure, its charge and multiplicity, a level and a task.

    ``label`` names the species for logs and records; it is not part of the content hash, so renaming
    a species reuses its results. ``ghost_atoms`` lists indices carried as basis functions only.
    """

    symbols: tuple[str, ...]
    coordinates_angstrom: tuple[tuple[float, float, float], ...]
    charge: int
    multiplicity: int
    level: LevelOfTheory
    task: str = "optimize"
    ghost_atoms: tuple[int, ...] = ()
    label: str = ""
    fragments: tuple[tuple[str, tuple[int, ...]], ...] = field(default=(), compare=False)
    #: Content hash of a finished optimization (stage 1 of a staged one, or the geometry level of a
    #: composite one) whose final approximate Hessian, kept in the cache, may start this optimization
    #: (``opt_initial_hessian: preopt``) and whose last SCF orbitals may start this calculation's first
    #: SCF. Changes only the path to the result, so it is not part of the content hash.
    hessian_from: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise InputError(f"{self.label or 'spec'}: unknown task '{self.task}', known: {TASKS}")
        if len(self.symbols) != len(self.coordinates_angstrom):
            raise InputError(
                f"{self.label or 'spec'}: {len(self.symbols)} symbols but "
                f"{len(self.coordinates_angstrom)} coordinate rows"
            )

    def content_hash(self) -> str:
        """SHA-256 of everything that determines the result (geometry rounded to 1e-6 Å).

        ``opt_convergence_rule`` and ``opt_grid_level`` count for optimizations only: a single point
        or Hessian at a given geometry does not depend on how that geometry was converged."""
        level = self.level.science_dict()
        if self.task != "optimize":
            level.pop("opt_convergence_rule", None)
            level.pop("opt_grid_level", None)
        payload = {
            "symbols": list(self.symbols),
            "coordinates_angstrom": [[round(x, 6) + 0.0 for x in row] for row in self.coordinates_angstrom],
            "charge": self.charge,
            "multiplicity": self.multiplicity,
            "level": level,
            "task": self.task,
            "ghost_atoms": list(self.ghost_atoms),
            "code_version": CALC_CODE_VERSION,
        }
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def reusable_keys(self) -> tuple[str, ...]:
        """Content hashes whose finished results (or checkpoints) answer this spec, own hash first.

        An optimization converged under tighter criteria answers one under looser criteria: under all
        five criteria instead of a looser ``opt_convergence_rule``, or with geomeTRIC's default energy
        threshold instead of a looser ``opt_convergence_energy_hartree``. So loosening a level keeps
        every result and checkpoint computed before. A single point or Hessian does not depend on the
        optimizer's settings at all; its hash still holds the energy threshold (older records), so the
        same variants find it."""
        keys = [self.content_hash()]
        for level in self.level.tighter_variants():
            key = replace(self, level=level).content_hash()
            if key not in keys:
                keys.append(key)
        return tuple(keys)


@dataclass(frozen=True)
class CalcResult:
    """The outcome of one calculation, written as one JSON record (see ``compchem.records``)."""

    label: str
    task: str
    program: str
    program_version: str
    spec_hash: str
    level: dict[str, Any]
    charge: int
    multiplicity: int
    symbols: list[str]
    coordinates_angstrom: list[list[float]]
    energy_hartree: float
    converged: bool
    n_opt_steps: int = 0
    n_scf_cycles_last: int = 0
    gradient_rms_hartree_per_bohr: float | None = None
    gradient_max_hartree_per_bohr: float | None = None
    n_basis_functions: int = 0
    wall_time_s: float = 0.0
    threads: int = 1
    fragments: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, float]] = field(default_factory=list)
    software: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    schema_version: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)

    def spec_at(self, level: LevelOfTheory, task: str) -> CalcSpec:
        """A new calculation of this result's structure (geometry, charge, multiplicity, label and
        fragments) at ``level``, task ``task``."""
        return CalcSpec(
            tuple(self.symbols),
            tuple(map(tuple, self.coordinates_angstrom)),
            self.charge,
            self.multiplicity,
            level,
            task,
            label=self.label,
            fragments=tuple((f["name"], tuple(f["atom_indices"])) for f in self.fragments),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CalcResult:
        """Rebuild from a record mapping; unknown keys from newer records are kept in ``extra``."""
        names = {f.name for f in fields(cls)}
        known = {k: v for k, v in data.items() if k in names}
        rest = {k: v for k, v in data.items() if k not in names}
        if rest:
            known.setdefault("extra", {})
            known["extra"] = {**known["extra"], **rest}
        return cls(**known)
