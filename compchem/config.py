"""Config and ligand sheet -> a validated plan of species, clusters and levels.

Everything a user can get wrong is checked here, before any calculation starts: schema (unknown keys,
types), safe and unique names, SMILES and their charges, clusters naming unknown ligands,
charge/multiplicity against electron counts, and basis sets covering every element.
"""

from __future__ import annotations

import copy
import csv
import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from compchem.build.ligands import mol_from_smiles, symbols_of
from compchem.build.oligomers import oligomer_smiles
from compchem.chem import POSE_NAME, check_charge_multiplicity, check_safe_name
from compchem.errors import InputError, ParseError
from compchem.io.xyz import parse_xyz
from compchem.models import XTB_METHODS, LevelOfTheory, cavity_radii, xtb_level

SHEET_COLUMNS = ("name", "smiles", "charge", "description")
#: Optional columns: multiplicity (default 1) and geometry, a curated starting structure (.xyz, path
#: relative to the sheet) that replaces the RDKit/xTB build of a free ligand.
SHEET_OPTIONAL_COLUMNS = ("multiplicity", "geometry")


def load_schema() -> dict[str, Any]:
    """The JSON schema of the workflow config (shipped with the package)."""
    text = resources.files("compchem").joinpath("schemas/config.schema.yaml").read_text()
    return yaml.safe_load(text)


def _with_defaults(validator_class: Any) -> Any:
    """A validator that also fills in each property's ``default`` (jsonschema FAQ recipe)."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator: Any, properties: Any, instance: Any, schema: Any) -> Any:
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if "default" in sub and prop not in instance:
                    instance[prop] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def validate_config(config: dict[str, Any]) -> dict[str, Any]:
    """Schema-check ``config`` and return a copy with defaults filled in."""
    data = copy.deepcopy(config or {})
    validator = _with_defaults(jsonschema.Draft7Validator)(load_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for err in errors:
            where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
            lines.append(f"config: {where}: {_schema_message(err)}")
        raise InputError("invalid config:\n  " + "\n  ".join(lines))
    return data


def _schema_message(err: Any) -> str:
    """What is wrong, in words: for a value matching none of several forms (``oneOf``), the failure of
    the form it comes closest to (e.g. ``0 is less than the minimum of 1`` for ``n: [0]``) rather than
    jsonschema's "is not valid under any of the given schemas"."""
    if err.validator in ("oneOf", "anyOf") and err.context:
        branches: dict[Any, list[Any]] = {}
        for sub in err.context:
            branches.setdefault(sub.schema_path[0], []).append(sub)
        # the form whose type the value has (a list for `n: [0]`), else jsonschema's best guess
        typed = [
            subs
            for subs in branches.values()
            if not any(e.validator == "type" and not e.relative_path for e in subs)
        ]
        best = typed[0][0] if typed else jsonschema.exceptions.best_match(err.context)
        where = "/".join(str(p) for p in best.relative_path)
        return f"{best.message}" + (f" (at item {where})" if where else "")
    return err.message


def load_config_file(path: str | Path) -> dict[str, Any]:
    """One YAML config file as a mapping; an InputError naming the file when it is missing, empty, not
    YAML (with the line), or not a mapping of keys (e.g. a YAML list)."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InputError(f"config file {path} does not exist") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"config file {path} is not valid YAML{where}: {problem}") from None
    if data is None:
        raise InputError(f"config file {path} is empty (Snakemake refuses an empty config file too)")
    if not isinstance(data, dict):
        raise InputError(
            f"config file {path} must hold a mapping of config keys (e.g. `clusters:`), found a "
            f"{type(data).__name__}"
        )
    return data


@dataclass(frozen=True)
class LigandDef:
    """A ligand: name, SMILES, total charge, multiplicity and where it was defined."""

    name: str
    smiles: str
    charge: int = 0
    multiplicity: int = 1
    description: str = ""
    source: str = ""
    geometry: str = ""


@dataclass(frozen=True)
class ClusterDef:
    """The ion with ligands; ``charge`` = ion charge + sum of ligand charges."""

    name: str
    ligands: tuple[str, ...]
    charge: int
    multiplicity: int = 1
    paper_value_ev: float | None = None
    paper_label: str = ""
    description: str = ""
    #: searched poses optimized with DFT (None: ``build.n_poses``)
    dft_poses: int | None = None


@dataclass(frozen=True)
class ExchangeDef:
    """A reaction between computed species; each list repeats a species as often as it appears."""

    name: str
    reactants: tuple[str, ...]
    products: tuple[str, ...]
    description: str = ""


def thermo_dirname(frequencies_level: str | None, frequencies_geometry: str = "reoptimized") -> str:
    """``thermo``, ``thermo_<frequencies_level>`` or, for Hessians at the run-level geometry,
    ``thermo_<frequencies_level>_at_run_geometry`` (see ``Plan.thermo_dirname``)."""
    if frequencies_level is None:
        return "thermo"
    suffix = "_at_run_geometry" if frequencies_geometry == "run_level" else ""
    return f"thermo_{frequencies_level}{suffix}"


@dataclass
class Plan:
    """Everything the workflow computes, validated."""

    ion_symbol: str
    ion_charge: int
    ion_multiplicity: int
    ligands: dict[str, LigandDef]
    clusters: dict[str, ClusterDef]
    levels: dict[str, LevelOfTheory]
    run_levels: list[str]
    build: dict[str, Any]
    results_dir: str
    config: dict[str, Any] = field(repr=False, default_factory=dict)
    exchanges: dict[str, ExchangeDef] = field(default_factory=dict)
    #: chain-length series: name -> [(n, cluster name)]
    series: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    #: what the config asks for that will likely not finish (printed by ``compchem validate`` and
    #: before a workflow run; not errors)
    warnings: list[str] = field(default_factory=list)

    @property
    def ion_name(self) -> str:
        """Species name of the bare ion, e.g. ``Li_ion``."""
        return f"{self.ion_symbol}_ion"

    def used_ligands(self) -> list[str]:
        """Ligands that appear in at least one cluster or exchange reaction, in first-use order."""
        seen: dict[str, None] = {}
        for cluster in self.clusters.values():
            for name in cluster.ligands:
                seen.setdefault(name, None)
        for ex in self.exchanges.values():
            for name in (*ex.reactants, *ex.products):
                if name in self.ligands:
                    seen.setdefault(name, None)
        return list(seen)

    def species(self) -> list[str]:
        """Every species to compute: the ion, the used ligands, the clusters."""
        return [self.ion_name, *self.used_ligands(), *self.clusters]

    def dft_poses(self, cluster: str) -> int:
        """How many searched poses of ``cluster`` are optimized with DFT (at most; fewer if the
        search finds fewer distinct ones)."""
        requested = self.clusters[cluster].dft_poses
        return int(self.build["n_poses"] if requested is None else requested)

    def screening_level(self, level: str) -> str | None:
        """Name of the level at which the DFT poses of clusters are ranked before only the best is
        optimized at ``level`` (config ``pose_screening: preopt_level``); None: every pose at ``level``.
        A composite level ``B//A`` ranks them at its geometry level A (only the best gets B's single
        point)."""
        lvl = self.levels[level]
        if self.config.get("pose_screening") != "preopt_level":
            return None
        stage = lvl.geometry if lvl.geometry is not None else lvl.preopt
        return stage.name if stage is not None else None

    @property
    def frequencies_level(self) -> str | None:
        """Name of the level the thermal corrections come from (config ``thermo.frequencies_level``);
        None: each run level's own."""
        return self.config.get("thermo", {}).get("frequencies_level")

    def frequencies_level_settings(self) -> dict[str, Any] | None:
        """The level dict of ``thermo.frequencies_level`` for the thermo jobs (None: the run level)."""
        name = self.frequencies_level
        if name is None:
            return None
        if name in XTB_METHODS:
            return xtb_level(name)
        return self.levels[name].to_dict()

    @property
    def thermo_dirname(self) -> str:
        """Folder of the thermochemistry results under ``results/<level>/``: ``thermo`` for frequencies
        at the run level, ``thermo_<name>`` for corrections from another level, with
        ``_at_run_geometry`` when its Hessians are taken at the run-level geometry (all can coexist)."""
        return thermo_dirname(
            self.frequencies_level, self.config.get("thermo", {}).get("frequencies_geometry", "reoptimized")
        )

    def base_species(self, name: str) -> str:
        """The cluster of a pose species (``Li_PDOL.pose1`` -> ``Li_PDOL``); other names unchanged."""
        m = POSE_NAME.match(name)
        return m.group(1) if m and m.group(1) in self.clusters else name

    def species_definition(self, name: str) -> dict[str, Any]:
        """JSON-ready definition of one species for the build step (also its rerun trigger)."""
        if name == self.ion_name:
            return {
                "kind": "ion",
                "name": name,
                "symbol": self.ion_symbol,
                "charge": self.ion_charge,
                "multiplicity": self.ion_multiplicity,
            }
        if name in self.clusters:
            c = self.clusters[name]
            return {
                "kind": "cluster",
                "name": name,
                "ion_symbol": self.ion_symbol,
                "ion_charge": self.ion_charge,
                "multiplicity": c.multiplicity,
                "charge": c.charge,
                "ligands": [
                    {"name": n, "smiles": self.ligands[n].smiles, "charge": self.ligands[n].charge}
                    for n in c.ligands
                ],
                "build": self.build,
            }
        if name in self.ligands:
            lig = self.ligands[name]
            definition = {
                "kind": "ligand",
                "name": name,
                "smiles": lig.smiles,
                "charge": lig.charge,
                "multiplicity": lig.multiplicity,
                "build": self.build,
            }
            if lig.geometry:  # its coordinates, not its path: editing the file triggers a rebuild
                symbols, coords, _ = parse_xyz(Path(lig.geometry).read_text())
                definition["geometry"] = {"symbols": symbols, "coordinates_angstrom": coords}
            return definition
        raise InputError(f"unknown species '{name}'")

    def symbols(self, name: str) -> list[str]:
        """Element symbols of a species (ion first for clusters), from the SMILES."""
        name = self.base_species(name)
        if name == self.ion_name:
            return [self.ion_symbol]
        if name in self.clusters:
            return [self.ion_symbol] + [s for n in self.clusters[name].ligands for s in self.symbols(n)]
        lig = self.ligands[name]
        return symbols_of(mol_from_smiles(lig.smiles, lig.charge, name))

    def charge_multiplicity(self, name: str) -> tuple[int, int]:
        """Total charge and multiplicity of a species."""
        d = self.species_definition(self.base_species(name))
        return int(d["charge"]), int(d["multiplicity"])


def _resolve(path: str, base_dirs: list[Path]) -> Path:
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate
    for base in base_dirs:
        if (base / candidate).exists():
            return base / candidate
    return base_dirs[0] / candidate


def read_ligand_sheet(path: str | Path) -> list[LigandDef]:
    """Read the tab-separated ligand sheet (``#`` lines are comments).

    Required columns: name, smiles, charge, description; optional: multiplicity.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"ligand sheet {path} does not exist")
    lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t")
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in SHEET_COLUMNS if c not in header]
    unknown = [c for c in header if c not in (*SHEET_COLUMNS, *SHEET_OPTIONAL_COLUMNS)]
    if missing or unknown:
        raise InputError(
            f"ligand sheet {path}: missing column(s) {missing}, unknown column(s) "
            f"{unknown}; expected tab-separated {list(SHEET_COLUMNS)} "
            f"(+ optional {list(SHEET_OPTIONAL_COLUMNS)})"
        )
    out = []
    for lineno, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        where = f"ligand sheet {path.name} row {lineno} ('{row.get('name', '')}')"
        try:
            charge = int(row["charge"] or 0)
            mult = int(row.get("multiplicity") or 1)
        except ValueError:
            raise InputError(f"{where}: charge and multiplicity must be integers") from None
        geometry = str(path.parent / row["geometry"]) if row.get("geometry") else ""
        out.append(LigandDef(row["name"], row["smiles"], charge, mult, row["description"], where, geometry))
    return out


def _check_balanced(
    name: str, entry: dict[str, Any], ion: str, ligands: dict[str, LigandDef], clusters: dict[str, ClusterDef]
) -> None:
    """Both sides of an exchange must hold the same ions and ligands (counted by name)."""

    def content(side: list[str]) -> list[str]:
        out: list[str] = []
        for n in side:
            if n in clusters:
                out += [ion, *clusters[n].ligands]
            elif n in ligands:
                out.append(n)
            else:
                out.append(ion)
        return sorted(out)

    if content(entry["reactants"]) != content(entry["products"]):
        raise InputError(
            f"exchange '{name}' is not balanced: reactants hold {content(entry['reactants'])}, "
            f"products {content(entry['products'])}"
        )


def _check_curated_geometry(lig: LigandDef, smiles_symbols: list[str]) -> None:
    """A curated .xyz must exist, parse, and hold the same atoms as the SMILES (any order)."""
    path = Path(lig.geometry)
    if not path.exists():
        raise InputError(f"ligand '{lig.name}' ({lig.source}): geometry file {path} does not exist")
    try:
        symbols, _, _ = parse_xyz(path.read_text())
    except ParseError as exc:
        raise InputError(f"ligand '{lig.name}' ({lig.source}): {path}: {exc}") from None
    if sorted(symbols) != sorted(smiles_symbols):
        raise InputError(
            f"ligand '{lig.name}' ({lig.source}): geometry {path.name} has atoms {''.join(sorted(symbols))}, "
            f"the SMILES {lig.smiles!r} has {''.join(sorted(smiles_symbols))}"
        )


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
    sheet_path = _resolve(cfg["ligand_sheet"], bases)
    defs = read_ligand_sheet(sheet_path)
    for i, entry in enumerate(cfg["ligands"]):
        defs.append(
            LigandDef(
                entry["name"],
                entry["smiles"],
                entry["charge"],
                entry["multiplicity"],
                entry["description"],
                f"config ligands[{i}]",
                str(_resolve(entry["geometry"], bases)) if entry.get("geometry") else "",
            )
        )
    series_ns: dict[str, set[int]] = {}
    for entry in cfg["series"]:
        if entry["oligomer"] not in cfg["oligomers"]:
            raise InputError(
                f"series '{entry['name']}' names unknown oligomer '{entry['oligomer']}'; "
                f"defined: {sorted(cfg['oligomers'])}"
            )
        series_ns.setdefault(entry["oligomer"], set()).update(entry["n"])
    for key, olig in cfg["oligomers"].items():
        check_safe_name(key, "oligomer name")
        ns = olig["n"] if isinstance(olig["n"], list) else [olig["n"]]
        ns = sorted(set(ns) | series_ns.get(key, set()))
        for n in ns:
            smiles = oligomer_smiles(olig["repeat_unit"], n, olig["head_cap"], olig["tail_cap"], key)
            desc = (olig["description"] + f" (n = {n})").strip()
            defs.append(LigandDef(f"{key}{n}", smiles, 0, 1, desc, f"config oligomers.{key}"))

    ion = cfg["ion"]
    ion_name = f"{ion['symbol']}_ion"
    check_charge_multiplicity([ion["symbol"]], ion["charge"], ion["multiplicity"], "ion")
    ligands: dict[str, LigandDef] = {}
    elements: set[str] = {ion["symbol"]}
    for lig in defs:
        check_safe_name(lig.name, f"ligand name ({lig.source})")
        if lig.name in ligands:
            raise InputError(
                f"ligand '{lig.name}' is defined twice: {ligands[lig.name].source} and {lig.source}"
            )
        ligands[lig.name] = lig

    clusters: dict[str, ClusterDef] = {}
    for i, entry in enumerate(cfg["clusters"]):
        name = check_safe_name(entry["name"], f"cluster name (clusters[{i}])")
        if name in clusters or name in ligands or name == ion_name:
            raise InputError(
                f"cluster name '{name}' is used twice (clusters, ligands and the ion share one namespace)"
            )
        unknown = [n for n in entry["ligands"] if n not in ligands]
        if unknown:
            raise InputError(f"cluster '{name}' names unknown ligand(s) {unknown}; known: {sorted(ligands)}")
        charge = ion["charge"] + sum(ligands[n].charge for n in entry["ligands"])
        dft_poses = entry.get("dft_poses")
        if dft_poses is not None and dft_poses > cfg["build"]["n_poses"]:
            raise InputError(
                f"cluster '{name}': dft_poses = {dft_poses} but the pose search keeps only "
                f"build.n_poses = {cfg['build']['n_poses']}; raise build.n_poses or lower dft_poses"
            )
        clusters[name] = ClusterDef(
            name,
            tuple(entry["ligands"]),
            charge,
            entry["multiplicity"],
            entry["paper_value_ev"],
            entry["paper_label"],
            entry["description"],
            dft_poses,
        )

    capacity = MAX_LIGANDS.get(ion["symbol"], DEFAULT_MAX_LIGANDS)
    for c in clusters.values():
        if len(c.ligands) > capacity:
            raise InputError(
                f"cluster '{c.name}' puts {len(c.ligands)} ligands on one {ion['symbol']} ion, whose first "
                f"shell holds at most {capacity} donors; the others could not bind to it (model outer "
                "shells with fewer ligands, or a larger cluster of your own)"
            )
    for reserved in (n for n in (*ligands, *clusters) if POSE_NAME.match(n)):
        raise InputError(
            f"species name '{reserved}' ends in '.pose<number>', which names the searched poses of a "
            "cluster; rename it"
        )

    # Parse every used ligand's SMILES now (invalid SMILES, charge mismatch -> InputError).
    series: dict[str, list[tuple[int, str]]] = {}
    for entry in cfg["series"]:
        name = check_safe_name(entry["name"], "series name")
        series[name] = []
        for n in entry["n"]:
            cname = f"{name}_n{n}"
            if cname in clusters or cname in ligands:
                raise InputError(f"series '{name}': cluster name '{cname}' is already used")
            lig = f"{entry['oligomer']}{n}"
            copies = (lig,) * entry["copies"]
            charge = ion["charge"] + sum(ligands[x].charge for x in copies)
            clusters[cname] = ClusterDef(
                cname, copies, charge, 1, None, "", f"{entry['oligomer']} chain-length series, n = {n}"
            )
            series[name].append((n, cname))

    exchanges: dict[str, ExchangeDef] = {}
    known_species = {ion_name, *ligands, *clusters}
    for i, entry in enumerate(cfg["exchanges"]):
        name = check_safe_name(entry["name"], f"exchange name (exchanges[{i}])")
        if name in exchanges:
            raise InputError(f"exchange '{name}' is defined twice")
        unknown = [n for n in (*entry["reactants"], *entry["products"]) if n not in known_species]
        if unknown:
            raise InputError(
                f"exchange '{name}' names unknown species {unknown} (a config that replaces the "
                "default clusters also replaces or empties `exchanges`, e.g. `exchanges: []`)"
            )
        _check_balanced(name, entry, ion["symbol"], ligands, clusters)
        exchanges[name] = ExchangeDef(
            name, tuple(entry["reactants"]), tuple(entry["products"]), entry["description"]
        )

    used = {n for c in clusters.values() for n in c.ligands}
    used |= {n for x in exchanges.values() for n in (*x.reactants, *x.products) if n in ligands}
    symbols_by_ligand = {}
    for name in sorted(used):
        lig = ligands[name]
        try:
            mol = mol_from_smiles(lig.smiles, lig.charge, name)
        except InputError as exc:
            raise InputError(f"{exc} ({lig.source})") from None
        symbols_by_ligand[name] = symbols_of(mol)
        if lig.geometry:
            _check_curated_geometry(lig, symbols_by_ligand[name])
        check_charge_multiplicity(
            symbols_by_ligand[name], lig.charge, lig.multiplicity, f"ligand '{name}' ({lig.source})"
        )
        elements.update(symbols_by_ligand[name])
    for c in clusters.values():
        symbols = [ion["symbol"]] + [s for n in c.ligands for s in symbols_by_ligand[n]]
        check_charge_multiplicity(symbols, c.charge, c.multiplicity, f"cluster '{c.name}'")

    levels = {}
    for lname, ldata in cfg["levels"].items():
        check_safe_name(lname, "level name")
        levels[lname] = LevelOfTheory.from_dict(lname, ldata, cfg["levels"])
    for lname in cfg["run_levels"]:
        if lname not in levels:
            raise InputError(f"run_levels names unknown level '{lname}'; defined: {sorted(levels)}")
        if check_basis and levels[lname].backend == "pyscf":
            from compchem.backends.pyscf_backend import check_level

            check_level(levels[lname].single_point_level(), elements, f"run level '{lname}'")
            for stage, what in ((levels[lname].preopt, "preopt"), (levels[lname].geometry, "geometry")):
                if stage is not None:
                    check_level(stage, elements, f"{what} level of '{lname}'")
                    if stage.preopt is not None:
                        check_level(stage.preopt, elements, f"preopt level of '{stage.name}'")
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
            from compchem.backends.pyscf_backend import check_level

            check_level(levels[freq_level], elements, f"thermo.frequencies_level '{freq_level}'")
    if cfg["thermo"].get("solvent"):
        cavity_radii("thermo.solvent.radii_angstrom", cfg["thermo"]["solvent"].get("radii_angstrom"))
        for lname in cfg["run_levels"]:
            if levels[lname].backend != "pyscf" or levels[lname].solvent_model:
                raise InputError(
                    f"thermo.solvent: run level '{lname}' must be a gas-phase PySCF level for implicit-"
                    f"solvent single points (backend {levels[lname].backend}, solvent "
                    f"{levels[lname].solvent_model})"
                )
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
    )
    if check_basis:
        plan.warnings.extend(cost_warnings(plan))
    return plan


#: How many ligands one ion's first shell can hold (coordination numbers seen in crystal structures and
#: solution: Li+ 4-6, Na+ up to 8); a cluster with more is refused before anything is built.
MAX_LIGANDS: dict[str, int] = {"Li": 6, "Na": 8, "K": 8, "Mg": 6, "Zn": 6, "Ca": 8}
DEFAULT_MAX_LIGANDS = 8
#: A species whose optimization is estimated above this many hours (8 threads, 40 gradients per
#: stage, ``compchem.estimate``) or memory is reported by ``Plan.warnings``.
WARN_HOURS = 48.0
WARN_MEMORY_MB = 128_000


def cost_warnings(plan: Plan, threads: int = 8) -> list[str]:
    """One line per species and run level whose optimization the estimate puts far beyond a
    workstation or a typical cluster node (``WARN_HOURS``, ``WARN_MEMORY_MB``), with the estimate."""
    from compchem import estimate

    out = []
    for lname in plan.run_levels:
        level = plan.levels[lname]
        if level.backend != "pyscf":
            continue
        for name in plan.species():
            symbols = plan.symbols(name)
            nbas = estimate.n_basis_functions(symbols, level)
            hours = estimate.optimization_seconds(symbols, level, threads, 40, 40) / 3600
            memory = estimate.memory_mb(nbas, level)
            if hours > WARN_HOURS or memory > WARN_MEMORY_MB:
                out.append(
                    f"{name} at level '{lname}': {len(symbols)} atoms, {nbas} basis functions, estimated "
                    f"{hours:.0f} h on {threads} cores and {memory / 1000:.0f} GB for one optimization "
                    "(`compchem estimate`); far beyond one machine: use a smaller model or a cheaper level"
                )
    return out


def load_plan(config_path: str | Path, base_dirs: list[str | Path] | None = None) -> Plan:
    """Read a YAML config file and validate it into a Plan."""
    config_path = Path(config_path)
    config = load_config_file(config_path)
    return build_plan(config, base_dirs or [config_path.parent, Path.cwd()])
