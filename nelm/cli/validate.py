"""`nelm validate`: check evidence files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from nelm.cli.app import app
from nelm.errors import EvidenceError
from nelm.render.output import Output


@app.command("validate", epilog="Example: nelm validate | nelm validate my-overlay/ extra.yaml")
def validate_cmd(
    paths: Annotated[
        Optional[list[Path]], typer.Argument(help="Files or folders (default: the shipped evidence).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")] = False,
) -> None:
    """Check evidence files: structure, types, ranges and cross-references. Exit 1 when any problem is found."""
    from nelm.evidence.load import build

    evidence, problems = build(list(paths) if paths else None)
    if problems:
        raise EvidenceError(problems)
    if not quiet:
        studies = evidence.studies()
        Output.from_env().note(
            f"ok: {len(evidence.files)} files, {len(evidence.treatments)} modalities, {len(studies)} studies, "
            f"{sum(len(s.findings) for s in studies)} findings, {len(evidence.sources)} sources"
        )
