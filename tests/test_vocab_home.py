"""The groups and the purpose the figures single out are named in scrutiny.vocab, not written as words in the code
that compares with them: a comparison with "White", "Black" or "drugs" (or a default argument of one) outside
`scrutiny.vocab`, or one inside a template's tags, fails here. Data values (the synthetic generator's columns,
the workspace's enum, the API's Literal types) are not comparisons and pass."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "scrutiny"
WORDS = {"White", "Black", "drugs"}
TAG = re.compile(r"\{[{%](.*?)[%}]\}", re.DOTALL)
# Not the group or the purpose, though the same word: a key of something else, or data.
OTHER_MEANINGS = {
    ("bias/threshold_test.py", "Black"), ("bias/threshold_test.py", "White"),  # `simulate`'s made-up groups
    ("web/pages/forces.py", "drugs"),  # the forces table's column (and `?sort=`) key for the drugs share
    ("workspace/disposal_policy.py", "drugs"),  # a policy condition's key: the drugs the person had
}


def _words(node: ast.AST) -> set[str]:
    """The singled-out words `node` holds as a constant, or as a member of a literal tuple, list or set."""
    if isinstance(node, ast.Constant) and node.value in WORDS:
        return {str(node.value)}
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return set().union(*(_words(e) for e in node.elts)) if node.elts else set()
    return set()


def literal_comparisons(source: str) -> list[tuple[int, str]]:
    """(line, word) of each comparison with a singled-out word, and of each default argument that is one."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                found += [(node.lineno, w) for w in _words(side)]
        elif isinstance(node, ast.arguments):
            for default in (*node.defaults, *node.kw_defaults):
                if default is not None:
                    found += [(default.lineno, w) for w in _words(default)]
        elif isinstance(node, ast.Call):  # pop.total("White"), by_group.get("Black")
            found += [(node.lineno, w) for a in node.args if isinstance(a, ast.Constant) for w in _words(a)]
    return found


def template_words(text: str) -> list[str]:
    return [m.group(1).strip() for m in TAG.finditer(text)
            if any(f'"{w}"' in m.group(1) or f"'{w}'" in m.group(1) for w in WORDS)]


def test_the_check_sees_each_kind_of_literal() -> None:
    assert [w for _, w in literal_comparisons('if g == "White":\n    pass')] == ["White"]
    assert sorted(w for _, w in literal_comparisons('x = group in ("Black", "White")')) == ["Black", "White"]
    assert [w for _, w in literal_comparisons('def f(group: str = "Black") -> None: ...')] == ["Black"]
    assert [w for _, w in literal_comparisons('n = pop.total("White")')] == ["White"]
    assert literal_comparisons('OFFICER = ["", "Asian", "Black"]\nrow = {"drugs": 1}') == []
    assert template_words('{% if r.group == "White" %}x{% endif %}') == ['if r.group == "White"']
    assert template_words("<p>Black people</p>{{ reference }}") == []


def test_no_module_outside_vocab_compares_with_the_words() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC)
        if {"vocab", "migrations"} & set(name.parts):  # the words' home, and the workspace's frozen history
            continue
        offenders += [f"{name}:{line}: {word!r}" for line, word in literal_comparisons(path.read_text(encoding="utf-8"))
                      if (name.as_posix(), word) not in OTHER_MEANINGS]
    assert offenders == [], "use vocab.ethnicity.REFERENCE / HEADLINE_GROUP or vocab.objects.DRUGS:\n" + "\n".join(
        offenders)


def test_no_template_writes_the_words_in_its_tags() -> None:
    offenders = []
    for path in sorted([*SRC.rglob("*.html"), *SRC.rglob("*.j2")]):
        offenders += [f"{path.relative_to(SRC)}: {tag}" for tag in template_words(path.read_text(encoding="utf-8"))]
    assert offenders == [], "use the Jinja globals reference, headline_group, compared, drugs:\n" + "\n".join(
        offenders)
