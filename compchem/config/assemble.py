"""``build_plan``: a config mapping (and the ligand sheet it names) validated into a ``Plan``, as a
sequence of named steps in a fixed order (schema, ligands, ion, clusters, model-study clusters,
names, series, exchanges, model-study exchanges, chemistry, levels, thermo settings, cost), so that
a config with several mistakes always reports the same first one; ``load_plan`` for a config
file and its overlays (merged by ``merge_configs``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compchem.chem import check_charge_multiplicity
from compchem.config.cost import cost_warnings
from compchem.config.definitions import ClusterDef, ExchangeDef, LigandDef
from compchem.config.files import load_config_file
from compchem.config.levels import (
    build_levels,
    check_frequencies_level,
    check_pose_screening,
    check_run_levels,
    check_solvent,
)
from compchem.config.model_study import ModelStudy, add_model_study_clusters, add_model_study_exchanges
from compchem.config.plan import Plan
from compchem.config.schema import validate_config
from compchem.config.species import (
    add_series,
    build_clusters,
    build_exchanges,
    check_chemistry,
    check_shells_and_names,
    collect_ligand_defs,
    index_ligands,
)
from compchem.errors import InputError


def build_plan(
    config: dict[str, Any], base_dirs: list[str | Path] | None = None, check_basis: bool = True
) -> Plan:
    """Validate ``config`` (and the ligand sheet it names) into a Plan.

    Parameters
    ----------
    config
        The raw config mapping (from YAML / Snakemake).
    base_dirs
        Directories to resolve a relative ligand-sheet path against, in order.
    check_basis
        Also check that each run level's basis covers every element (imports PySCF).
    """
    cfg = validate_config(config)
    bases = [Path(b) for b in (base_dirs or [Path.cwd()])]
    ligands, clusters, exchanges, series, elements, study = _species(cfg, bases)
    levels = build_levels(cfg)
    check_run_levels(cfg, levels, elements, check_basis)
    check_pose_screening(cfg, levels, elements, check_basis)
    check_frequencies_level(cfg, levels, elements, check_basis)
    check_solvent(cfg, levels)
    ion = cfg["ion"]
    plan = Plan(
        ion["symbol"],
        ion["charge"],
        ion["multiplicity"],
        ligands,
        clusters,
        levels,
        list(cfg["run_levels"]),
        cfg["build"],
        cfg["results_dir"],
        cfg,
        exchanges,
        series,
        model_study=study,
    )
    check_built_clusters(clusters, Path(cfg["results_dir"]))
    held_warning = held_thermo_warning(plan)
    if held_warning:
        plan.warnings.append(held_warning)
    if check_basis:
        plan.warnings.extend(cost_warnings(plan))
    return plan


def held_thermo_warning(plan: Any) -> str | None:
    """With ``thermo.frequencies``: the species left without harmonic frequencies because they hold
    distances (``Plan.thermo_species``), as one warning line; None when there are none."""
    if not plan.config["thermo"].get("frequencies"):
        return None
    skipped = sorted(set(plan.species()) - set(plan.thermo_species()))
    if not skipped:
        return None
    return (
        f"thermo.frequencies: {skipped} hold distances (a constrained minimum: no harmonic frequencies); "
        "their ZPE, dH and dG cells, and those of every binding or exchange energy they enter, stay empty"
    )


def check_built_clusters(clusters: dict[str, ClusterDef], results_dir: Path) -> None:
    """Refuse a cluster whose name already holds another cluster's build in ``results_dir``.

    ``results/structures/`` is shared by every config and level, keyed by species name only, so two
    configs that give one name to different ligand sets (the default's ``Li_PDOL2`` is Li+ with two
    PDOL1) would rebuild over each other's structures and rerun each other's records. A build made
    of other ligands (by name) or for another ion or charge is an InputError before any job; a
    changed SMILES or build setting of the same ligands is an ordinary edit and rebuilds."""
    from compchem.layout import Layout

    layout = Layout(results_dir)
    for c in clusters.values():
        path = Path(layout.build(c.name))
        if not path.is_file():
            continue
        try:
            built = json.loads(path.read_text()).get("definition") or {}
        except (OSError, ValueError):
            continue  # a damaged build file is the build job's (and `compchem check`'s) to report
        if built.get("kind") != "cluster":
            continue
        before = (sorted(lig["name"] for lig in built.get("ligands", [])), built.get("charge"))
        if before != (sorted(c.ligands), c.charge):
            raise InputError(
                f"cluster '{c.name}' ({' + '.join(c.ligands)}, charge {c.charge:+d}) would overwrite "
                f"{path}, built for {' + '.join(before[0])} (charge {before[1]}) by another config: "
                "rename one of them (nothing was changed)"
            )


def _species(
    cfg: dict[str, Any], bases: list[Path]
) -> tuple[
    dict[str, LigandDef],
    dict[str, ClusterDef],
    dict[str, ExchangeDef],
    dict[str, list[tuple[int, str]]],
    set[str],
    ModelStudy | None,
]:
    """Ligands, clusters (series and model study included), exchanges, series, the elements of the plan
    and the model study (None without config ``model_study``)."""
    defs = collect_ligand_defs(cfg, bases)
    ion = cfg["ion"]
    ion_name = f"{ion['symbol']}_ion"
    check_charge_multiplicity([ion["symbol"]], ion["charge"], ion["multiplicity"], "ion")
    ligands = index_ligands(defs)
    clusters = build_clusters(cfg, ligands, ion_name)
    study = add_model_study_clusters(cfg, ligands, clusters, ion_name)
    check_shells_and_names(ion["symbol"], ligands, clusters)
    series = add_series(cfg, ligands, clusters)
    exchanges = build_exchanges(cfg, ion_name, ligands, clusters)
    study = add_model_study_exchanges(study, exchanges)
    elements = check_chemistry(ion["symbol"], ligands, clusters, exchanges)
    return ligands, clusters, exchanges, series, elements, study


def merge_configs(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged into ``base`` recursively (mappings merge, other values replace), as Snakemake
    merges several ``--configfile``s."""
    out = dict(base)
    for key, value in over.items():
        out[key] = (
            merge_configs(out[key], value)
            if isinstance(value, dict) and isinstance(out.get(key), dict)
            else value
        )
    return out


def load_plan(
    config_path: str | Path,
    base_dirs: list[str | Path] | None = None,
    overlays: list[str | Path] | tuple[str | Path, ...] = (),
) -> Plan:
    """Read a YAML config file, merge each overlay file into it in order (as Snakemake's
    ``--configfile base overlay ...``) and validate the result into a Plan."""
    config_path = Path(config_path)
    config = load_config_file(config_path)
    for overlay in overlays:
        config = merge_configs(config, load_config_file(overlay))
    return build_plan(config, base_dirs or [config_path.parent, Path.cwd()])
