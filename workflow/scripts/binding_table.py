"""Adapter: binding-energy table of one level and what is drawn from it (compchem.jobs.binding_table_job,
plots_job and, with a config model_study, model_study_job)."""

from typing import TYPE_CHECKING

from compchem.jobs import binding_table_job, model_study_job, plots_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    records = dict(zip(snakemake.params.species, snakemake.input.records, strict=True))
    binding_table_job(
        record_paths=records,
        clusters=snakemake.params.clusters,
        ion=snakemake.params.ion,
        level_name=snakemake.wildcards.level,
        csv_path=snakemake.output.csv,
        md_path=snakemake.output.md,
        json_path=snakemake.output.json,
        geometry_dir=snakemake.params.geometry_dir,
        log_path=snakemake.log.table,
        exchanges=snakemake.params.exchanges,
        exchange_csv_path=snakemake.output.exchange_csv,
        thermo_paths=dict(zip(snakemake.params.thermo_species, snakemake.input.thermo, strict=True)),
        counterpoise_paths=dict(zip(snakemake.params.cp_clusters, snakemake.input.counterpoise, strict=True)),
        pose_paths=dict(zip(snakemake.params.pose_clusters, snakemake.input.poses, strict=True)),
        solvent_paths=dict(zip(snakemake.params.solvent_species, snakemake.input.solvent, strict=True)),
        scan_csv_path=snakemake.output.scan_csv,
    )
    plots_job(
        table_json=snakemake.output.json,
        record_paths=records,
        bar_paths=[snakemake.output.png, snakemake.output.svg],
        summary_path=snakemake.output.summary,
        log_path=snakemake.log.plots,
        series=snakemake.params.series,
        series_paths=list(snakemake.output.series),
    )
    if snakemake.params.combinations:
        model_study_job(
            table_json=snakemake.output.json,
            combinations=snakemake.params.combinations,
            csv_path=snakemake.output.study_csv,
            md_path=snakemake.output.study_md,
            png_path=snakemake.output.study_png,
            log_path=snakemake.log.model_study,
        )
