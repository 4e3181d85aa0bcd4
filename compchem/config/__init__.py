"""Config and ligand sheet -> a validated plan of species, clusters and levels.

Everything a user can get wrong is checked here, before any calculation starts: schema (unknown keys,
types), safe and unique names, SMILES and their charges, clusters naming unknown ligands,
charge/multiplicity against electron counts, and basis sets covering every element.

One module per concept: ``files`` (config files, paths), ``schema`` (schema validation), ``ligand_sheet``,
``definitions`` (ligand, cluster, exchange), ``species`` and ``levels`` (the checked steps of a plan),
``settings`` (typed config sections), ``model_study`` (the linker x PDOL study expanded into
clusters and exchanges), ``plan`` (the Plan and its queries), ``cost`` (cost warnings),
``assemble`` (``build_plan``, ``load_plan``). Every name is re-exported here, so
``from compchem.config import ...`` keeps working.
"""

from __future__ import annotations

from compchem.config.assemble import build_plan, load_plan, merge_configs
from compchem.config.cost import WARN_HOURS, WARN_MEMORY_MB, cost_warnings
from compchem.config.definitions import ClusterDef, ExchangeDef, LigandDef
from compchem.config.files import load_config_file, resolve_path
from compchem.config.ligand_sheet import (
    SHEET_COLUMNS,
    SHEET_OPTIONAL_COLUMNS,
    check_curated_geometry,
    read_ligand_sheet,
)
from compchem.config.model_study import ModelStudy, StudyCombination
from compchem.config.plan import Plan, thermo_dirname
from compchem.config.schema import load_schema, validate_config
from compchem.config.settings import BuildSettings, GaussianSettings, SolventSettings, ThermoSettings
from compchem.config.species import DEFAULT_MAX_LIGANDS, MAX_LIGANDS

__all__ = [
    "DEFAULT_MAX_LIGANDS",
    "MAX_LIGANDS",
    "SHEET_COLUMNS",
    "SHEET_OPTIONAL_COLUMNS",
    "WARN_HOURS",
    "WARN_MEMORY_MB",
    "BuildSettings",
    "ClusterDef",
    "ExchangeDef",
    "GaussianSettings",
    "LigandDef",
    "ModelStudy",
    "Plan",
    "SolventSettings",
    "StudyCombination",
    "ThermoSettings",
    "build_plan",
    "check_curated_geometry",
    "cost_warnings",
    "load_config_file",
    "load_plan",
    "merge_configs",
    "load_schema",
    "read_ligand_sheet",
    "resolve_path",
    "thermo_dirname",
    "validate_config",
]
