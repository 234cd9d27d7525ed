"""cli_logging without ``-v`` in a process that has not imported :mod:`logging` yet: the
set-up waits for the first import (so a layout command never loads logging) and the
records look exactly as when logging was configured up front (redacted, one prefix)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

_SCRIPT = textwrap.dedent(
    """
    import io, sys
    assert "logging" not in sys.modules
    from ocitrace.cli.logsetup import cli_logging
    from ocitrace.cli.redaction import Redactor
    from ocitrace.lazylog import getLogger

    lazy = getLogger("ocitrace.layout")
    out = io.StringIO()
    red = Redactor()
    red.add("hunter2")
    with cli_logging(0, out, red):
        lazy.debug("dropped %s", 1)  # below WARNING: no import, nothing printed
        lazy.info("dropped too")
        assert "logging" not in sys.modules
        {first}
        import logging
        logging.getLogger("ocitrace.transport.core").warning("token Bearer abcdefghij")
        logging.getLogger("ocitrace.transport.core").debug("not shown")
        logging.getLogger("urllib3").warning("third party: %s", "root handlers only")
    # restored: the handler is gone, propagation back on
    assert not logging.getLogger("ocitrace").handlers
    assert logging.getLogger("ocitrace").propagate
    sys.stdout.write(out.getvalue())
    """
)


def _run(first: str) -> subprocess.CompletedProcess[str]:
    code = _SCRIPT.replace("{first}", first)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_a_lazy_warning_imports_logging_and_finds_it_configured() -> None:
    res = _run('lazy.warning("password %s in %s", "hunter2", "oci-layout://x")')
    assert res.returncode == 0, res.stderr
    assert res.stdout == (
        "ocitrace: warning: password REDACTED in oci-layout://x\n"
        "ocitrace: warning: token Bearer REDACTED\n"
    )
    assert "third party" in res.stderr  # not ours: logging's last-resort handler, as before


def test_a_module_importing_logging_itself_finds_it_configured() -> None:
    res = _run("pass")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "ocitrace: warning: token Bearer REDACTED\n"


def test_without_any_record_logging_is_never_imported() -> None:
    code = textwrap.dedent(
        """
        import io, sys
        from ocitrace.cli.logsetup import cli_logging
        from ocitrace.cli.redaction import Redactor
        from ocitrace.lazylog import getLogger
        with cli_logging(0, io.StringIO(), Redactor()):
            getLogger("ocitrace.layout").debug("read %s", "x")
        assert "logging" not in sys.modules, "imported"
        assert not [f for f in sys.meta_path if type(f).__name__ == "_AfterImport"]
        print("ok")
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert (res.returncode, res.stdout) == (0, "ok\n"), res.stderr
