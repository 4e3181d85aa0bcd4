"""Frozen data models: what to compute (CalcSpec, LevelOfTheory), how (Resources), what came out
(CalcResult). Science and machine stay apart: a CalcSpec never holds threads or memory.

One module per concept: ``level_keys`` (level keys, defaults, value checks), ``level_parsing`` (config
or record mapping -> level), ``level`` (LevelOfTheory and its hashable science), ``spec`` (CalcSpec,
Resources, content hashes), ``result`` (CalcResult). Every name is re-exported here, so
``from compchem.models import ...`` keeps working.
"""

from __future__ import annotations

from compchem.models.level import LevelOfTheory
from compchem.models.level_keys import (
    LEVEL_DEFAULTS,
    OPT_CONVERGENCE_RULES,
    OPT_INITIAL_HESSIANS,
    PATH_ONLY_KEYS,
    XTB_METHODS,
    cavity_radii,
    merge_level,
    xtb_level,
)
from compchem.models.result import CalcResult
from compchem.models.spec import TASKS, CalcSpec, CoordinateRows, Resources, coordinate_rows, fragment_records

__all__ = [
    "LEVEL_DEFAULTS",
    "OPT_CONVERGENCE_RULES",
    "OPT_INITIAL_HESSIANS",
    "PATH_ONLY_KEYS",
    "TASKS",
    "XTB_METHODS",
    "CalcResult",
    "CalcSpec",
    "CoordinateRows",
    "LevelOfTheory",
    "Resources",
    "cavity_radii",
    "coordinate_rows",
    "fragment_records",
    "merge_level",
    "xtb_level",
]
