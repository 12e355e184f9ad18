"""Every relative link in README.md and docs/ leads somewhere: to a file of this repository and, where the link
names a heading (`page.md#heading`), to a heading of that page. Links inside code are not links. And the modules
and paths the descriptive pages name in code exist, so a page that still names a moved module fails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tests.conftest import REPO

PAGES = sorted([REPO / "README.md", REPO / "CHANGELOG.md", *(REPO / "docs").rglob("*.md")])
MARKDOWN = MarkdownIt("commonmark")


def _tokens(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _tokens(token.children)


def links(text: str) -> list[str]:
    """The targets of every link and image, in the order written."""
    found = []
    for token in _tokens(MARKDOWN.parse(text)):
        target = token.attrs.get("href") if token.type == "link_open" else token.attrs.get("src")
        if token.type in ("link_open", "image") and isinstance(target, str):
            found.append(target)
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    tokens = MARKDOWN.parse(page.read_text(encoding="utf-8"))
    found: set[str] = set()
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            text = "".join(child.content for child in tokens[i + 1].children or [] if child.type != "softbreak")
            base = slug(text)
            name, n = base, 1
            while name in found:  # GitHub numbers repeated headings: name, name-1, name-2
                name, n = f"{base}-{n}", n + 1
            found.add(name)
    return frozenset(found)


def broken(page: Path) -> list[str]:
    problems = []
    for target in links(page.read_text(encoding="utf-8")):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # a web address: not checked offline
        where = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
        if not where.is_relative_to(REPO):
            problems.append(f"{target}: outside the repository")
        elif not where.exists():
            problems.append(f"{target}: no such file")
        elif parts.fragment and where.suffix == ".md" and unquote(parts.fragment) not in anchors(where):
            problems.append(f"{target}: no heading #{parts.fragment} in {where.relative_to(REPO)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_every_relative_link_resolves(page: Path) -> None:
    problems = broken(page)
    assert not problems, f"{page.relative_to(REPO)}: broken links:\n" + "\n".join(problems)


def test_the_checker_finds_what_is_broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checker that passes everything is no check: a page with each kind of fault, counted by eye."""
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    (tmp_path / "there.md").write_text("# A heading, with `code`\n\n## Again\n## Again\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md) [ok](there.md#a-heading-with-code) [ok](there.md#again-1) [ok](https://example.org/x)\n"
        "[gone](missing.md) [bad anchor](there.md#nowhere) [out](../elsewhere.md)\n"
        "`[not a link](nothing.md)`\n\n```\n[nor this](nothing.md)\n```\n",
        encoding="utf-8",
    )
    assert broken(page) == [
        "missing.md: no such file",
        "there.md#nowhere: no heading #nowhere in there.md",
        "../elsewhere.md: outside the repository",
    ]


def test_the_index_links_every_page_of_docs() -> None:
    index = REPO / "docs" / "README.md"
    linked = {(index.parent / urlsplit(t).path).resolve() for t in links(index.read_text(encoding="utf-8"))}
    pages = {p.resolve() for p in (REPO / "docs").rglob("*.md") if p != index}
    assert sorted(str(p.relative_to(REPO)) for p in pages - linked) == []


FILE_SUFFIXES = {"duckdb", "sqlite", "py", "md", "csv", "toml", "json", "html"}


def code_spans(text: str) -> list[str]:
    return [t.content for t in _tokens(MARKDOWN.parse(text)) if t.type == "code_inline"]


def missing_code(page: Path, repo: Path = REPO) -> list[str]:
    """Modules (`scrutiny.a.b`, `scrutiny.a.b.NAME`) and repository paths (`src/...`, `tests/...`) a page names
    in code that do not exist: docs that still name a module after it moved are wrong."""
    problems = []
    for span in code_spans(page.read_text(encoding="utf-8")):
        if re.fullmatch(r"(src|tests|bench|scripts)/[\w./-]+", span):
            if not (repo / span).exists():
                problems.append(f"{span}: no such path")
        elif re.fullmatch(r"scrutiny(\.\w+)+", span) and span.rsplit(".", 1)[1] not in FILE_SUFFIXES:
            parts = span.split(".")
            for n in range(len(parts), 0, -1):
                base = repo / "src" / Path(*parts[:n])
                module = base.with_suffix(".py") if base.with_suffix(".py").exists() else base / "__init__.py"
                if module.exists():
                    break
            rest = parts[n:]
            if len(rest) > 1:
                problems.append(f"{span}: no module {'.'.join(parts[:n + 1])}")
            elif rest and not re.search(rf"^\s*(def |class |async def )?{rest[0]}\b", module.read_text("utf-8"), re.M):
                problems.append(f"{span}: {module.relative_to(repo)} defines no {rest[0]}")
    return problems


DESCRIBING = [p for p in PAGES if "how-to" not in p.parts]  # a how-to names the files its example creates


@pytest.mark.parametrize("page", DESCRIBING, ids=[str(p.relative_to(REPO)) for p in DESCRIBING])
def test_every_module_and_path_named_in_code_exists(page: Path) -> None:
    problems = missing_code(page)
    assert not problems, f"{page.relative_to(REPO)}: names that do not exist:\n" + "\n".join(problems)


def test_the_code_checker_finds_what_moved(tmp_path: Path) -> None:
    (tmp_path / "src" / "scrutiny" / "metrics").mkdir(parents=True)
    (tmp_path / "src" / "scrutiny" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "src" / "scrutiny" / "metrics" / "scope.py").write_text("ALL = 1\n\ndef resolve():\n    pass\n",
                                                                          encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("`scrutiny.metrics.scope` `scrutiny.metrics.scope.resolve` `scrutiny.metrics.scope.ALL` "
                    "`scrutiny.duckdb` `src/scrutiny/metrics/scope.py`\n`scrutiny.metrics.scope.gone` "
                    "`scrutiny.months.label` `src/scrutiny/months.py`\n", encoding="utf-8")
    assert missing_code(page, tmp_path) == [
        "scrutiny.metrics.scope.gone: src/scrutiny/metrics/scope.py defines no gone",
        "scrutiny.months.label: no module scrutiny.months",
        "src/scrutiny/months.py: no such path",
    ]
