# Plots and report pages (`snakemake --report report.html` collects them).


PLOTS_INPUTS = dict(
    table=LAYOUT.binding_energies("{level}", "json"),
    records=expand(LAYOUT.record("{{level}}", "{species}"), species=PLAN.species()),
)


rule plots:
    input:
        **finished(PLOTS_INPUTS),
    output:
        png=report(
            LAYOUT.plot("{level}", "binding_energies.png"),
            caption="../report/binding.rst",
            category="Binding energies",
        ),
        svg=LAYOUT.plot("{level}", "binding_energies.svg"),
        series=expand(LAYOUT.plot("{{level}}", "series_{name}.png"), name=list(PLAN.series)),
        summary=report(
            LAYOUT.summary("{level}"), caption="../report/summary.rst", category="Run"
        ),
    params:
        inputs_sha256=content_sha256(PLOTS_INPUTS),
        species=PLAN.species(),
        series=PLAN.series,
    log:
        LAYOUT.log("{level}", "plots"),
    benchmark:
        LAYOUT.benchmark("{level}", "plots")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/plots.py"


rule render_structure:
    input:
        record=finished(LAYOUT.record("{level}", "{species}")),
    output:
        png=report(
            LAYOUT.structure_plot("{level}", "{species}"),
            caption="../report/structure.rst",
            category="Structures",
            subcategory="{level}",
        ),
    params:
        inputs_sha256=content_sha256([LAYOUT.record("{level}", "{species}")]),
    log:
        LAYOUT.log("{level}", "render_{species}"),
    benchmark:
        LAYOUT.benchmark("{level}", "render_{species}")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/render_structure.py"
