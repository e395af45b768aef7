"""The one error type of the command line."""

from __future__ import annotations


class CommandError(Exception):
    """A problem the user can fix; ``main`` prints the message and exits with ``code``."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code
