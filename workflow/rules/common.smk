# Validated plan of the run; everything else comes from the compchem package.
import os

from snakemake.exceptions import WorkflowError

from compchem.chem import SAFE_NAME
from compchem.config import build_plan
from compchem.errors import InputError

try:
    PLAN = build_plan(config, [os.getcwd(), workflow.basedir])
except InputError as exc:
    raise WorkflowError(f"compchem: {exc}") from None

RESULTS = PLAN.results_dir
CACHE = os.path.join(RESULTS, "cache")


wildcard_constraints:
    species=SAFE_NAME.pattern.strip("^$"),
    level=SAFE_NAME.pattern.strip("^$"),
