"""The app with every command registered: importing a command module registers its commands, and
the order here is the order of `nelm --help`."""

from nelm.cli import browse, forest, lookup, patient, validate  # noqa: F401
from nelm.cli.app import app

__all__ = ["app"]
