"""The ``equity-kb`` command line: argument parsing (``main``) and one module per
command. Nothing else in the package imports it."""

from __future__ import annotations

from .main import main

__all__ = ["main"]
