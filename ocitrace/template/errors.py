"""Template errors, worded exactly as Go's text/template words them.

TemplateError
 ├── ParseError   ``template: NAME:LINE: message``
 └── ExecError    ``template: NAME:LINE:COL: executing "TPL" at <NODE>: message``

``ExecError.partial_output`` holds what Go would already have written before failing.
"""

from __future__ import annotations


class TemplateError(Exception):
    """Base class of every error raised by ``ocitrace.template``; ``str()`` is Go's text."""


class ParseError(TemplateError):
    """The template text does not parse (Go's ``Parse`` error)."""


class ExecError(TemplateError):
    """Execution failed; ``partial_output`` is the text produced before the failure."""

    def __init__(self, message: str, name: str = "", partial_output: str = "") -> None:
        super().__init__(message)
        self.name = name
        self.partial_output = partial_output


class GoError(Exception):
    """Raised by a template function or method to return a Go ``error`` value.

    The executor reports it as ``error calling NAME: <message>``.
    """
