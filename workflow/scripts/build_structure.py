"""Adapter: starting structure of one species (compchem.jobs.build_structure_job)."""

from compchem.jobs import build_structure_job

build_structure_job(
    definition=snakemake.params.definition,  # noqa: F821 (injected by Snakemake)
    xyz_path=snakemake.output.xyz,  # noqa: F821
    build_path=snakemake.output.build,  # noqa: F821
    cache_dir=snakemake.params.cache,  # noqa: F821
    log_path=snakemake.log[0],  # noqa: F821
)
