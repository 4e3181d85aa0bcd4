"""The ``Plan``: everything a run computes, validated (ion, ligands, clusters, levels, exchanges,
series, model study), with the queries the workflow rules ask of it: which species to compute, their
definitions for the build step, their atoms, charges and multiplicities, how many poses get DFT, at
which level poses are screened, where the thermochemistry goes, and the typed settings sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compchem.build.ligands import mol_from_smiles, symbols_of
from compchem.chem import POSE_NAME
from compchem.config.definitions import ClusterDef, ExchangeDef, LigandDef
from compchem.config.model_study import ModelStudy
from compchem.config.settings import BuildSettings, GaussianSettings, ThermoSettings
from compchem.config.species import max_kept_poses
from compchem.errors import InputError
from compchem.held import definition_entry
from compchem.io.xyz import parse_xyz
from compchem.models import XTB_METHODS, LevelOfTheory, xtb_level


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
    #: config ``model_study``: its linker x PDOL combinations and their cluster and exchange names
    #: (their species are among ``clusters`` and ``exchanges``); None without it
    model_study: ModelStudy | None = None

    @property
    def ion_name(self) -> str:
        """Species name of the bare ion, e.g. ``Li_ion``."""
        return f"{self.ion_symbol}_ion"

    @property
    def thermo(self) -> ThermoSettings:
        """Config ``thermo``, typed (frequencies, counterpoise, temperatures, solvent ...)."""
        return ThermoSettings.from_config(self.config["thermo"])

    @property
    def counterpoise(self) -> bool:
        """Whether counterpoise and deformation energies of the clusters are computed (``thermo``)."""
        return self.thermo.counterpoise

    @property
    def build_settings(self) -> BuildSettings:
        """Config ``build``, typed (``build`` itself stays the mapping recorded in build definitions)."""
        return BuildSettings.from_config(self.build)

    @property
    def gaussian(self) -> GaussianSettings:
        """Config ``gaussian``, typed."""
        return GaussianSettings.from_config(self.config["gaussian"])

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

    def thermo_species(self) -> list[str]:
        """The species that get harmonic frequencies with ``thermo.frequencies``: all but a ligand that
        holds distances and every cluster with one (constrained minima: compchem.held), whose thermal
        cells then stay empty."""
        held = {n for n in self.used_ligands() if self.ligands[n].held_distances}
        return [
            n
            for n in self.species()
            if n not in held and not (n in self.clusters and held & set(self.clusters[n].ligands))
        ]

    def dft_poses(self, cluster: str) -> int:
        """How many searched poses of ``cluster`` are optimized with DFT (at most; fewer if the
        search finds fewer distinct ones). A cluster with ``motif_poses`` and no ``dft_poses``: every
        pose its search keeps, bounded here by the most it can keep (``max_kept_poses``)."""
        c = self.clusters[cluster]
        return int(max_kept_poses(self.build, c.motif_poses) if c.dft_poses is None else c.dft_poses)

    def screening_level(self, level: str) -> str | None:
        """Name of the level at which the DFT poses of clusters are ranked before only the best is
        optimized at ``level`` (config ``pose_screening``); None: every pose at ``level``.
        A composite level ``B//A`` ranks them at its geometry level A (only the best gets B's single
        point). With a mapping ``{level: screening level}``, the named screening level (or None)."""
        setting = self.config.get("pose_screening", "none")
        if isinstance(setting, dict):
            return setting.get(level)
        lvl = self.levels[level]
        if setting != "preopt_level":
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
                "ligands": [self._ligand_entry(n) for n in c.ligands],
                # a per-cluster build option joins the build settings only when on: the build
                # definitions (and hashes) of the other clusters keep their bytes
                "build": (self.build | {"motif_poses": True}) if c.motif_poses else self.build,
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
            return definition | definition_entry(lig.held_distances)
        raise InputError(f"unknown species '{name}'")

    def _ligand_entry(self, name: str) -> dict[str, Any]:
        """A cluster definition's entry of one ligand; held distances only where the ligand has them,
        so the definitions (and build hashes) of every other cluster keep their bytes."""
        lig = self.ligands[name]
        return {"name": name, "smiles": lig.smiles, "charge": lig.charge} | definition_entry(
            lig.held_distances
        )

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
