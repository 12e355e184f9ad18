"""The standard-library .ods reader used to check the use-of-force loader, on a workbook written by hand here."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.ods_cells import Cell, read_ods

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')

# Sheet "T": row 1 a title; row 2 empty (repeated twice, so the header is row 4); row 4 headers with a merged
# cell (spanned 2, then a covered cell) and a heading with two spaces (text:s) and a line break; row 5 a
# formatted number, a repeated ':' marker, a text cell, an annotated number; then two identical repeated rows;
# trailing blanks repeated as real sheets have them (16,384 columns, a million rows).
CONTENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {NS} office:version="1.2"><office:body><office:spreadsheet>
<table:table table:name="T">
 <table:table-column table:number-columns-repeated="5"/>
 <table:table-header-rows>
  <table:table-row>
   <table:table-cell office:value-type="string"><text:p>Table 12. <text:span>Incidents</text:span></text:p>
   </table:table-cell>
   <table:table-cell table:number-columns-repeated="16383"/>
  </table:table-row>
 </table:table-header-rows>
 <table:table-row table:number-rows-repeated="2">
  <table:table-cell table:number-columns-repeated="16384"/>
 </table:table-row>
 <table:table-row>
  <table:table-cell table:number-columns-spanned="2" office:value-type="string">
   <text:p>Police force</text:p>
  </table:table-cell>
  <table:covered-table-cell/>
  <table:table-cell office:value-type="string">
   <text:p>Under<text:s text:c="2"/>11</text:p><text:p>years</text:p>
  </table:table-cell>
  <table:table-cell table:number-columns-repeated="2"/>
  <table:table-cell office:value-type="string"><text:p>Total<text:line-break/>(R)</text:p></table:table-cell>
  <table:table-cell table:number-columns-repeated="16378"/>
 </table:table-row>
 <table:table-row>
  <table:table-cell office:value-type="float" office:value="129729"><text:p>129,729</text:p></table:table-cell>
  <table:table-cell table:number-columns-repeated="3" office:value-type="string"><text:p>:</text:p>
  </table:table-cell>
  <table:table-cell office:value-type="float" office:value="7">
   <office:annotation><text:p>a note</text:p></office:annotation><text:p>7</text:p>
  </table:table-cell>
  <table:table-cell office:value-type="percentage" office:value="0.25"><text:p>25%</text:p></table:table-cell>
 </table:table-row>
 <table:table-row table:number-rows-repeated="2">
  <table:table-cell office:value-type="float" office:value="0"><text:p>0</text:p></table:table-cell>
 </table:table-row>
 <table:table-row table:number-rows-repeated="1048000">
  <table:table-cell table:number-columns-repeated="16384"/>
 </table:table-row>
</table:table>
<table:table table:name="Empty"><table:table-row><table:table-cell/></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>
"""


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", CONTENT)
    return path


def test_sheets_in_order_and_rows_as_a_spreadsheet_numbers_them(workbook: Path) -> None:
    sheets = read_ods(workbook)
    assert list(sheets) == ["T", "Empty"]
    t = sheets["T"]
    assert len(t.rows) == 7  # trailing blank rows are not materialised
    assert t.cell(1, 1) == Cell("Table 12. Incidents")
    assert t.texts(2) == [] and t.texts(3) == []


def test_merged_and_repeated_cells_keep_columns_in_place(workbook: Path) -> None:
    t = read_ods(workbook)["T"]
    assert t.texts(4) == ["Police force", "", "Under  11\nyears", "", "", "Total\n(R)"]
    assert t.cell(4, 6).text == "Total\n(R)"


def test_numbers_come_from_office_value_and_markers_stay_text(workbook: Path) -> None:
    t = read_ods(workbook)["T"]
    assert t.cell(5, 1) == Cell("129,729", 129729.0)
    assert [t.cell(5, c) for c in (2, 3, 4)] == [Cell(":")] * 3
    assert t.cell(5, 5) == Cell("7", 7.0)  # the annotation's text is not the cell's
    assert t.cell(5, 6) == Cell("25%", 0.25)
    assert t.cell(6, 1) == t.cell(7, 1) == Cell("0", 0.0)
    assert t.cell(8, 1).empty and t.cell(5, 99).empty and t.cell(0, 1).empty
