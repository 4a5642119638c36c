"""Workshop summary downloads, each opened again with the real library that reads its format."""

from __future__ import annotations

import csv
import io
import json
import logging
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import cast

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from workshop import i18n
from workshop.pages import build_environment
from workshop.reports import FORMATS, Download, chart, content_disposition, render, slug
from workshop.reports.model import ActionLine, NoteLine, PromptSection, ThemeLine, WorkshopSummary
from workshop.reports.tables import display_date

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

SAMI_AUTHOR = "Máret Ŋuolja"
SAMI_LETTERS = "ä ö å š ž č đ ŋ ŧ á Ä Ö Å Š Ž Č Đ Ŋ Ŧ Á"
FORMULA = "=SUM(1,2)"
MULTILINE = "Työkokeilu ensin,\nsitten palkkatuki"
QUOTED = 'Mentorit; "kokemusasiantuntijat" mukaan'
SWEDISH = "Språkstöd på svenska behövs också"


def _note(
    nid: int, prompt: int, group: str, text: str, author: str | None, theme: tuple[int, str] | None
) -> NoteLine:
    return NoteLine(
        nid,
        prompt,
        group,
        text,
        author,
        theme and theme[0],
        theme and theme[1],
        f"2026-11-20T09:{nid:02d}:00.000Z",
    )


KOHTAAMO = (11, "Kohtaamo ja matala kynnys")
POLUT = (12, "Työllistymisen polut")
KIELI = (21, "Kieli ja saavutettavuus")

NOTES = [
    _note(
        1, 1, "Ryhmä Äänekoski", "Kohtaamo, johon pääsee ilman ajanvarausta", SAMI_AUTHOR, KOHTAAMO
    ),
    _note(
        2,
        1,
        "Ryhmä Äänekoski",
        "Matala kynnys: ei lomakkeita ensimmäisellä käynnillä",
        None,
        KOHTAAMO,
    ),
    _note(3, 1, "Grupp Vasa", MULTILINE, "Åsa Öberg", POLUT),
    _note(4, 1, "Grupp Vasa", QUOTED, None, POLUT),
    _note(5, 1, "Ryhmä Äänekoski", FORMULA, None, None),
    replace(_note(6, 2, "Grupp Vasa", SWEDISH, "Åsa Öberg", KIELI), lang="sv"),  # as stored
    _note(7, 2, "Sámi joavku", f"Sámegiella: {SAMI_LETTERS}", SAMI_AUTHOR, KIELI),
]


def make_summary(language: str = "fi") -> WorkshopSummary:
    kohtaamo = ThemeLine(
        KOHTAAMO[0],
        KOHTAAMO[1],
        ["kohtaamo", "ajanvaraus", "kynnys"],
        2,
        9,
        ["Ryhmä Äänekoski"],
        [NOTES[0].text, NOTES[1].text],
        [
            ActionLine("Avataan kokeilukohtaamo kirjastoon", "Äänekosken kaupunki", "2026-12-31"),
            ActionLine("Selvitetään rahoitus", None, None),
        ],
    )
    polut = ThemeLine(
        POLUT[0],
        POLUT[1],
        ["työkokeilu", "palkkatuki", "mentori"],
        2,
        4,
        ["Grupp Vasa"],
        [MULTILINE, QUOTED],
    )
    kieli = ThemeLine(
        KIELI[0],
        KIELI[1],
        ["svenska", "sámegiella"],
        2,
        6,
        ["Grupp Vasa", "Sámi joavku"],
        [SWEDISH, NOTES[6].text],
        [ActionLine("Saamenkielinen palvelu Utsjoelle", "Sámediggi", "2027-03-01")],
    )
    return WorkshopSummary(
        workshop_id="w-1",
        title="Työllisyyden kuntakokeilu: Äänekoski & Vaasa",
        language=language,
        created_at="2026-11-20T08:00:00.000Z",
        generated_at="2026-11-20T12:30:00.000Z",
        groups=["Ryhmä Äänekoski", "Grupp Vasa", "Sámi joavku"],
        participant_count=14,
        prompts=[
            PromptSection(1, "Miten palvelut löytävät nuoret?", [kohtaamo, polut], [NOTES[4]]),
            PromptSection(2, "Mitä kielellä on väliä?", [kieli], []),
        ],
        notes=NOTES,
    )


@cache
def download(fmt: str) -> Download:
    return render(make_summary(), fmt)


def series_summary() -> WorkshopSummary:
    """A comparison of two workshops: one theme both raised, one only Vaasa did."""
    workshops = ["Äänekoski", "Vaasa"]
    common = ThemeLine(1, "kohtaamo", ["kohtaamo"], 5, 0, workshops, [], counts=[3, 2])
    local = ThemeLine(2, "språk", ["språk"], 2, 0, ["Vaasa"], [], counts=[0, 2])
    themes = [replace(common, spread="common"), replace(local, spread="local")]
    return replace(
        make_summary(),
        groups=workshops,
        prompts=[PromptSection(0, "Työpajasarjan kaikki muistiinpanot", themes, [])],
        notes=[replace(n, group=workshops[i % 2]) for i, n in enumerate(NOTES)],
        of_series=True,
    )


def test_a_series_download_compares_its_workshops_in_every_format() -> None:
    summary = series_summary()
    book = load_workbook(io.BytesIO(render(summary, "xlsx").content))
    assert book.sheetnames == ["Vertailu", "Muistiinpanot"]  # no votes, no actions in a series
    table = [list(r) for r in book["Vertailu"].iter_rows(values_only=True)]
    assert table == [
        ["Teema", "Äänekoski", "Vaasa", "Yhteensä", "Levinneisyys"],
        ["kohtaamo", 3, 2, 5, "Yhteinen"],
        ["språk", 0, 2, 2, "Paikallinen"],
    ]
    notes = [list(r) for r in book["Muistiinpanot"].iter_rows(values_only=True)]
    assert notes[0] == ["Työpaja", "Teema", "Muistiinpano", "Kirjoittaja", "Luotu"]
    markdown = render(summary, "md").content.decode()
    assert (
        "| Teema | Avainsanat | Muistiinpanot | Levinneisyys | Muistiinpanot työpajoittain |"
        in markdown
    )
    assert "| kohtaamo | kohtaamo | 5 | Yhteinen | Äänekoski 3, Vaasa 2 |" in markdown
    assert "Äänet" not in markdown
    rows = list(
        csv.reader(io.StringIO(render(summary, "csv").content.decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0] == ["Työpaja", "Teema", "Muistiinpano", "Kirjoittaja", "Luotu"]
    words = [
        c.text
        for t in Document(io.BytesIO(render(summary, "docx").content)).tables
        for c in t._cells
    ]
    assert "Levinneisyys" in words and "Äänekoski 3, Vaasa 2" in words and "Äänet" not in words
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(render(summary, "pdf").content)).pages
    )
    assert "Paikallinen" in text and "Vaasa 2" in text
    themes = json.loads(render(summary, "json").content)["prompts"][0]["themes"]
    assert [t["counts"] for t in themes] == [[3, 2], [0, 2]]
    assert [t["spread"] for t in themes] == ["common", "local"]  # as the series API says it
    titled = replace(summary, groups=["=HYPERLINK(1)", "Vaasa"])
    header = load_workbook(io.BytesIO(render(titled, "xlsx").content))["Vertailu"]["B1"]
    assert (header.value, header.data_type) == ("=HYPERLINK(1)", "s")  # a title, not a formula


def test_formats_and_downloads() -> None:
    assert FORMATS == ("md", "csv", "json", "docx", "xlsx", "pdf")
    media = {fmt: download(fmt).media_type for fmt in FORMATS}
    assert media["pdf"] == "application/pdf"
    assert media["docx"].endswith("wordprocessingml.document")
    assert media["xlsx"].endswith("spreadsheetml.sheet")
    assert (
        download("csv").filename
        == "talkoot-tyollisyyden-kuntakokeilu-aanekoski-vaasa-2026-11-20.csv"
    )
    assert slug("Máret Ŋuolja / Đ") == "maret-nuolja-d"
    assert slug("!!!") == "workshop"


def test_content_disposition_ascii_and_utf8() -> None:
    header = content_disposition(download("docx"))
    assert header.startswith('attachment; filename="talkoot-tyollisyyden-kuntakokeilu-')
    assert "filename*=UTF-8''talkoot-Ty%C3%B6llisyyden%20kuntakokeilu" in header
    header.encode("ascii")  # a header value must be plain ASCII
    assert "\n" not in header and "/" not in header.split("filename*=")[1]
    # A right-to-left override in a title would make "…fdp.exe" show as "…exe.pdf".
    spoofing = replace(make_summary(), title="Raportti\u202efdp.exe\u200b")
    utf8_name = content_disposition(render(spoofing, "md")).split("filename*=UTF-8''")[1]
    assert utf8_name == "talkoot-Raportti%20fdp.exe-2026-11-20.md"
    team = replace(make_summary(), title="Tiimi \U0001f469\u200d\U0001f4bb")  # one emoji, joined
    assert "%E2%80%8D" in content_disposition(render(team, "md"))


def test_unknown_format_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match="unknown download format 'odt'.*md, csv, json"):
        render(make_summary(), "odt")


def test_render_keeps_the_callers_language() -> None:
    i18n.use_language("sv")
    render(make_summary("en"), "md")
    assert i18n.current_language() == "sv"


def test_csv_opens_in_finnish_excel_shape() -> None:
    raw = download("csv").content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    # Headings in the workshop's language (the fixture is Finnish).
    assert rows[0] == [
        "Kysymys",
        "Ryhmä",
        "Teema",
        "Muistiinpano",
        "Kirjoittaja",
        "Luotu",
        "Teeman äänet",
    ]
    body = rows[1:]
    assert len(body) == len(NOTES)
    assert all(len(row) == 7 for row in body)
    first = body[0]
    assert first == [
        "Miten palvelut löytävät nuoret?",
        "Ryhmä Äänekoski",
        KOHTAAMO[1],
        NOTES[0].text,
        SAMI_AUTHOR,
        "2026-11-20 11:01",  # Helsinki time (09:01 UTC), as Excel reads it in any locale
        "9",
    ]
    assert body[1][4] == ""  # anonymous
    assert body[2][3] == MULTILINE  # newline kept inside the quoted field
    assert body[3][3] == QUOTED
    assert body[4][3] == "'" + FORMULA and body[4][2] == "" and body[4][6] == ""
    assert body[6][3].endswith(SAMI_LETTERS)


def test_json_round_trip() -> None:
    data = json.loads(download("json").content.decode("utf-8"))
    assert data["format_version"] == 2
    assert data["participant_count"] == 14
    assert len(data["notes"]) == len(NOTES)
    themes = [t for p in data["prompts"] for t in p["themes"]]
    assert [(t["label"], t["size"], t["votes"]) for t in themes] == [
        (KOHTAAMO[1], 2, 9),
        (POLUT[1], 2, 4),
        (KIELI[1], 2, 6),
    ]
    assert data["notes"][1]["author"] is None
    assert SAMI_AUTHOR in download("json").content.decode("utf-8")  # ensure_ascii off


def test_docx_headings_table_and_actions() -> None:
    document = Document(io.BytesIO(download("docx").content))
    styled = [(p.style.name if p.style else "", p.text) for p in document.paragraphs]
    headings = [(name, text) for name, text in styled if name.startswith(("Heading", "Title"))]
    assert ("Title", make_summary().title) in headings
    assert ("Heading 1", "Miten palvelut löytävät nuoret?") in headings
    assert ("Heading 2", KIELI[1]) in headings
    assert len(document.tables) == 2
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert rows[0] == ["Teema", "Avainsanat", "Muistiinpanot", "Äänet", "Ryhmät"]
    assert rows[1] == [KOHTAAMO[1], "kohtaamo, ajanvaraus, kynnys", "2", "9", "Ryhmä Äänekoski"]
    assert rows[2][0] == POLUT[1] and rows[2][3] == "4"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Avataan kokeilukohtaamo kirjastoon — Äänekosken kaupunki, 31. joulukuuta 2026" in text
    assert "Saamenkielinen palvelu Utsjoelle — Sámediggi" in text
    assert MULTILINE in text and QUOTED in text
    assert "Teemattomia muistiinpanoja: 1" in text
    # A Swedish note in the Finnish summary: Word checks its spelling, and reads it, in Swedish.
    swedish = next(p for p in document.paragraphs if p.text == SWEDISH)
    assert swedish.runs[0]._r.rPr.find(qn("w:lang")).get(qn("w:val")) == "sv-FI"
    finnish = next(p for p in document.paragraphs if p.text == NOTES[0].text)
    assert finnish.runs[0]._r.rPr is None  # in the document's language
    pictures = document.inline_shapes
    assert len(pictures) == 2
    description = pictures[0]._inline.docPr.get("descr")
    assert "Kohtaamo ja matala kynnys: 2 muistiinpanoa, 9 ääntä" in description


def test_the_summary_page_marks_typical_notes_with_their_stored_language() -> None:
    i18n.use_language("fi")
    template = build_environment().get_template("_summary.html")
    html = template.render(summary=make_summary(), chart=lambda _: "", formats=[], top=2, lang="fi")
    assert f'<li lang="sv">{SWEDISH}</li>' in html  # stored as Swedish
    assert f'<li lang="fi">{NOTES[0].text}</li>' in html  # nothing stored: the summary's


def test_docx_sets_a_note_in_no_theme_in_its_own_language() -> None:
    summary = make_summary()
    english = replace(NOTES[4], text="Better buses please", lang="en")
    first = replace(summary.prompts[0], unsorted=[english])
    summary = replace(summary, prompts=[first, *summary.prompts[1:]])
    document = Document(io.BytesIO(render(summary, "docx").content))
    note = next(p for p in document.paragraphs if p.text == "Better buses please")
    assert note.runs[0]._r.rPr.find(qn("w:lang")).get(qn("w:val")) == "en-GB"


@pytest.mark.parametrize(("language", "word_language"), [("fi", "fi-FI"), ("sv", "sv-FI")])
def test_docx_is_a4_in_the_summary_language_with_talkoots_own_properties(
    language, word_language
) -> None:
    """python-docx's template is US Letter, spell-checks as en-US and calls itself the author."""
    i18n.use_language(language)
    try:
        data = render(make_summary(language), "docx").content
    finally:
        i18n.use_language("fi")
    document = Document(io.BytesIO(data))
    page = document.sections[0]
    assert (round(page.page_width.cm, 1), round(page.page_height.cm, 1)) == (21.0, 29.7)
    styles = document.styles.element.xml
    assert f'w:lang w:val="{word_language}"' in styles and 'w:val="en-US"' not in styles
    properties = document.core_properties
    assert properties.language == word_language and "python-docx" not in properties.comments
    package = zipfile.ZipFile(io.BytesIO(data))
    assert "thumbnail" not in " ".join(package.namelist())
    assert b"<Application>Talkoot</Application>" in package.read("docProps/app.xml")
    header_row = document.tables[0].rows[0]._tr
    assert header_row.find(f"{{{W}}}trPr/{{{W}}}tblHeader") is not None  # repeats on each page
    # The notes in no theme sit beside the themes in Word's outline, not inside the last one.
    styled = [(p.style.name if p.style else "", p.text) for p in document.paragraphs]
    unsorted = next(name for name, text in styled if text.startswith(("Teemattomia", "Anteckn")))
    assert unsorted == "Heading 2"


def test_xlsx_three_sheets() -> None:
    book = load_workbook(io.BytesIO(download("xlsx").content))
    assert book.sheetnames == ["Teemat", "Muistiinpanot", "Toimenpiteet"]
    themes = [list(r) for r in book["Teemat"].iter_rows(values_only=True)]
    assert themes[0] == ["Kysymys", "Teema", "Avainsanat", "Muistiinpanot", "Äänet", "Ryhmät"]
    assert themes[1] == [
        "Miten palvelut löytävät nuoret?",
        KOHTAAMO[1],
        "kohtaamo, ajanvaraus, kynnys",
        2,
        9,
        "Ryhmä Äänekoski",
    ]
    assert len(themes) == 4
    notes_sheet = book["Muistiinpanot"]
    notes = [list(r) for r in notes_sheet.iter_rows(values_only=True)]
    assert len(notes) == len(NOTES) + 1
    assert notes[1][4] == SAMI_AUTHOR and notes[2][4] is None
    assert notes[5][3] == FORMULA and notes_sheet["D6"].data_type == "s"  # text, not a formula
    assert notes_sheet["D6"].quotePrefix and not notes_sheet["D5"].quotePrefix  # nor once edited
    assert notes[1][5] == datetime(2026, 11, 20, 11, 1)  # a real time, Helsinki's
    assert notes_sheet["F2"].number_format == "yyyy-mm-dd hh:mm"
    assert notes[3][3] == MULTILINE
    actions = [list(r) for r in book["Toimenpiteet"].iter_rows(values_only=True)]
    assert actions[1][:4] == [
        "Miten palvelut löytävät nuoret?",
        KOHTAAMO[1],
        "Avataan kokeilukohtaamo kirjastoon",
        "Äänekosken kaupunki",
    ]
    assert actions[1][4].date().isoformat() == "2026-12-31"
    assert actions[2][3] is None and actions[2][4] is None
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
        assert all(cell.font.bold for cell in sheet[1])
    assert notes_sheet.column_dimensions["D"].width > notes_sheet.column_dimensions["B"].width


def test_pdf_text_has_themes_votes_and_every_letter() -> None:
    content = download("pdf").content
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in (
        make_summary().title,
        KOHTAAMO[1],
        POLUT[1],
        KIELI[1],
        "9 ääntä",
        "6 ääntä",
        "Sámediggi",
        SWEDISH,
    ):
        assert expected in text, expected
    for letter in SAMI_LETTERS.split():
        assert letter in text, letter
    assert "Muistii npanot" not in text  # the column heading fits its column
    fonts: set[str] = set()
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for font in cast(DictionaryObject, resources["/Font"].get_object()).values():
            fonts.add(str(cast(DictionaryObject, font.get_object())["/BaseFont"]))
    assert fonts and all("DejaVu" in name for name in fonts)  # the vendored TTF, embedded


def test_svg_is_accessible_well_formed_xml() -> None:
    summary = make_summary()
    tricky = PromptSection(
        3,
        'Mikä <b>"toimii"</b> & miksi?',
        [ThemeLine(31, "A & B <script>", ["x"], 3, 0, ["g"], [])],
        [],
    )
    for section in [*summary.prompts, tricky, PromptSection(4, "Tyhjä", [], [])]:
        root = ET.fromstring(chart.svg(section))
        ns = "{http://www.w3.org/2000/svg}"
        assert root.get("role") == "img"
        title, desc = root.find(f"{ns}title"), root.find(f"{ns}desc")
        assert title is not None and desc is not None
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert section.text in (title.text or "")
    i18n.use_language("en")  # chart.svg speaks the current language; render() sets it
    root = ET.fromstring(chart.svg(tricky))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "A & B <script>" in texts and "3 notes" in texts and "0 votes" in texts
    rects = list(root.iter("{http://www.w3.org/2000/svg}rect"))
    assert [r.get("class") for r in rects] == [None, "notes", "votes", "notes", "votes"]
    assert [r.get("fill") for r in rects][1:] == ["#000", "#fff", "#000", "#fff"]
    assert root.find("{http://www.w3.org/2000/svg}path") is not None  # the legend's hatching


def test_names_only_when_given() -> None:
    summary = make_summary()
    named = {"Máret Ŋuolja", "Åsa Öberg"}
    for fmt in ("md", "docx", "pdf"):  # prose formats never name anybody
        blob = _text_of(fmt)
        assert not any(name in blob for name in named), fmt
    for fmt in ("csv", "json", "xlsx"):
        blob = _text_of(fmt)
        assert all(name in blob for name in named), fmt
        assert "None" not in blob, fmt
    assert sum(n.author is None for n in summary.notes) == 3


def _text_of(fmt: str) -> str:
    content = download(fmt).content
    if fmt == "docx":
        document = Document(io.BytesIO(content))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(content))
        return "\n".join(
            str(v)
            for s in book.worksheets
            for r in s.iter_rows(values_only=True)
            for v in r
            if v is not None
        )
    if fmt == "pdf":
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8-sig")


def test_prose_downloads_list_the_notes_in_no_theme() -> None:
    markdown = download("md").content.decode()
    assert "Teemattomia muistiinpanoja: 1\n\n- \\=SUM(1,2)" in markdown
    document = Document(io.BytesIO(download("docx").content))
    assert FORMULA in [p.text for p in document.paragraphs]
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(download("pdf").content)).pages
    )
    assert FORMULA in text


def test_markdown_escapes_user_text() -> None:
    text = download("md").content.decode("utf-8")
    assert text.startswith(f"# {make_summary().title}\n")
    assert (
        "| Kohtaamo ja matala kynnys | kohtaamo, ajanvaraus, kynnys | 2 | 9 | Ryhmä Äänekoski |"
        in text
    )
    assert "- Työkokeilu ensin, sitten palkkatuki" in text  # one line per bullet
    assert "- [ ] Selvitetään rahoitus" in text


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("width", [chart.WIDTH, 320.0])  # the PDF's and a phone's layout
def test_every_count_fits_beside_its_bar(language: str, width: float) -> None:
    """Measured with the font itself: "123 muistiinpanoa" was cut to "123 muistiinpano"."""
    from PIL import ImageFont

    font = ImageFont.truetype(str(chart.REGULAR_FONT), 90)  # 10x the size, for precision
    themes = [ThemeLine(1, "Iso", [], 123, 40, [], []), ThemeLine(2, "Pieni", [], 4, 123, [], [])]
    i18n.use_language(language)
    figure = chart.layout(PromptSection(1, "Kysymys", themes, []), width)
    counts = [t for t in figure.texts if t.text[0].isdigit()]
    assert len(counts) == 4
    assert all(t.x + font.getlength(t.text) / 10 <= width for t in counts), counts


def test_long_charts_split_into_page_sized_parts_on_one_scale() -> None:
    themes = [ThemeLine(i, f"Teema {i}", [], 40 - i, i, [], []) for i in range(31)]
    section = PromptSection(9, "Paljon teemoja", themes, [])
    parts = chart.pages(section)
    assert [len([t for t in p.texts if t.bold]) for p in parts] == [15, 15, 1]
    assert all(p.height < 700 for p in parts)
    whole = chart.layout(section)  # theme 15's notes bar: the same length in part and whole
    assert parts[1].rects[2] == replace(whole.rects[2 + 15 * 2], y=parts[1].rects[2].y)
    summary = make_summary()
    long = render(replace(summary, prompts=[section]), "docx")
    assert len(Document(io.BytesIO(long.content)).inline_shapes) == 3


def test_pdf_wraps_long_words_and_keeps_line_breaks() -> None:
    link = "https://tyomarkkinatori.fi/" + "polku/" * 30
    theme = ThemeLine(1, "Linkit", [], 1, 0, [], [link, "Rivi yksi\nrivi kaksi " + "sana " * 60])
    summary = replace(make_summary(), prompts=[PromptSection(1, "Linkit", [theme], [])])
    reader = PdfReader(io.BytesIO(render(summary, "pdf").content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "https://tyomarkkinatori.fi/polku/" in text
    assert "Rivi yksi\nrivi kaksi" in text


def test_control_characters_and_emoji_do_not_break_any_format(caplog) -> None:
    theme = ThemeLine(
        1, "Hyvä 👍 idea\x0b", ["x"], 1, 1, ["g"], ["Kiitos 🙏 \x00 ok", "中文 עברית"]
    )
    note = NoteLine(1, 1, "g\x07", "Kiitos 🙏 \x00 ok", "Ä\x01", 1, "Hyvä 👍 idea", "2026-11-20")
    summary = replace(
        make_summary(),
        title="Otsikko 🎉\x00",
        prompts=[PromptSection(1, "Kysymys 💡", [theme], [])],
        notes=[note],
    )
    with caplog.at_level(logging.DEBUG):
        for fmt in FORMATS:
            assert render(summary, fmt).content, fmt
    book = load_workbook(io.BytesIO(render(summary, "xlsx").content))
    assert book["Muistiinpanot"]["D2"].value == "Kiitos 🙏  ok"
    assert "中" not in caplog.text and "🙏" not in caplog.text  # no note text in the log


def test_pdf_shows_something_for_every_character_its_font_lacks() -> None:
    """fpdf2 left out emoji and CJK silently: a note of only "👍" was an empty bullet."""
    theme = ThemeLine(1, "Tun\tteet", [], 1, 0, [], ["👍", "Hieno 🚀 idea 🇫🇮", "中文\nrivi"])
    summary = replace(make_summary(), prompts=[PromptSection(1, "Kysymys", [theme], [])])
    reader = PdfReader(io.BytesIO(render(summary, "pdf").content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "[thumbs up sign]" in text
    assert "Hieno [rocket] idea FI" in text
    assert "\u25a1\u25a1" in text
    assert text.count("\u25a1") == 2  # line breaks and tabs are no missing glyphs


def test_a_due_date_that_is_no_date_is_shown_as_it_is_not_as_today() -> None:
    i18n.use_language("fi")
    assert display_date("2026-12-31") == "31. joulukuuta 2026"
    assert display_date("2026-02-30") == "2026-02-30"  # stored before due dates were checked


@pytest.mark.parametrize(
    ("language", "written"),
    [("fi", "31. joulukuuta 2026"), ("sv", "31 december 2026"), ("en", "31 December 2026")],
)
def test_summaries_write_dates_as_their_language_does_english_not_us_style(language, written):
    i18n.use_language(language)
    try:
        assert display_date("2026-12-31") == written
    finally:
        i18n.use_language("fi")


def test_pdf_draws_right_to_left_notes_in_order() -> None:
    """Hebrew and Arabic came out reversed and unjoined before the text was shaped."""
    hebrew, arabic = "עברית היא שפה", "الحافلة لا تعمل في المساء"
    summary = make_summary()
    section = summary.prompts[1]
    theme = replace(section.themes[0], label=arabic, representatives=[hebrew, arabic])
    summary = replace(summary, prompts=[summary.prompts[0], replace(section, themes=[theme])])
    reader = PdfReader(io.BytesIO(render(summary, "pdf").content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert hebrew in text
    assert arabic in text
