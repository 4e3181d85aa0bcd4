"""How a config or record mapping becomes a ``LevelOfTheory``: a plain level (with an optional staged
``preopt_level``) or a composite ``B//A`` (``geometry_level``, optional ``energy_level``), with an
InputError naming the level for every inconsistent combination of keys. The functions take the level
class as an argument, so this module needs no import of ``compchem.models.level`` and the dataclass
keeps only what a level is and computes."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from compchem.errors import InputError
from compchem.models.level_keys import (
    LEVEL_DEFAULTS,
    OPT_CONVERGENCE_RULES,
    OPT_INITIAL_HESSIANS,
    XTB_METHODS,
    cavity_radii,
    merge_level,
)

if TYPE_CHECKING:
    from compchem.models.level import LevelOfTheory

Levels = dict[str, dict[str, Any]]


def level_from_dict(
    cls: type[LevelOfTheory], name: str, data: dict[str, Any], levels: Levels | None, depth: int
) -> LevelOfTheory:
    """``LevelOfTheory.from_dict``: a composite level, or a plain one with its preopt stage."""
    data = dict(data)
    if data.get("geometry_level") is not None or data.get("geometry") is not None:
        return composite_from_dict(cls, name, data, levels, depth)
    for key in ("geometry_level", "geometry", "energy_level"):
        if data.pop(key, None) is not None:
            raise InputError(f"level '{name}': {key} is given only together with geometry_level")
    preopt = _preopt_from_dict(cls, name, data, levels, depth)
    merged = merge_level(name, data)
    if merged["backend"] == "xtb":
        _check_xtb(name, merged, preopt)
    _check_solvent(name, merged)
    _check_optimizer(name, merged, levels, preopt)
    basis = merged["basis"]
    if isinstance(basis, dict):
        merged["basis"] = tuple(sorted((str(k), str(v)) for k, v in basis.items()))
    return cls(name=name, preopt=preopt, **merged)


def _preopt_from_dict(
    cls: type[LevelOfTheory], name: str, data: dict[str, Any], levels: Levels | None, depth: int
) -> LevelOfTheory | None:
    """The preopt stage of a plain level (popped from ``data``): ``preopt_level`` names another level
    of ``levels`` (config form), ``preopt`` holds one as a mapping (record form)."""
    preopt_name = data.pop("preopt_level", None)
    preopt_data = data.pop("preopt", None)
    if preopt_name is None and preopt_data is None:
        return None
    if depth >= 2:
        raise InputError(f"level '{name}': preopt_level chain is too deep (or circular)")
    if preopt_data is not None:
        preopt_data = dict(preopt_data)
        preopt_name = preopt_data.pop("name")
    elif levels is None or preopt_name not in levels:
        raise InputError(f"level '{name}': preopt_level '{preopt_name}' is not a defined level")
    else:
        preopt_data = levels[preopt_name]
    preopt = cls.from_dict(preopt_name, preopt_data, levels, depth + 1)
    if preopt.backend != "pyscf":
        raise InputError(f"level '{name}': preopt_level '{preopt_name}' must use the pyscf backend")
    return preopt


#: The keys an xTB level (``backend: xtb``) uses besides its name; every other key must keep its default
#: (DFT settings that a tight-binding method has no use for are refused, not silently ignored).
XTB_LEVEL_KEYS: frozenset[str] = frozenset({"backend", "functional"})


def _check_xtb(name: str, merged: dict[str, Any], preopt: LevelOfTheory | None) -> None:
    """A level of ``backend: xtb`` names its method (GFN2-xTB or GFN1-xTB) under ``functional``
    (normalized in place to tblite's spelling) and sets no DFT or geomeTRIC key."""
    methods = {m.lower(): m for m in XTB_METHODS}
    method = methods.get(str(merged["functional"]).lower())
    if method is None:
        raise InputError(
            f"level '{name}': backend xtb needs functional set to an xTB method, one of "
            f"{list(XTB_METHODS)}; got {merged['functional']!r}"
        )
    merged["functional"] = method
    given = sorted(k for k, v in merged.items() if k not in XTB_LEVEL_KEYS and v != LEVEL_DEFAULTS[k])
    if given or preopt is not None:
        keys = given + (["preopt_level"] if preopt is not None else [])
        raise InputError(
            f"level '{name}': {keys} do not apply to an xTB level (backend xtb takes only functional: "
            f"{method}; its optimization is a tight tblite + ASE BFGS minimization)"
        )


def _check_solvent(name: str, merged: dict[str, Any]) -> None:
    """Solvent model and dielectric constant go together; cavity radii (normalized in place to sorted
    pairs) need a model."""
    if (merged["solvent_model"] is None) != (merged["solvent_eps"] is None):
        raise InputError(f"level '{name}': solvent_model and solvent_eps go together")
    merged["solvent_radii_angstrom"] = cavity_radii(
        f"level '{name}' solvent_radii_angstrom", merged["solvent_radii_angstrom"]
    )
    if merged["solvent_radii_angstrom"] and not merged["solvent_model"]:
        raise InputError(f"level '{name}': solvent_radii_angstrom needs a solvent_model")


def _check_optimizer(
    name: str, merged: dict[str, Any], levels: Levels | None, preopt: LevelOfTheory | None
) -> None:
    """The optimizer keys: known initial Hessian and convergence rule, a grid no finer than the
    energy's, and the geomeTRIC-only keys on PySCF levels only."""
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


def composite_from_dict(
    cls: type[LevelOfTheory], name: str, data: dict[str, Any], levels: Levels | None, depth: int
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
    geometry = _composite_geometry(cls, name, geometry_name, geometry_data, levels, depth)
    energy = _composite_energy(cls, name, energy_name, data, record_form, levels, depth)
    if energy.backend not in ("pyscf", "gaussian"):
        raise InputError(f"{where}: the single points need a pyscf or gaussian level")
    return replace(energy, name=name, preopt=None, geometry=geometry, energy_level=energy_name)


def _composite_geometry(
    cls: type[LevelOfTheory],
    name: str,
    geometry_name: str | None,
    geometry_data: dict[str, Any] | None,
    levels: Levels | None,
    depth: int,
) -> LevelOfTheory:
    """Level A of ``B//A``: a plain PySCF or xTB level (its optimizations run in the optimize job)."""
    where = f"level '{name}'"
    if geometry_data is not None:
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
    if geometry.backend not in ("pyscf", "xtb"):
        raise InputError(
            f"{where}: geometry_level '{geometry_name}' must be a PySCF or xTB level (its optimizations "
            "run in the workflow's optimize job)"
        )
    return geometry


def _composite_energy(
    cls: type[LevelOfTheory],
    name: str,
    energy_name: str | None,
    data: dict[str, Any],
    record_form: bool,
    levels: Levels | None,
    depth: int,
) -> LevelOfTheory:
    """Level B of ``B//A``: the config level ``energy_level`` (without its optimization stages), or
    the composite level's remaining keys."""
    where = f"level '{name}'"
    if energy_name is not None and data and not record_form:
        raise InputError(
            f"{where}: with energy_level '{energy_name}' the single-point settings are that level's; "
            f"remove {sorted(data)} or drop energy_level"
        )
    if energy_name is None or record_form:
        return cls.from_dict(name, data, levels, depth + 1)
    if levels is None or energy_name not in levels:
        known = sorted(levels) if levels else []
        raise InputError(f"{where}: energy_level '{energy_name}' is not a defined level; defined: {known}")
    source = dict(levels[energy_name])
    if source.get("geometry_level") is not None:
        raise InputError(f"{where}: energy_level '{energy_name}' is itself a composite level")
    # the single point needs none of the energy level's optimization stages
    source.pop("preopt_level", None)
    if source.get("opt_initial_hessian") == "preopt":
        source.pop("opt_initial_hessian")
    return cls.from_dict(energy_name, source, levels, depth + 1)
