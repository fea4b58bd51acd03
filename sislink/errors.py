"""The errors sislink raises, under one base class.

Each class name says what the caller can do: fix the command (``UsageError``),
fix the input (``InputError``), or fix or wait for the database
(``StoreError``). Bad data inside readable files is not an error: it becomes
findings on the submission.
"""

from __future__ import annotations


class SislinkError(Exception):
    """Base of every error sislink raises on purpose."""

    exit_code = 1


class UsageError(SislinkError):
    """A command was given an argument that cannot work: fix the command."""

    exit_code = 2


class InputError(SislinkError):
    """A file cannot be read at all: fix or replace the file."""


class StoreError(SislinkError):
    """The database cannot be used: check the URL, the server, or run init."""


class StoreUnavailable(StoreError):
    """The database server cannot be reached: retrying later may help."""


class SchemaOutdated(StoreError):
    """The database has no schema or an older one: run ``sislink init``."""
