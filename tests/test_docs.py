"""The documentation stays true to the code: the configuration reference is generated from the schema,
and the README stays short and points at files that exist."""

import re

from compchem.schema_doc import DOC_PATH, render


def test_configuration_reference_is_up_to_date():
    assert DOC_PATH.read_text() == render(), "run: python -m compchem.schema_doc --write"


def test_configuration_reference_lists_every_level_key():
    from compchem.models import LEVEL_DEFAULTS

    text = DOC_PATH.read_text()
    for key in [*LEVEL_DEFAULTS, "preopt_level", "geometry_level", "energy_level"]:
        assert f"`levels.*.{key}`" in text, key


def test_readme_is_short_and_its_links_exist(root):
    readme = (root / "README.md").read_text()
    assert len(readme.splitlines()) <= 120
    for path in set(
        re.findall(r"`((?:docs|benchmarks|results/paper|workflow/config)/[\w./-]+\.(?:md|yaml))`", readme)
    ):
        assert (root / path).exists(), path
    for doc in ("methods", "configuration", "outputs", "recovery", "gaussian", "slurm"):
        assert f"docs/{doc}.md" in readme and (root / "docs" / f"{doc}.md").exists()
