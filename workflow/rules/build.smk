# Starting structures: seeded RDKit conformers, Li+ placements, GFN2-xTB pre-optimization.


rule build_structure:
    output:
        xyz=f"{RESULTS}/structures/{{species}}.xyz",
        build=f"{RESULTS}/structures/{{species}}.build.json",
    params:
        definition=lambda wc: as_json(PLAN.species_definition(wc.species)),
        cache=CACHE,
    log:
        f"{RESULTS}/logs/build/{{species}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/build/{{species}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/build_structure.py"
