"""Jobs at the end of a level's run that only read records and analysis files: the binding-energy,
exchange and temperature-scan tables, the bar plots and run summary page, and the picture of one
optimized structure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compchem.artifacts import (
    Artifact,
    CounterpoiseRecord,
    PoseSummary,
    SolventRecord,
    ThermoRecord,
    read_artifact,
)
from compchem.jobs.common import log
from compchem.logs import job_log
from compchem.models import LevelOfTheory
from compchem.records import read_json, write_text_atomic


def binding_table_job(
    record_paths: dict[str, str],
    clusters: list[dict[str, Any]],
    ion: str,
    level_name: str,
    csv_path: str,
    md_path: str,
    json_path: str,
    geometry_dir: str,
    log_path: str | None = None,
    exchanges: list[dict[str, Any]] | None = None,
    exchange_csv_path: str | None = None,
    thermo_paths: dict[str, str] | None = None,
    counterpoise_paths: dict[str, str] | None = None,
    pose_paths: dict[str, str] | None = None,
    solvent_paths: dict[str, str] | None = None,
    scan_csv_path: str | None = None,
) -> None:
    """Binding-energy and exchange tables from the records only (CSV, Markdown, JSON), and the
    temperature scan of ΔH/ΔG when the thermo files have one."""
    from compchem.analysis.binding import binding_rows, exchange_rows, thermo_scan_rows, write_tables
    from compchem.records import read_record

    with job_log(log_path):
        records = {name: read_record(path) for name, path in record_paths.items()}
        # the table arithmetic (compchem.analysis.binding) reads these files as mappings: each is
        # checked as its artifact and handed on as the mapping it holds
        thermo = _read_all(ThermoRecord, thermo_paths)
        counterpoise = _read_all(CounterpoiseRecord, counterpoise_paths)
        poses = _read_all(PoseSummary, pose_paths)
        solvent = _read_all(SolventRecord, solvent_paths)
        rows = binding_rows(
            records,
            clusters,
            ion,
            geometry_dir=Path(geometry_dir),
            thermo=thermo,
            counterpoise=counterpoise,
            poses=poses,
            solvent=solvent,
        )
        ex_rows = exchange_rows(records, exchanges or [], thermo, solvent)
        scan = thermo_scan_rows(clusters, ion, exchanges or [], thermo)
        write_tables(
            rows,
            level_name,
            records,
            csv_path,
            md_path,
            json_path,
            ex_rows,
            exchange_csv_path,
            scan=scan,
            scan_csv_path=scan_csv_path,
            poses=poses,
        )
        log.info("wrote %d binding rows to %s and %d exchange rows", len(rows), csv_path, len(ex_rows))


def _read_all(cls: type[Artifact], paths: dict[str, str] | None) -> dict[str, dict[str, Any]]:
    """Species name -> content of its file of kind ``cls`` (checked, see ``read_artifact``)."""
    return {name: read_artifact(cls, path).to_dict() for name, path in (paths or {}).items()}


def plots_job(
    table_json: str,
    record_paths: dict[str, str],
    bar_paths: list[str],
    summary_path: str,
    log_path: str | None = None,
    series: dict[str, list[list[Any]]] | None = None,
    series_paths: list[str] | None = None,
) -> None:
    """Bar plot of E_bind next to the paper's values and the run summary page."""
    from compchem.records import read_record
    from compchem.report.plots import plot_binding, plot_series, summary_html

    with job_log(log_path):
        table = read_json(table_json)
        records = {name: read_record(path) for name, path in record_paths.items()}
        level = LevelOfTheory.from_record(table["level_settings"])
        plot_binding(table["rows"], level.describe(), bar_paths)
        for (name, members), path in zip((series or {}).items(), series_paths or [], strict=True):
            plot_series(table["rows"], name, [(int(n), c) for n, c in members], path)
        write_text_atomic(
            summary_path,
            summary_html(
                table["level"], records, table["rows"], table.get("exchanges"), table.get("temperature_scan")
            ),
        )
        log.info("wrote %s and %s", bar_paths, summary_path)


def render_structure_job(record_path: str, png_path: str, log_path: str | None = None) -> None:
    """3D picture of one optimized structure."""
    from compchem.records import read_record
    from compchem.report.plots import render_cluster

    with job_log(log_path):
        record = read_record(record_path)
        render_cluster(record, png_path, f"{record.label} (E = {record.energy_hartree:.6f} Ha)")
