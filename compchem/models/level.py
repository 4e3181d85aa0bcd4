"""``LevelOfTheory``: a named method, basis and numerical settings of one backend, with its optional
staged pre-optimization and composite ``B//A`` geometry level, and what it computes from them: its
labels, the single-point level, the tighter variants whose results it reuses, and ``science_dict``,
the part of a level that enters every content hash. Parsing a config mapping into one lives in
``compchem.models.level_parsing``."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from compchem.errors import InputError
from compchem.models.level_keys import LEVEL_DEFAULTS, PATH_ONLY_KEYS
from compchem.models.level_parsing import level_from_dict


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
        mapping (record form, as written by ``to_dict``). ``geometry_level`` (config) or ``geometry``
        (record) makes a composite level ``B//A`` (see ``compchem.models.level_parsing``).
        """
        return level_from_dict(cls, name, data, levels, _depth)

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
        if self.backend == "xtb":
            return self.functional  # the xTB method, e.g. GFN2-xTB: no basis, grid or fitting
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
