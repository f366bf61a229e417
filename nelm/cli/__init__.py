"""The command line: the Typer app and its commands, the shared options, the one error boundary,
streams, pager and terminal output. `nelm.cli.main(argv)` runs the CLI in-process."""

from nelm.cli.boundary import main

__all__ = ["main"]
