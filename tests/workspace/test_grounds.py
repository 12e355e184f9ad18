"""The grounds classifier: tricky phrasings and their evidence, safe highlighting, the labelled set, the CLI."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from scrutiny.workspace.grounds import GroundsClass, classify, highlight

LABELLED = Path(__file__).resolve().parent / "data" / "grounds_labelled.csv"

TRICKY = {
    # filler around a smell-only ground
    "Male stopped as strong smell of cannabis coming from him": ("smell_only", ("smell of cannabis",)),
    "Smelt strongly of cannabis": ("smell_only", ("Smelt strongly of cannabis",)),
    "Cannabis could be smelt coming from the car": ("smell_only", ("Cannabis could be smelt",)),
    "Smell of cannabis smoke coming from the car": ("smell_only", ("Smell of cannabis smoke",)),
    # misspellings
    "strong smel of canabis from car": ("smell_only", ("smel of canabis",)),
    "Smellt of cannabas": ("smell_only", ("Smellt of cannabas",)),
    "odor of herbal cannabis": ("smell_only", ("odor of herbal cannabis",)),
    # denied factors, and words that only look like factors
    "Strong smell of cannabis, male was not nervous and answered all questions": ("smell_only", ("smell of cannabis",)),
    "Strong smell of cannabis from the male. Male stated he had not smoked cannabis": (
        "smell_only", ("smell of cannabis",)),
    "Whilst dealing with a minor traffic matter officers could smell cannabis in the car": (
        "smell_only", ("smell cannabis",)),
    # smell plus
    "Strong smell of cannabis and was seen to pass a package to another male": (
        "smell_plus", ("smell of cannabis", "seen to pass a package")),
    "Smell of cannabis and male was in a known drug area": ("smell_plus", ("Smell of cannabis", "known drug area")),
    "Smell of cannabis. Male became nervous and tried to walk away": (
        "smell_plus", ("Smell of cannabis", "nervous", "tried to walk away")),
    "No smell of cannabis from the driver but a strong smell of cannabis from the passenger, who was nervous": (
        "smell_plus", ("No smell of cannabis", "smell of cannabis", "nervous")),
    # negations and smells that are not a smell ground
    "Could not smell cannabis but male was seen throwing a bag into a bush": (
        "no_smell", ("Could not smell cannabis", "throwing")),
    "Smell of cannabis was not present. Male was seen to hand over a package": (
        "no_smell", ("Smell of cannabis was not present", "seen to hand over", "package")),
    "Without any smell of cannabis, male was seen hiding something in a wall": (
        "no_smell", ("Without any smell of cannabis", "hiding")),
    "Search not based on smell of cannabis; male seen passing wraps": (
        "no_smell", ("not based on smell of cannabis", "seen passing wraps")),
    "Male smelt of alcohol and was seen damaging cars": ("no_smell", ()),
    "Passive drugs dog gave a positive indication for the scent of drugs on the male": ("no_smell", ()),
}


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_cases_with_their_evidence(text: str) -> None:
    grounds_class, evidence = TRICKY[text]
    grounds = classify(text)
    assert (grounds.grounds_class, grounds.evidence) == (grounds_class, evidence)
    assert tuple(text[s.start : s.end] for s in grounds.spans) == grounds.evidence


def test_span_kinds_say_which_words_are_smell_factor_or_negated() -> None:
    text = "No smell of cannabis from the driver but a strong smell of cannabis from the passenger, who was nervous"
    assert [(text[s.start : s.end], s.kind) for s in classify(text).spans] == [
        ("No smell of cannabis", "negated"), ("smell of cannabis", "smell"), ("nervous", "factor")]


def test_blank_text_is_no_smell() -> None:
    assert classify("   ") == classify("")
    assert classify("").grounds_class is GroundsClass.no_smell
    assert classify("").evidence == ()


def test_highlight_escapes_everything_and_marks_the_spans() -> None:
    text = 'Smell of cannabis <script>alert("x")</script> & male nervous'
    assert highlight(text) == (
        '<mark class="smell">Smell of cannabis</mark> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; '
        '&amp; male <mark class="factor">nervous</mark>'
    )


def test_highlight_escapes_inside_a_mark_and_shows_negated_smells() -> None:
    html = highlight('Strong "smell" of <b>cannabis</b>. No smell of weed, male <img src=x onerror=alert(1)>')
    assert html == ('Strong &quot;<mark class="smell">smell&quot; of &lt;b&gt;cannabis</mark>&lt;/b&gt;. '
                    '<mark class="negated">No smell of weed</mark>, male &lt;img src=x onerror=alert(1)&gt;')
    assert "<" not in re.sub(r'</?mark(?: class="\w+")?>', "", html)


def _labelled() -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_labelled_set_is_what_the_readme_says() -> None:
    rows = _labelled()
    counts = Counter(r["label"] for r in rows)
    assert len(rows) >= 220
    assert len({r["id"] for r in rows}) == len(rows)
    assert set(counts) == {c.value for c in GroundsClass}
    assert all(counts[c] >= 0.25 * len(rows) for c in counts), counts
    assert all(r["grounds"] and r["note"] for r in rows)


def test_precision_and_recall_on_the_labelled_set() -> None:
    confusion: Counter[tuple[str, str]] = Counter()
    for row in _labelled():
        confusion[row["label"], classify(row["grounds"]).grounds_class.value] += 1
    classes = [c.value for c in GroundsClass]
    table = "\n".join(f"{a:>10} {[confusion[a, b] for b in classes]}" for a in classes)
    for c in classes:
        predicted = sum(confusion[a, c] for a in classes)
        actual = sum(confusion[c, b] for b in classes)
        precision, recall = confusion[c, c] / predicted, confusion[c, c] / actual
        floor = 0.9 if c == "smell_only" else 0.85
        assert precision >= floor and recall >= floor, f"{c}: precision {precision:.3f} recall {recall:.3f}\n{table}"


# --- the CLI ---------------------------------------------------------------------------------------------------

ROWS = [
    ["id", "date", "grounds", "officer"],
    ["1", "2024-05-01", "Strong smell of cannabis coming from vehicle", "PC 1"],
    ["2", "2024-05-01", "Smell of cannabis, male was nervous", "PC 2"],
    ["3", "2024-05-02", "Strong smell of cannabis\ncoming from the male,\nwho then ran off", "PC 3"],
    ["4", "2024-05-03", "No smell of cannabis; male seen passing a package", "PC 4"],
    ["5", "2024-05-03", "", "PC 5"],
]
EXPECTED = [
    ("smell_only", "smell of cannabis"),
    ("smell_plus", "Smell of cannabis; nervous"),
    ("smell_plus", "smell of cannabis; ran off"),
    ("no_smell", "No smell of cannabis; seen passing a package"),
    ("no_smell", ""),
]


def _write_csv(path: Path, rows: list[list[str]], *, bom: bool = False) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), encoding="utf-8", newline="")
    return path


def _parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _invoke(cli: Callable[..., object], *args: str | Path, ok: bool = True) -> Result:
    result = cli("grounds", "classify", *args, ok=ok)
    assert isinstance(result, Result)
    return result


def test_cli_adds_two_columns_and_keeps_everything_else(tmp_path: Path, cli: Callable[..., object]) -> None:
    source = _write_csv(tmp_path / "searches.csv", ROWS, bom=True)
    result = _invoke(cli, source)
    out = _parse(result.stdout)
    assert out[0] == [*ROWS[0], "grounds_class", "evidence"]
    assert [row[:4] for row in out[1:]] == ROWS[1:]  # other columns, order, the multi-line field intact
    assert [tuple(row[4:]) for row in out[1:]] == EXPECTED
    summary = re.sub(r"\s+", " ", result.stderr)
    for name, n in (("smell_only", 1), ("smell_plus", 2), ("no_smell", 2)):
        assert re.search(rf"{name}\W+{n}\b", summary), summary
    assert "1 searches have no grounds text" in summary


def test_cli_out_writes_a_file_not_stdout(tmp_path: Path, cli: Callable[..., object]) -> None:
    source = _write_csv(tmp_path / "searches.csv", ROWS)
    target = tmp_path / "classified.csv"
    result = _invoke(cli, source, "--out", target)
    assert result.stdout == ""
    assert _parse(target.read_text(encoding="utf-8")) == _parse(_invoke(cli, source).stdout)


def test_cli_other_column_name_and_rerun_refills(tmp_path: Path, cli: Callable[..., object]) -> None:
    rows = [["Reason", "Ref"], ["Smelt of canabis, admitted smoking", "A1"]]
    first = _invoke(cli, _write_csv(tmp_path / "a.csv", rows), "--column", "Reason").stdout
    assert _parse(first) == [["Reason", "Ref", "grounds_class", "evidence"],
                             ["Smelt of canabis, admitted smoking", "A1", "smell_plus", "Smelt of canabis; admitted"]]
    again = _invoke(cli, _write_csv(tmp_path / "b.csv", _parse(first)), "--column", "Reason").stdout
    assert _parse(again) == _parse(first)


def test_cli_missing_column_names_the_column_and_file(tmp_path: Path, cli: Callable[..., object]) -> None:
    source = _write_csv(tmp_path / "searches.csv", ROWS)
    result = _invoke(cli, source, "--column", "Grounds for search", ok=False)
    assert result.exit_code == 1
    message = result.stderr.replace("\n", "")
    assert "'Grounds for search'" in message and str(source) in message
    assert "id, date, grounds, officer" in message
    assert result.stdout == ""


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty file"),
    (b"grounds\nSmell of cannabis\n\xff\xfe\n", "not UTF-8"),
    (b"id,grounds\n1,Smell of cannabis,extra\n", "line 2: 3 fields but the header has 2"),
])
def test_cli_refuses_bad_files_clearly(
    content: bytes, reason: str, tmp_path: Path, cli: Callable[..., object]
) -> None:
    source = tmp_path / "bad.csv"
    source.write_bytes(content)
    result = _invoke(cli, source, ok=False)
    assert result.exit_code == 1
    assert str(source) in result.stderr.replace("\n", "") and reason in result.stderr


def test_cli_missing_file(tmp_path: Path, cli: Callable[..., object]) -> None:
    result = _invoke(cli, tmp_path / "nope.csv", ok=False)
    assert result.exit_code == 1
    assert "nope.csv: no such file" in result.stderr.replace("\n", "")
