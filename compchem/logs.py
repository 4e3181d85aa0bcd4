"""Send a job's log lines (compchem, PySCF, geomeTRIC, C libraries) into one file."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import IO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextlib.contextmanager
def job_log(path: str | os.PathLike[str] | None, level: int = logging.INFO) -> Iterator[IO[str]]:
    """Append everything a job prints to ``path`` (or stderr when None) and yield the text stream.

    Python ``logging`` of the ``compchem`` logger, PySCF's output (pass the stream as ``mol.stdout``)
    and anything written to file descriptors 1 and 2 (geomeTRIC, native libraries) end up in the same
    file, in order.
    """
    logger = logging.getLogger("compchem")
    if path is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
        logger.setLevel(level)
        try:
            yield sys.stderr
        except BaseException as exc:
            _log_failure(logger, exc)
            raise
        finally:
            logger.removeHandler(handler)
        return
    stream = open(path, "a", buffering=1)  # noqa: SIM115 - closed below
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    os.dup2(stream.fileno(), 1)
    os.dup2(stream.fileno(), 2)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    try:
        yield stream
    except BaseException as exc:
        _log_failure(logger, exc)
        raise
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        stream.close()


def _log_failure(logger: logging.Logger, exc: BaseException) -> None:
    """One line in the job's log saying why the job stopped (a project error's own message, else the
    exception's type and text), so a failed job's log is never empty."""
    from compchem.errors import CompchemError, JobInterruptedError

    if isinstance(exc, KeyboardInterrupt | SystemExit):
        logger.error("job stopped: %s", type(exc).__name__)
    elif isinstance(exc, CompchemError | JobInterruptedError):
        logger.error("compchem: error: %s", exc)
    else:
        logger.error("job failed: %s: %s", type(exc).__name__, exc)
