"""The job of the linker-model x PDOL-model study (config ``model_study``): after a level's binding
table, its rows for every model combination written as CSV and Markdown, and its figure. It reads
only the binding table JSON, so the study adds no calculation of its own beyond its clusters and
exchanges, which the plan computes like any other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compchem.jobs.common import log
from compchem.logs import job_log
from compchem.models import LevelOfTheory
from compchem.records import read_json, write_text_atomic


def model_study_job(
    table_json: str,
    combinations: list[dict[str, Any]],
    csv_path: str,
    md_path: str,
    png_path: str,
    log_path: str | None = None,
) -> None:
    """The model-study table (CSV, Markdown) and figure of one level from its binding table JSON;
    ``combinations`` are ``StudyCombination.to_dict`` mappings (the cluster and exchange names)."""
    with job_log(log_path):
        write_model_study(read_json(table_json), combinations, csv_path, md_path, png_path)


def write_model_study(
    table: dict[str, Any],
    combinations: list[dict[str, Any]],
    csv_path: str,
    md_path: str,
    png_path: str,
    partial: bool = False,
    extra_lines: list[str] | None = None,
) -> None:
    """Rows, CSV, Markdown and figure of the study from a binding table (the JSON's mapping);
    ``partial``: combinations not finished keep empty cells (``compchem model-study``);
    ``extra_lines`` end the Markdown."""
    from compchem.analysis.model_study import model_study_csv, model_study_markdown, model_study_rows
    from compchem.report.model_study_plot import plot_model_study

    rows = model_study_rows(table, combinations, partial=partial)
    label = LevelOfTheory.from_record(table["level_settings"]).describe()
    write_text_atomic(csv_path, model_study_csv(rows))
    write_text_atomic(md_path, model_study_markdown(rows, table["level"], label, extra_lines))
    plot_model_study(rows, label, png_path)
    log.info("wrote %d model-study rows to %s, %s and %s", len(rows), csv_path, md_path, png_path)


def partial_model_study(plan: Any, records_dir: Path, out: Path) -> Path:
    """The study's table and figure from the records finished so far in ``records_dir`` (unfinished
    cells '–'), written to ``out`` as ``model_study_partial.{csv,md}`` and
    ``plots/model_study_partial.png``, so that the workflow's own ``model_study`` outputs stay those
    of the complete study; ends with E_bind by coordination motif. Returns the Markdown path."""
    from compchem.analysis.markdown import motif_lines
    from compchem.analysis.table_inputs import load_table_inputs
    from compchem.errors import InputError

    found = load_table_inputs(plan, records_dir)
    if not found.records:
        raise InputError(f"no records of the config's species in {records_dir}")
    rows = found.binding_rows(plan.ion_name)
    any_record = next(iter(found.records.values()))
    table = {
        "level": any_record.level["name"],
        "level_settings": any_record.level,
        "rows": rows,
        "exchanges": found.exchange_rows(),
    }
    (out / "plots").mkdir(parents=True, exist_ok=True)
    md_path = out / "model_study_partial.md"
    write_model_study(
        table,
        plan.model_study.params(),
        str(out / "model_study_partial.csv"),
        str(md_path),
        str(out / "plots" / "model_study_partial.png"),
        partial=True,
        extra_lines=motif_lines(rows, found.poses),
    )
    return md_path
