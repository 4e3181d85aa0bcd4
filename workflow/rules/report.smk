# Plots and report pages (`snakemake --report report.html` collects them).


rule plots:
    input:
        table=f"{RESULTS}/{{level}}/binding_energies.json",
        records=expand(f"{RESULTS}/{{{{level}}}}/records/{{species}}.json", species=PLAN.species()),
    output:
        png=report(
            f"{RESULTS}/{{level}}/plots/binding_energies.png",
            caption="../report/binding.rst",
            category="Binding energies",
        ),
        svg=f"{RESULTS}/{{level}}/plots/binding_energies.svg",
        series=expand(f"{RESULTS}/{{{{level}}}}/plots/series_{{name}}.png", name=list(PLAN.series)),
        summary=report(
            f"{RESULTS}/{{level}}/summary.html", caption="../report/summary.rst", category="Run"
        ),
    params:
        species=PLAN.species(),
        series=PLAN.series,
    log:
        f"{RESULTS}/{{level}}/logs/plots.log",
    benchmark:
        f"{RESULTS}/{{level}}/benchmarks/plots.tsv"
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
        record=f"{RESULTS}/{{level}}/records/{{species}}.json",
    output:
        png=report(
            f"{RESULTS}/{{level}}/plots/structures/{{species}}.png",
            caption="../report/structure.rst",
            category="Structures",
            subcategory="{level}",
        ),
    log:
        f"{RESULTS}/{{level}}/logs/render_{{species}}.log",
    benchmark:
        f"{RESULTS}/{{level}}/benchmarks/render_{{species}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/render_structure.py"
