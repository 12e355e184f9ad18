"""The report: a metrics document laid out as one self-contained HTML page (and a PDF of it)."""

from scrutiny.report.build import render, write_report

__all__ = ["render", "write_report"]
