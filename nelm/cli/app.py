"""The Typer app: its help, the root options (--version, --no-pager) and the registered commands."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from nelm import __version__

EXIT_CODES = """Exit codes: 0 success (also when nothing matches, or when the reader of a pipe stops
early), 1 invalid evidence, unwritable output or another data/runtime error, 2 usage error (unknown
command, option, modality, outcome, field or format), 130 interrupted (Ctrl-C), 143 terminated
(SIGTERM)."""


app = typer.Typer(
    name="nelm",
    help="Explore the published evidence on treatments for neuroendocrine tumour liver metastases.\n\n"
    "Every figure comes with its source. Not a substitute for clinical judgement.",
    epilog="Examples: nelm list | nelm compare tace rfa | nelm studies -m y90 -f json\n\n" + EXIT_CODES,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"nelm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager", help="Never page long output (default on a terminal: $NELM_PAGER, $PAGER or less -FRX)."
        ),
    ] = False,
) -> None:
    """Explore the published evidence on treatments for neuroendocrine tumour liver metastases."""
    if no_pager:
        os.environ["NELM_NO_PAGER"] = "1"


# The commands register themselves on `app` (see nelm.cli.commands).
