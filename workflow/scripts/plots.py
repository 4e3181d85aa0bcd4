"""Adapter: bar plot and run summary of one level (compchem.jobs.plots_job)."""

from typing import TYPE_CHECKING

from compchem.jobs import plots_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    plots_job(
        table_json=snakemake.input.table,
        record_paths=dict(zip(snakemake.params.species, snakemake.input.records, strict=True)),
        bar_paths=[snakemake.output.png, snakemake.output.svg],
        summary_path=snakemake.output.summary,
        log_path=snakemake.log[0],
        series=snakemake.params.series,
        series_paths=list(snakemake.output.series),
    )
