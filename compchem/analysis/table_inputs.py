"""Loading a folder of records, with the thermo and counterpoise files next to it, into the inputs of
the binding and exchange tables.

The workflow hands ``binding_table_job`` exactly the files it needs; ``compchem table RECORDS_DIR``
instead finds what exists: the records of the folder, the cluster's result picked from its finished
pose records (``select_pose``, as the workflow's pose-selection step does, so a table is available
before that step has run), and the thermochemistry and counterpoise results beside the folder. Only
clusters and exchanges whose every species has a record are kept. Nothing here writes a file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compchem.analysis.poses import cluster_pose_records, select_pose
from compchem.artifacts import BuildRecord, CounterpoiseRecord, SolventRecord, ThermoRecord, read_artifact
from compchem.chem import pose_name
from compchem.layout import Layout, solvent_dirname
from compchem.models import CalcResult
from compchem.records import read_record


@dataclass
class TableInputs:
    """What ``binding_rows`` and ``exchange_rows`` need, as found on disk."""

    records: dict[str, CalcResult]
    #: cluster -> pose summary, for clusters whose poses were optimized
    poses: dict[str, dict[str, Any]]
    clusters: list[dict[str, Any]]
    exchanges: list[dict[str, Any]]
    thermo: dict[str, dict[str, Any]]
    counterpoise: dict[str, dict[str, Any]]
    #: species -> implicit-solvent single point (``thermo.solvent``)
    solvent: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def binding_rows(self, ion: str) -> list[dict[str, Any]]:
        """The binding-table rows of the clusters found (``binding_rows``), ``ion`` the bare ion."""
        from compchem.analysis.binding import binding_rows

        return binding_rows(
            self.records,
            self.clusters,
            ion,
            poses=self.poses,
            thermo=self.thermo,
            counterpoise=self.counterpoise,
            solvent=self.solvent,
        )

    def exchange_rows(self) -> list[dict[str, Any]]:
        """The exchange-table rows of the reactions found (``exchange_rows``)."""
        from compchem.analysis.binding import exchange_rows

        return exchange_rows(self.records, self.exchanges, self.thermo, self.solvent)


def _pose_builds(plan: Any, cluster: str, ranks: list[int]) -> dict[int, dict[str, Any]]:
    """The pose build records (pre-optimization method and energy) of ``cluster`` that exist."""
    builds = {}
    for k in ranks:
        path = Path(Layout(plan.results_dir).build(pose_name(cluster, k)))
        if path.exists():
            # select_pose reads a build's optional keys as a mapping
            builds[k] = read_artifact(BuildRecord, path).to_dict()
    return builds


def load_table_inputs(plan: Any, folder: Path) -> TableInputs:
    """The records of ``folder`` (``<species>.json``), each searched cluster's selected pose, and the
    thermo (``plan.thermo_dirname``), counterpoise and implicit-solvent (``thermo.solvent``) results in
    the folders beside it."""
    records = {p.stem: read_record(p) for p in sorted(folder.glob("*.json"))}
    summaries = {}
    for name in plan.clusters:
        poses = cluster_pose_records(name, records)
        if poses:
            summaries[name], records[name] = select_pose(name, poses, _pose_builds(plan, name, list(poses)))
    clusters = [
        {"name": c.name, "ligands": list(c.ligands), "paper_value_ev": c.paper_value_ev}
        for c in plan.clusters.values()
        if all(n in records for n in (plan.ion_name, *c.ligands, c.name))
    ]
    # thermochemistry, counterpoise and implicit-solvent results next to the records
    # (results/<level>/thermo or thermo_<frequencies level>, counterpoise, solvent_<name>)
    layout, level = Layout.of_level_dir(folder.parent)
    beside: list[tuple[Any, str]] = [
        (ThermoRecord, layout.thermo_dir(level, plan.thermo_dirname)),
        (CounterpoiseRecord, layout.counterpoise_dir(level)),
    ]
    if plan.thermo.get("solvent"):
        beside.append(
            (SolventRecord, layout.solvent_dir(level, solvent_dirname(plan.thermo["solvent"]["name"])))
        )
    # the table arithmetic reads them as mappings: checked as artifacts, handed on as their content
    extra = {
        cls.KIND: {p.stem: read_artifact(cls, p).to_dict() for p in sorted(Path(folder_of).glob("*.json"))}
        for cls, folder_of in beside
    }
    exchanges = [
        {"name": x.name, "reactants": list(x.reactants), "products": list(x.products)}
        for x in plan.exchanges.values()
        if all(n in records for n in (*x.reactants, *x.products))
    ]
    return TableInputs(
        records,
        summaries,
        clusters,
        exchanges,
        extra["thermo"],
        extra["counterpoise"],
        extra.get(SolventRecord.KIND, {}),
    )
