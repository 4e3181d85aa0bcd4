"""The levels of theory of a plan: each config level parsed (``LevelOfTheory.from_dict``), the run
levels defined, and every level the run will compute at (run levels with their preopt and geometry
stages, the frequencies level) checked against the plan's elements for basis coverage and a known
functional (PySCF, imported only when asked); ``thermo`` settings that need a particular kind of level
(frequencies at a PySCF or xTB level, implicit solvent on gas-phase PySCF run levels) are checked
here too."""

from __future__ import annotations

from typing import Any

from compchem.backends import get_backend
from compchem.chem import check_safe_name
from compchem.errors import InputError
from compchem.models import XTB_METHODS, LevelOfTheory, cavity_radii


def build_levels(cfg: dict[str, Any]) -> dict[str, LevelOfTheory]:
    """Every config level by name (safe names; keys checked by ``LevelOfTheory.from_dict``)."""
    levels = {}
    for lname, ldata in cfg["levels"].items():
        check_safe_name(lname, "level name")
        levels[lname] = LevelOfTheory.from_dict(lname, ldata, cfg["levels"])
    return levels


def check_run_levels(
    cfg: dict[str, Any], levels: dict[str, LevelOfTheory], elements: set[str], check_basis: bool
) -> None:
    """Run levels are defined levels; with ``check_basis``, the single-point level and each
    optimization stage of a PySCF run level cover ``elements`` with a known functional."""
    for lname in cfg["run_levels"]:
        if lname not in levels:
            raise InputError(f"run_levels names unknown level '{lname}'; defined: {sorted(levels)}")
        level = levels[lname]
        for stage in (level, level.geometry):
            if stage is not None and stage.backend == "xtb":
                _check_xtb_stage(cfg, lname, stage, elements)
        if check_basis:
            _check_basis(level, elements, f"run level '{lname}'")


def _check_basis(level: LevelOfTheory, elements: set[str], what: str) -> None:
    """A PySCF level's single-point level and each of its PySCF optimization stages cover
    ``elements`` with a known functional (PySCF imported here)."""
    if level.backend != "pyscf":
        return
    check_level = get_backend("pyscf").check_level
    check_level(level.single_point_level(), elements, what)
    for stage, kind in ((level.preopt, "preopt"), (level.geometry, "geometry")):
        if stage is not None and stage.backend == "pyscf":
            check_level(stage, elements, f"{kind} level of '{level.name}'")
            if stage.preopt is not None:
                check_level(stage.preopt, elements, f"preopt level of '{stage.name}'")


def check_pose_screening(
    cfg: dict[str, Any], levels: dict[str, LevelOfTheory], elements: set[str], check_basis: bool
) -> None:
    """``pose_screening`` as a mapping ``{level: screening level}``: both defined, different, the
    screening level not screened itself (its poses are ranked by computing every one of them), and
    with ``check_basis`` the screening level covers the elements too (it computes every pose)."""
    setting = cfg.get("pose_screening", "none")
    if not isinstance(setting, dict):
        return
    for lname, screening in setting.items():
        for name in (lname, screening):
            if name not in levels:
                raise InputError(f"pose_screening names unknown level '{name}'; defined: {sorted(levels)}")
        if screening == lname:
            raise InputError(f"pose_screening: level '{lname}' cannot rank its poses at itself")
        if screening in setting:
            raise InputError(
                f"pose_screening: the screening level '{screening}' of '{lname}' is screened itself; "
                "name a level that computes every pose"
            )
        if check_basis:
            _check_basis(levels[screening], elements, f"pose screening level '{screening}' of '{lname}'")


#: The heaviest element GFN1-xTB and GFN2-xTB are parametrized for (radon, Z = 86)
XTB_MAX_ATOMIC_NUMBER = 86


def _check_xtb_stage(cfg: dict[str, Any], lname: str, stage: LevelOfTheory, elements: set[str]) -> None:
    """An xTB level that a run level computes with (the run level itself, or the geometry level of a
    composite): parametrized for every element; as the run level itself, no counterpoise (ghost
    atoms need a basis) and no thermal corrections (the thermo jobs run PySCF levels)."""
    from ase.data import atomic_numbers

    beyond = sorted(e for e in elements if atomic_numbers.get(e, 0) > XTB_MAX_ATOMIC_NUMBER)
    if beyond:
        raise InputError(
            f"level '{stage.name}' of run level '{lname}': {stage.functional} has no parameters for {beyond}"
        )
    if stage.name != lname:
        return
    thermo = cfg["thermo"]
    if thermo.get("counterpoise"):
        raise InputError(
            f"run level '{lname}' is an xTB level: thermo.counterpoise needs ghost-atom basis functions "
            "(a PySCF or Gaussian run level)"
        )
    if thermo.get("frequencies"):
        raise InputError(
            f"run level '{lname}' is an xTB level: thermo.frequencies (thermal corrections) are computed "
            "for PySCF run levels only; use a composite level B//xTB or switch them off"
        )


def check_frequencies_level(
    cfg: dict[str, Any], levels: dict[str, LevelOfTheory], elements: set[str], check_basis: bool
) -> None:
    """``thermo.frequencies_level``: an xTB method or a defined PySCF level (with ``check_basis``,
    covering ``elements``); ``frequencies_geometry: run_level`` needs one."""
    freq_level = cfg["thermo"].get("frequencies_level")
    if freq_level is None and cfg["thermo"].get("frequencies_geometry") == "run_level":
        raise InputError(
            "thermo.frequencies_geometry 'run_level' needs a thermo.frequencies_level: without one the "
            "frequencies are at the run level, at its own minimum"
        )
    if freq_level is not None and freq_level not in XTB_METHODS:
        if freq_level not in levels:
            raise InputError(
                f"thermo.frequencies_level names unknown level '{freq_level}'; defined: {sorted(levels)}, "
                f"or one of {list(XTB_METHODS)}"
            )
        if levels[freq_level].backend != "pyscf":
            raise InputError(
                f"thermo.frequencies_level '{freq_level}': frequencies need a PySCF level "
                f"(backend is {levels[freq_level].backend})"
            )
        if check_basis:
            check_level = get_backend("pyscf").check_level

            check_level(levels[freq_level], elements, f"thermo.frequencies_level '{freq_level}'")


def check_solvent(cfg: dict[str, Any], levels: dict[str, LevelOfTheory]) -> None:
    """``thermo.solvent``: valid cavity radii, and gas-phase PySCF run levels for its single points."""
    if cfg["thermo"].get("solvent"):
        cavity_radii("thermo.solvent.radii_angstrom", cfg["thermo"]["solvent"].get("radii_angstrom"))
        for lname in cfg["run_levels"]:
            if levels[lname].backend != "pyscf" or levels[lname].solvent_model:
                raise InputError(
                    f"thermo.solvent: run level '{lname}' must be a gas-phase PySCF level for implicit-"
                    f"solvent single points (backend {levels[lname].backend}, solvent "
                    f"{levels[lname].solvent_model})"
                )
