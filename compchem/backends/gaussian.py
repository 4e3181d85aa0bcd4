"""Gaussian 16 as a file-based backend in three separable steps (ASE's calculator-template pattern):
write the input (pure text), execute it (a configured command; may run elsewhere), read the output
(pure parser). The workflow runs them as three rules, so "write here, run on the cluster, parse
later" needs no special code. Parsed results become the same JSON records as PySCF's."""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import time
from pathlib import Path

from compchem.errors import BackendUnavailableError, ParseError
from compchem.io.gaussian_input import write_gaussian_input
from compchem.io.gaussian_output import parse_gaussian_output, to_calc_result
from compchem.models import CalcResult, CalcSpec, Resources

log = logging.getLogger(__name__)


def input_text(spec: CalcSpec, resources: Resources, chk_name: str | None = None) -> str:
    """The .gjf text of one species' job (optimization for task ``optimize``)."""
    return write_gaussian_input(spec, resources, chk=chk_name, title=spec.label)


def execute(command: str | None, input_path: str | Path, output_path: str | Path) -> float:
    """Run ``command`` (a template with ``{input}`` and ``{output}``, e.g. ``g16 < {input} > {output}``)
    in the input's folder and return the wall time (s).

    Raises
    ------
    BackendUnavailableError
        No command configured: the message names the input to run and where its output belongs.
    ParseError
        The program did not terminate normally (the parser's message quotes the last lines).
    """
    input_path, output_path = Path(input_path).resolve(), Path(output_path).resolve()
    if not command:
        raise BackendUnavailableError(
            "no Gaussian command is configured (config: gaussian.command), so this workflow does not "
            f"run Gaussian itself. Run\n    g16 < {input_path} > {output_path}\nwherever Gaussian is "
            "installed (every pending input is listed by `snakemake -n`), put the output at that path "
            "and rerun snakemake: it parses the outputs and goes on."
        )
    # Gaussian writes into a temporary name; only a normally terminated output takes the real name.
    tmp_output = output_path.with_name(output_path.name + ".running")
    cmd = command.format(input=shlex.quote(str(input_path)), output=shlex.quote(str(tmp_output)))
    log.info("running Gaussian: %s", cmd)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, shell=True, cwd=input_path.parent)
    wall = time.perf_counter() - t0
    if proc.returncode != 0 and not tmp_output.exists():
        raise BackendUnavailableError(f"Gaussian command failed with exit code {proc.returncode}: {cmd}")
    parse_gaussian_output(tmp_output.read_text())  # normal termination first, else ParseError
    os.replace(tmp_output, output_path)
    return wall


def read_result(spec: CalcSpec, output_text: str, wall_time_s: float = 0.0) -> CalcResult:
    """Parse a Gaussian output into the CalcResult of ``spec``; the atoms must match the input's."""
    parsed = parse_gaussian_output(output_text)
    if list(parsed.symbols) != list(spec.symbols):
        raise ParseError(
            f"{spec.label}: the Gaussian output's atoms {''.join(parsed.symbols)} do not match the "
            f"input's {''.join(spec.symbols)} (wrong output file?)"
        )
    if (parsed.charge, parsed.multiplicity) != (spec.charge, spec.multiplicity):
        raise ParseError(
            f"{spec.label}: output has charge/multiplicity {parsed.charge}/{parsed.multiplicity}, "
            f"input {spec.charge}/{spec.multiplicity}"
        )
    return to_calc_result(
        parsed,
        label=spec.label,
        spec_hash=spec.content_hash(),
        level=spec.level.to_dict(),
        task=spec.task,
        wall_time_s=wall_time_s,
        fragments=spec.fragments,
    )
