"""Run the CLI in this process, as a user would from a shell, and capture what it prints.

``ocitrace(...)`` calls :func:`ocitrace.cli.main.main` with its own stdin/stdout/stderr and
environment, returning a :class:`subprocess.CompletedProcess` (bytes or text) like
``subprocess.run`` would: no interpreter start-up per call, same observable behaviour.
Only tests that need a real process (signals, ``os._exit``) spawn one.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, overload

from ocitrace.cli.main import main


class _Stdin(io.StringIO):
    """A piped stdin: never a terminal (so no password prompt)."""

    def isatty(self) -> bool:
        return False


def _environ(env: Mapping[str, str] | None, home: Path | None) -> dict[str, str]:
    base = dict(os.environ)
    base.pop("COSIGN_REPOSITORY", None)
    if home is not None:
        base.update(HOME=str(home), DOCKER_CONFIG=str(home / ".docker"))
    base.update(env or {})
    return base


@overload
def run_cli(
    *args: str,
    stdin: str = "",
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    text: Literal[True],
) -> subprocess.CompletedProcess[str]: ...


@overload
def run_cli(
    *args: str,
    stdin: str = "",
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    text: Literal[False] = False,
) -> subprocess.CompletedProcess[bytes]: ...


def run_cli(
    *args: str,
    stdin: str = "",
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    text: bool = False,
) -> subprocess.CompletedProcess[str] | subprocess.CompletedProcess[bytes]:
    """``ocitrace ARGS`` in process; ``home`` gives an empty docker config there."""
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    code = main(
        list(args), stdin=_Stdin(stdin), stdout=stdout, stderr=stderr, environ=_environ(env, home)
    )
    stdout.flush()
    stderr.flush()
    argv = ["ocitrace", *args]
    if text:
        return subprocess.CompletedProcess(
            argv, code, out.getvalue().decode(), err.getvalue().decode()
        )
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def default_sigint() -> None:
    """``preexec_fn`` for a child that will be sent SIGINT: restore the default action.

    A process started with SIGINT ignored (``nohup``, a script's background job, some CI
    runners) passes SIG_IGN on to its children, and a Python started that way never raises
    KeyboardInterrupt: the Ctrl-C tests would wait in vain.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
