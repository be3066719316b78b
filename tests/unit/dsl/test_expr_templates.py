"""Template parsing: text and `{{ }}` holes, WA402, and hole errors at file positions."""

from __future__ import annotations

import pytest

from wactl.diagnostics import Span
from wactl.dsl.expr import (
    MAX_HOLES,
    Attr,
    Filter,
    Hole,
    Literal,
    Name,
    TemplateNode,
    names_read,
    parse_template,
    root_fields,
    to_source,
)

AT = Span("flows/a.yaml", 12, 15)


def diags_of(src: str) -> list[tuple[str, str, str]]:
    _, diags = parse_template(src, AT)
    return [(d.code, str(d.span), d.message) for d in diags]


def test_text_and_holes() -> None:
    node, diags = parse_template('Chào {{ customer.name | default("bạn") }}!', AT)
    assert diags == []
    assert node is not None
    hole = node.parts[1]
    assert node.parts[0] == "Chào " and node.parts[2] == "!"
    assert isinstance(hole, Hole) and hole.offset == 7
    assert hole.expr == Filter(Attr(Name("customer"), "name"), "default", (Literal("bạn"),))


@pytest.mark.parametrize(("src", "parts"), [
    ("", ()),
    ("plain text", ("plain text",)),
    ("{{a}}{{b}}", (Hole(Name("a")), Hole(Name("b")))),
    ("a }} b", ("a }} b",)),
    ('{{ "}}" }}', (Hole(Literal("}}")),)),
    ("{{ '{{' }}x", (Hole(Literal("{{")), "x")),
    ("{{ x }}}", (Hole(Name("x")), "}")),
])
def test_template_shapes(src: str, parts: tuple[str | Hole, ...]) -> None:
    node, diags = parse_template(src, AT)
    assert diags == []
    assert node == TemplateNode(parts)


def test_unclosed_hole_is_wa402_at_the_braces() -> None:
    assert diags_of("Order {{ order_id is ready") == [
        ("WA402", "flows/a.yaml:12:21", "`{{` is never closed")]


def test_a_second_opening_before_closing_is_unclosed() -> None:
    assert diags_of("{{ a {{ b }}")[0][:2] == ("WA402", "flows/a.yaml:12:15")


def test_empty_hole_is_wa402() -> None:
    assert diags_of("Hi {{  }}!") == [("WA402", "flows/a.yaml:12:18", "empty `{{ }}`")]


def test_expression_errors_inside_holes_are_at_file_positions() -> None:
    src = "Line one {{ a }}\nline two {{ order.total + }} and {{ lowr(x) }}"
    _, diags = parse_template(src, AT)
    assert [(d.code, str(d.span)) for d in diags] == [
        ("WA401", "flows/a.yaml:13:27"), ("WA403", "flows/a.yaml:13:37")]
    assert parse_template(src, AT)[0] is None


def test_only_unknown_functions_keep_the_tree() -> None:
    node, diags = parse_template("{{ a | shout }}", AT)
    assert node is not None and [d.code for d in diags] == ["WA403"]


def test_too_many_holes_is_wa409() -> None:
    codes = {d.code for d in parse_template("{{ a }}" * (MAX_HOLES + 1), AT)[1]}
    assert codes == {"WA409"}


def test_four_thousand_holes_are_one_wa409_at_the_first_hole_past_the_limit() -> None:
    node, diags = parse_template("{{ a }}" * 4_000, AT)
    assert node is None
    assert [(d.code, d.message) for d in diags] == [
        ("WA409", f"template has 4,000 `{{{{ }}}}` holes; the limit is {MAX_HOLES}")]
    assert diags[0].span.col == AT.col + len("{{ a }}") * MAX_HOLES


def test_holes_up_to_the_limit_parse() -> None:
    node, diags = parse_template("{{ a }}" * MAX_HOLES, AT)
    assert node is not None and diags == []


def test_names_read_in_a_template_are_template_offsets() -> None:
    src = "Hi {{ first }}, order {{ order.id | default(fallback) }}"
    node, _ = parse_template(src, AT)
    assert node is not None
    found = names_read(node)
    assert found == [("first", 6), ("order", 25), ("fallback", 44)]
    assert [src[off:off + len(name)] for name, off in found] == ["first", "order", "fallback"]


def test_root_fields_in_a_template() -> None:
    src = "{{ message.txt }}"
    node, _ = parse_template(src, AT)
    assert node is not None
    assert root_fields(node) == [("message", "txt", 11)]


def test_template_to_source_round_trips() -> None:
    src = "Hi {{ customer.name | default(\"bạn\") }}, total {{ a + b }}."
    node, _ = parse_template(src, AT)
    assert node is not None
    assert to_source(node) == src
    assert parse_template(to_source(node), AT)[0] == node
