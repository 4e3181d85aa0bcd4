# Optional: frequencies + thermochemistry per species, counterpoise + deformation per cluster.


rule thermo:
    wildcard_constraints:
        level=PYSCF_LEVELS,
    input:
        record=f"{RESULTS}/{{level}}/records/{{species}}.json",
    output:
        json=f"{RESULTS}/{{level}}/{THERMO_DIR}/{{species}}.json",
    params:
        level=lambda wc: as_json(PLAN.levels[wc.level].to_dict()),
        frequencies_level=as_json(PLAN.frequencies_level_settings()),
        # the thermochemistry settings only: toggling counterpoise or solvent reruns nothing here
        settings=as_json({k: THERMO[k] for k in THERMO_JOB_SETTINGS}),
        cache=CACHE,
    log:
        f"{RESULTS}/{{level}}/logs/{{species}}.{THERMO_DIR}.log",
    benchmark:
        f"{RESULTS}/{{level}}/benchmarks/{{species}}.{THERMO_DIR}.tsv"
    threads: 8
    resources:
        mem_mb=dft_mem_mb,
        runtime=dft_runtime_min,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/thermo.py"


rule counterpoise:
    wildcard_constraints:
        level=PYSCF_LEVELS,
    input:
        cluster=f"{RESULTS}/{{level}}/records/{{species}}.json",
        relaxed=lambda wc: [
            f"{RESULTS}/{wc.level}/records/{n}.json" for n in cluster_fragments(wc.species)
        ],
    output:
        json=f"{RESULTS}/{{level}}/counterpoise/{{species}}.json",
    params:
        level=lambda wc: as_json(PLAN.levels[wc.level].to_dict()),
        charges_mults=lambda wc: as_json(
            [PLAN.charge_multiplicity(n) for n in cluster_fragments(wc.species)]
        ),
        cache=CACHE,
    log:
        f"{RESULTS}/{{level}}/logs/{{species}}.counterpoise.log",
    benchmark:
        f"{RESULTS}/{{level}}/benchmarks/{{species}}.counterpoise.tsv"
    threads: 8
    resources:
        mem_mb=dft_mem_mb,
        runtime=dft_runtime_min,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/counterpoise.py"


rule solvent_single_point:
    wildcard_constraints:
        level=PYSCF_LEVELS,
    input:
        record=f"{RESULTS}/{{level}}/records/{{species}}.json",
    output:
        json=f"{RESULTS}/{{level}}/{SOLVENT_DIR}/{{species}}.json",
    params:
        level=lambda wc: as_json(PLAN.levels[wc.level].to_dict()),
        solvent=as_json(SOLVENT),
        cache=CACHE,
    log:
        f"{RESULTS}/{{level}}/logs/{{species}}.{SOLVENT_DIR}.log",
    benchmark:
        f"{RESULTS}/{{level}}/benchmarks/{{species}}.{SOLVENT_DIR}.tsv"
    threads: 8
    resources:
        mem_mb=dft_mem_mb,
        runtime=dft_runtime_min,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/solvent_single_point.py"
