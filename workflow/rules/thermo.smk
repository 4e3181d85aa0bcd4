# Optional: frequencies + thermochemistry per species, counterpoise + deformation per cluster.


rule thermo:
    wildcard_constraints:
        level=PYSCF_LEVELS,
    input:
        record=finished(LAYOUT.record("{level}", "{species}")),
    output:
        json=LAYOUT.thermo("{level}", "{species}", THERMO_DIR),
    params:
        level=lambda wc: as_json(PLAN.levels[wc.level].to_dict()),
        frequencies_level=as_json(PLAN.frequencies_level_settings()),
        # the thermochemistry settings only: toggling counterpoise or solvent reruns nothing here
        settings=as_json({k: THERMO[k] for k in THERMO_JOB_SETTINGS}),
        cache=CACHE,
    log:
        LAYOUT.log("{level}", f"{{species}}.{THERMO_DIR}"),
    benchmark:
        LAYOUT.benchmark("{level}", f"{{species}}.{THERMO_DIR}")
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
        cluster=finished(LAYOUT.record("{level}", "{species}")),
        relaxed=finished(lambda wc: [LAYOUT.record(wc.level, n) for n in cluster_fragments(wc.species)]),
    output:
        json=LAYOUT.counterpoise("{level}", "{species}"),
    params:
        level=lambda wc: as_json(PLAN.levels[wc.level].to_dict()),
        charges_mults=lambda wc: as_json(
            [PLAN.charge_multiplicity(n) for n in cluster_fragments(wc.species)]
        ),
        cache=CACHE,
    log:
        LAYOUT.log("{level}", "{species}.counterpoise"),
    benchmark:
        LAYOUT.benchmark("{level}", "{species}.counterpoise")
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
        record=finished(LAYOUT.record("{level}", "{species}")),
    output:
        json=LAYOUT.solvent("{level}", "{species}", SOLVENT_DIR),
    params:
        level=lambda wc: as_json(PLAN.levels[wc.level].to_dict()),
        solvent=as_json(SOLVENT),
        cache=CACHE,
    log:
        LAYOUT.log("{level}", f"{{species}}.{SOLVENT_DIR}"),
    benchmark:
        LAYOUT.benchmark("{level}", f"{{species}}.{SOLVENT_DIR}")
    threads: 8
    resources:
        mem_mb=dft_mem_mb,
        runtime=dft_runtime_min,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/solvent_single_point.py"
