"""Where a run's files live: one ``Layout`` knows every path under the results folder that the workflow
writes or reads (built structures, per-level records, geometries, logs, benchmarks, thermochemistry,
implicit-solvent, counterpoise and pose files, tables, plots, the summary page) and the content cache
beside them. The Snakemake rules, ``compchem.progress`` and the benchmark scripts take their paths
from here, so a folder is renamed in one place and a reader never guesses a writer's spelling.

Every method returns a plain string and formats its arguments into it as they are, so a name and a
Snakemake wildcard placeholder work alike: ``Layout("results").record("{level}", "{species}")`` is the
rule pattern ``results/{level}/records/{species}.json``, ``record("paper", "Li_Im")`` one file. Paths
are joined with ``/`` after the results folder exactly as the rules always spelled them (the cache
folder with ``os.path.join``), so the jobs Snakemake plans do not change."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

#: Folder of the thermochemistry files at the run level's own frequencies (``thermo.frequencies``);
#: ``thermo_<name>`` with a separate ``thermo.frequencies_level`` (``Plan.thermo_dirname``).
THERMO_DIRNAME = "thermo"
#: Folder of the counterpoise analyses (``thermo.counterpoise``) under a level.
COUNTERPOISE_DIRNAME = "counterpoise"


def solvent_dirname(solvent_name: str | None) -> str:
    """Folder of the implicit-solvent single points of ``thermo.solvent`` (``solvent_<name>``); the
    bare ``solvent`` without one (no rule writes there then, but the pattern must still exist)."""
    return f"solvent_{solvent_name}" if solvent_name else "solvent"


@dataclasses.dataclass(frozen=True, init=False)
class Layout:
    """The paths of one results folder (``results_dir`` of the config) and its content cache
    (``<results>/cache`` unless given: ``compchem progress --cache`` and ``check --cache`` point
    elsewhere)."""

    results: str
    cache: str

    def __init__(self, results: str | os.PathLike[str], cache: str | os.PathLike[str] | None = None) -> None:
        # written by hand so that a path or None may be given while both fields are always strings
        object.__setattr__(self, "results", os.fspath(results))
        cache = os.fspath(cache) if cache is not None else os.path.join(self.results, "cache")
        object.__setattr__(self, "cache", cache)

    @classmethod
    def of_level_dir(cls, level_dir: str | os.PathLike[str]) -> tuple[Layout, str]:
        """The layout and level name of a ``results/<level>`` folder (what the benchmark scripts
        take as their ``run`` argument)."""
        path = Path(level_dir)
        return cls(str(path.parent)), path.name

    # --- built structures (shared by every level) ---

    @property
    def structures_dir(self) -> str:
        return f"{self.results}/structures"

    def structure_xyz(self, species: str) -> str:
        """Starting structure of a species (or of pose ``<cluster>.pose<k>``) as XYZ."""
        return f"{self.results}/structures/{species}.xyz"

    def build(self, species: str) -> str:
        """Build file of a species: its starting structure, search results and plan definition."""
        return f"{self.results}/structures/{species}.build.json"

    def build_log(self, species: str) -> str:
        return f"{self.results}/logs/build/{species}.log"

    def build_benchmark(self, species: str) -> str:
        return f"{self.results}/benchmarks/build/{species}.tsv"

    # --- one level of theory ---

    def level_dir(self, level: str) -> str:
        return f"{self.results}/{level}"

    def records_dir(self, level: str) -> str:
        return f"{self.results}/{level}/records"

    def record(self, level: str, species: str) -> str:
        """The JSON record of a species' optimization (a cluster's: its selected pose's)."""
        return f"{self.results}/{level}/records/{species}.json"

    def geometry(self, level: str, species: str) -> str:
        """Optimized geometry of a species as XYZ (written with its record)."""
        return f"{self.results}/{level}/geometries/{species}.xyz"

    def geometries_dir(self, level: str) -> str:
        return f"{self.results}/{level}/geometries"

    def log(self, level: str, name: str) -> str:
        """Log of one job of a level: ``name`` is the species (optimization) or the job's stem, e.g.
        ``binding_table``, ``<species>.select_pose``, ``<species>.counterpoise``, ``render_<species>``."""
        return f"{self.results}/{level}/logs/{name}.log"

    def logs_dir(self, level: str) -> str:
        return f"{self.results}/{level}/logs"

    def benchmark(self, level: str, name: str) -> str:
        """Snakemake benchmark file of one job of a level (``name`` as in ``log``)."""
        return f"{self.results}/{level}/benchmarks/{name}.tsv"

    def benchmarks_dir(self, level: str) -> str:
        return f"{self.results}/{level}/benchmarks"

    def gaussian_input(self, level: str, species: str) -> str:
        return f"{self.results}/{level}/gaussian/{species}.gjf"

    def gaussian_output(self, level: str, species: str) -> str:
        return f"{self.results}/{level}/gaussian/{species}.out"

    def poses(self, level: str, cluster: str) -> str:
        """Every DFT pose of a cluster at a level and which one was selected."""
        return f"{self.results}/{level}/poses/{cluster}.json"

    def thermo_dir(self, level: str, dirname: str = THERMO_DIRNAME) -> str:
        return f"{self.results}/{level}/{dirname}"

    def thermo(self, level: str, species: str, dirname: str = THERMO_DIRNAME) -> str:
        """Frequencies and thermochemistry of a species (``dirname``: ``Plan.thermo_dirname``)."""
        return f"{self.results}/{level}/{dirname}/{species}.json"

    def counterpoise_dir(self, level: str) -> str:
        return f"{self.results}/{level}/{COUNTERPOISE_DIRNAME}"

    def counterpoise(self, level: str, cluster: str) -> str:
        """Counterpoise and deformation analysis of a cluster."""
        return f"{self.results}/{level}/{COUNTERPOISE_DIRNAME}/{cluster}.json"

    def solvent_dir(self, level: str, dirname: str) -> str:
        return f"{self.results}/{level}/{dirname}"

    def solvent(self, level: str, species: str, dirname: str) -> str:
        """Implicit-solvent single point of a species (``dirname``: ``solvent_dirname(name)``)."""
        return f"{self.results}/{level}/{dirname}/{species}.json"

    # --- tables, plots and the summary of a level ---

    def binding_energies(self, level: str, ext: str = "json") -> str:
        """The binding-energy table (``csv``, ``md`` or ``json``)."""
        return f"{self.results}/{level}/binding_energies.{ext}"

    def exchange_energies(self, level: str) -> str:
        return f"{self.results}/{level}/exchange_energies.csv"

    def thermo_temperatures(self, level: str) -> str:
        """dH and dG at ``thermo.temperature_scan_k`` (header only without a scan)."""
        return f"{self.results}/{level}/thermo_temperatures.csv"

    def plot(self, level: str, filename: str) -> str:
        """A figure of a level, e.g. ``binding_energies.png`` or ``series_<name>.png``."""
        return f"{self.results}/{level}/plots/{filename}"

    def model_study(self, level: str, ext: str = "csv") -> str:
        """The linker x PDOL model-study table (``csv`` or ``md``; config ``model_study``)."""
        return f"{self.results}/{level}/model_study.{ext}"

    def model_study_plot(self, level: str) -> str:
        """The model-study figure: E_bind per model combination and the exchange energies."""
        return self.plot(level, "model_study.png")

    def structure_plot(self, level: str, species: str) -> str:
        return f"{self.results}/{level}/plots/structures/{species}.png"

    def summary(self, level: str) -> str:
        """The run's HTML summary page of a level."""
        return f"{self.results}/{level}/summary.html"

    # --- the content cache ---

    def cache_entry(self, key: str, kind: str) -> str:
        """A cache file (``compchem.records.Cache.path``): ``<cache>/<key[:2]>/<key>.<kind>.json``."""
        return f"{self.cache}/{key[:2]}/{key}.{kind}.json"
