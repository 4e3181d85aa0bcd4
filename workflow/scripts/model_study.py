"""Adapter: linker x PDOL model-study table and figure of one level (compchem.jobs.model_study_job)."""

from typing import TYPE_CHECKING

from compchem.jobs import model_study_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    model_study_job(
        table_json=snakemake.input.table,
        combinations=snakemake.params.combinations,
        csv_path=snakemake.output.csv,
        md_path=snakemake.output.md,
        png_path=snakemake.output.png,
        log_path=snakemake.log[0],
    )
