"""`nelm brief`: Markdown a CommonMark reader renders without HTML, HTML a browser parses, numbered
citations that match the reference list exactly, and a page count measured in a real browser.

The browser tests print with chromium-headless-shell and count pages with pdfinfo (both installed
by .ci/run). Without them these tests skip, unless NELM_REQUIRE_BROWSER=1 (set by CI) makes a
missing tool a failure."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases"
WHIPPLE = str(CASES / "whipple-arterial.yaml")
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")
PDFINFO = shutil.which("pdfinfo")


def brief(nelm, *args: str) -> str:
    r = nelm("brief", *args, evidence=None)
    assert r.code == 0, r.stderr
    return r.stdout


def cited_numbers(text: str) -> list[int]:
    """Citation numbers in order of appearance, from '[1, 2]' groups (Markdown) or '#rN' links (HTML)."""
    if "<html" in text:
        body = text.split('<ol class="refs">')[0]
        return [int(n) for n in re.findall(r'href="#r(\d+)"', body)]
    body = text.split("## References")[0]
    return [int(n) for group in re.findall(r"\[(\d+(?:, \d+)*)\]", body) for n in group.split(", ")]


def first_appearances(numbers: list[int]) -> list[int]:
    seen: list[int] = []
    for n in numbers:
        if n not in seen:
            seen.append(n)
    return seen


# -- Markdown ------------------------------------------------------------------------------------
def test_markdown_brief_has_every_part_and_numbers_citations_in_order(nelm):
    md = brief(nelm, "tace", "rfa")
    assert md.startswith("# Tumour-board brief: TACE vs RFA\n")
    for heading in (
        "## Summary of findings (NET-specific evidence)",
        "## Head-to-head",
        "## Key risks",
        "## Disclaimer",
        "## References",
    ):
        assert f"\n{heading}\n" in md
    assert "nelm 0." in md and "TACE: searched 2026-11-30" in md
    cited = cited_numbers(md)
    refs = re.findall(r"^(\d+)\. ", md.split("## References")[1], re.M)
    assert first_appearances(cited) == list(range(1, len(refs) + 1))  # [1] first, then [2], ...
    assert [int(n) for n in refs] == list(range(1, len(refs) + 1))
    for line in md.split("## References")[1].strip().splitlines():
        assert "doi:" in line or "PMID:" in line or "Available from:" in line, line


def test_markdown_is_commonmark_with_pipe_tables_and_no_html(nelm):
    from markdown_it import MarkdownIt

    md = brief(nelm, "tace", "radioembolization", "-p", WHIPPLE)
    assert not re.search(r"<[A-Za-z/!?]", md), "raw HTML in the Markdown brief"
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(md)
    assert sum(t.type == "table_open" for t in tokens) == 2  # the options and the summary of findings
    assert not any(t.type in ("html_block", "html_inline") for t in tokens)
    html = parser.render(md)
    assert "<table>" in html and "&lt;" not in html.replace("&lt;0", "")  # nothing needed escaping as HTML
    # every table row has as many cells as its header
    for block in md.split("\n\n"):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:
            widths = {len(re.split(r"(?<!\\)\|", r)) for r in rows}
            assert len(widths) == 1, block


def test_a_profile_adds_the_case_the_verdicts_and_this_patients_risks_first(nelm):
    md = brief(nelm, "tace", "radioembolization", "-p", WHIPPLE)
    assert "\n## Case\n" in md and "bilioenteric_anastomosis: yes" in md
    assert "| Y-90 | candidate |" in md and "| TACE | caution |" in md
    risks = md.split("## Key risks")[1].split("##")[0].strip().splitlines()
    assert risks[0].startswith("- This patient: ")  # this patient's factors before the general risks
    assert any(
        x.startswith("- This patient: TACE, with a bilioenteric anastomosis: No NET-specific figure") for x in risks
    )
    assert any(x.startswith("- This patient: Y-90, with a bilioenteric anastomosis:") for x in risks)
    patient = [i for i, x in enumerate(risks) if x.startswith("- This patient: ")]
    assert patient == list(range(len(patient))) and len(risks) > len(patient)


def test_with_a_profile_and_no_modality_the_brief_summarises_the_most_suitable(nelm):
    md = brief(nelm, "-p", WHIPPLE)
    assert md.startswith("# Tumour-board brief: Liver transplantation vs Y-90")
    assert "The 2 most suitable options are summarised below" in md


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ((), 2, "nelm: error: brief needs modalities or a profile"),
        (("tace", "-f", "pdf"), 2, "nelm: error: unknown format 'pdf' for brief"),
        (("tace", "--paper", "a3"), 2, "nelm: error: unknown paper 'a3'"),
        (("tace", "--forest", "morbidity"), 2, "nelm: error: --forest needs -f html"),
        (("tace", "--ki67", "140"), 2, "nelm: error: --ki67: 140 is out of range"),
        (("nosuch",), 2, "nelm: error: unknown modality 'nosuch'"),
    ],
)
def test_brief_usage_errors(nelm, args, code, message):
    r = nelm("brief", *args, evidence=None)
    assert r.code == code
    assert r.stderr.startswith(message) and len(r.stderr.splitlines()) == 1


def test_an_unwritable_output_is_a_one_line_error(nelm, tmp_path):
    r = nelm("brief", "tace", "-o", str(tmp_path / "missing" / "b.md"), evidence=None)
    assert r.code == 1 and r.stderr.startswith("nelm: error: cannot write ") and len(r.stderr.splitlines()) == 1


def test_output_file_holds_the_brief(nelm, tmp_path):
    out = tmp_path / "b.md"
    r = nelm("brief", "tace", "rfa", "-o", str(out), evidence=None)
    assert r.code == 0 and r.stdout == ""
    assert out.read_text(encoding="utf-8") == brief(nelm, "tace", "rfa")


# -- HTML ----------------------------------------------------------------------------------------
def test_html_brief_parses_is_self_contained_and_cites_exactly_its_references(nelm):
    import html5lib

    page = brief(nelm, "tace", "radioembolization", "-p", WHIPPLE, "-f", "html")
    html5lib.HTMLParser(strict=True).parse(page)  # raises on any parse error
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    assert tree.find(".//script") is None and tree.find(".//link") is None and tree.find(".//img") is None
    assert tree.find(".//style") is not None and "@page" in tree.find(".//style").text
    for el in tree.iter():
        for attr in ("src", "href"):
            value = el.get(attr)
            assert value is None or value.startswith("#"), (el.tag, attr, value)
        assert not any(a.startswith("on") for a in el.attrib), el.attrib
    listed = [li.get("id") for li in tree.findall(".//ol/li")]
    cited = first_appearances(cited_numbers(page))
    assert listed == [f"r{n}" for n in range(1, len(listed) + 1)]
    assert cited == list(range(1, len(listed) + 1))  # cites every reference it lists, and no other


def test_html_brief_embeds_the_forest_plot_when_asked(nelm):
    pytest.importorskip("matplotlib")
    page = brief(nelm, "tace", "embolization", "-f", "html", "--forest", "orr")
    assert "<figure><svg" in page
    assert "<script" not in page


# -- in a real browser ------------------------------------------------------------------------------
def _pages(html_path: Path, tmp_path: Path) -> int:
    if not (CHROMIUM and PDFINFO):
        if os.environ.get("NELM_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium-headless-shell and pdfinfo are required (NELM_REQUIRE_BROWSER=1)")
        pytest.skip("chromium-headless-shell or pdfinfo not installed")
    pdf = tmp_path / (html_path.stem + ".pdf")
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            html_path.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    info = subprocess.run([PDFINFO, str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize(
    "pair", [("tace", "rfa"), ("embolization", "tace"), ("tace", "radioembolization"), ("embolization", "resection")]
)
def test_two_modalities_without_a_profile_print_on_one_page(nelm, tmp_path, paper, pair):
    path = tmp_path / f"{'-'.join(pair)}-{paper}.html"
    assert nelm("brief", *pair, "-f", "html", "--paper", paper, "-o", str(path), evidence=None).code == 0
    assert _pages(path, tmp_path) == 1


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize(
    "args",
    [
        ("-p", WHIPPLE),
        ("tace", "radioembolization", "-p", WHIPPLE),
        ("tace", "radioembolization", "-p", str(CASES / "poor-reserve.yaml")),
    ],
)
def test_with_a_profile_the_brief_prints_on_at_most_two_pages(nelm, tmp_path, paper, args):
    path = tmp_path / f"profile-{paper}.html"
    assert nelm("brief", *args, "-f", "html", "--paper", paper, "-o", str(path), evidence=None).code == 0
    assert _pages(path, tmp_path) <= 2


def test_readme_shows_the_current_match_and_brief(nelm):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    head = "$ nelm match tace radioembolization --resectable no --bilioenteric-anastomosis yes\n"
    block = readme.split(head, 1)[1].split("```", 1)[0]
    args = ("match", "tace", "radioembolization", "--resectable", "no", "--bilioenteric-anastomosis", "yes")
    assert block == nelm(*args, "-f", "table", env={"COLUMNS": "80"}, evidence=None).stdout
    block = readme.split("`nelm brief tace rfa`:\n\n```markdown\n", 1)[1].split("```", 1)[0]
    assert block == nelm("brief", "tace", "rfa", env={"SOURCE_DATE_EPOCH": "1795996800"}, evidence=None).stdout
    assert "2026-11-30 · nelm" in block


def test_a_summarising_cell_cites_its_figures_before_the_count_of_other_measures():
    from nelm.analysis.brief import Citations, _cell, marks
    from nelm.evidence.load import load

    cites = Citations(load())
    figures = [{"source": "kose-2019", "via": None}, {"source": "mazzaglia-2007", "via": None}]
    pooled = {"figure": "pooled (random effects, 2 studies); +3 more", "pooled": {"k": 2}, "figures": figures}
    text = _cell(cites, [pooled])
    pieces = marks(text)
    assert pieces[0] == ("pooled (random effects, 2 studies) ", [1, 2])
    assert pieces[1] == ("; +3 more", [])


def test_no_forest_plot_when_the_brief_summarises_no_option(nelm):
    pytest.importorskip("matplotlib")
    page = brief(nelm, "--age", "30", "-f", "html", "--forest", "orr")  # no rule fires: no option chosen
    assert "No option is a candidate for this profile" in page
    assert "<svg" not in page
