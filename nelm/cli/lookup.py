"""Finding things: `nelm search` and `nelm refs`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from nelm.cli.app import app
from nelm.cli.options import (
    OUTPUT,
    OutputOptions,
    complete_modality,
    load,
    output_options,
    render,
)
from nelm.errors import UsageError
from nelm.render import Column, Result


@app.command(
    "search",
    epilog="Example: nelm search whipple abscess | nelm search sirt --author kennedy | nelm search crisis -f json",
)
@output_options
def search_cmd(
    words: Annotated[
        Optional[list[str]], typer.Argument(help="Words to find, in any order, as whole words (synonyms count).")
    ] = None,
    author: Annotated[
        Optional[str],
        typer.Option("--author", metavar="NAME", help="Only records citing a source by this author (surname)."),
    ] = None,
    out: OutputOptions = OUTPUT,
) -> None:
    """Find studies, indications, statements, profiles and references holding every word (or a synonym
    from synonyms.yaml), case- and accent-insensitive."""
    from nelm.analysis import search
    from nelm.evidence.validate.synonyms import term_key

    text = " ".join(words or [])
    if author is not None and not term_key(author):
        raise UsageError("--author is empty", "e.g. nelm search --author kennedy")
    if not term_key(text) and author is None:
        raise UsageError("search text is empty", "e.g. nelm search abscess")
    ev = load()
    table = out.table(out.output())
    cols = [
        Column("modality", "Modality"),
        Column("study", "Study"),
        Column("field", "Field"),
        Column("text", "Text", show=(lambda r: r["snippet"]) if table else None),
        Column("citation", "Citation"),
    ]
    what = " ".join(x for x in (f"'{text}'" if term_key(text) else "", f"by {author}" if author else "") if x)
    render(
        Result("search", cols, search.search(ev, text, author), f"Search: {what}", extra_fields=["location"]),
        out,
        f"no matches for {what}",
    )


@app.command("refs", epilog="Example: nelm refs tace rfa | nelm refs -f csv > refs.csv")
@output_options
def refs_cmd(
    modalities: Annotated[
        Optional[list[str]], typer.Argument(help="Modalities (default: all).", autocompletion=complete_modality)
    ] = None,
    out: OutputOptions = OUTPUT,
) -> None:
    """The sources behind the figures, numbered, in Vancouver style."""
    from nelm.analysis import browse, lookup

    ev = load()
    mods = [lookup.resolve(ev, m) for m in modalities] if modalities else None
    cols = [Column("number", "#", True), Column("citation", "Reference"), Column("url", "Read at")]
    render(Result("refs", cols, browse.ref_rows(ev, mods), "References"), out)
