# Starting structures: seeded RDKit conformers, Li+ placements, GFN2-xTB pre-optimization.
# A checkpoint: how many distinct poses of a cluster go to DFT is known only after its search.


checkpoint build_structure:
    output:
        xyz=LAYOUT.structure_xyz("{species}"),
        build=LAYOUT.build("{species}"),
    params:
        definition=lambda wc: as_json(PLAN.species_definition(wc.species)),
        cache=CACHE,
    log:
        LAYOUT.build_log("{species}"),
    benchmark:
        LAYOUT.build_benchmark("{species}")
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/build_structure.py"


# Pose k of a cluster as a species of its own (<cluster>.pose<k>), so every DFT backend runs it as is.
rule pose_structure:
    wildcard_constraints:
        cluster=CLUSTERS,
        k=r"\d+",
    input:
        build=finished(LAYOUT.build("{cluster}")),
    output:
        xyz=LAYOUT.structure_xyz("{cluster}.pose{k}"),
        build=LAYOUT.build("{cluster}.pose{k}"),
    log:
        LAYOUT.build_log("{cluster}.pose{k}"),
    localrule: True
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/pose_structure.py"


ruleorder: pose_structure > build_structure
