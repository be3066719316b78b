"""WhatsApp limits (WA501-WA508), in every language variant."""

from __future__ import annotations

from wactl.compiler.checks import limits
from wactl.compiler.context import Context
from wactl.compiler.project import compile_project
from wactl.diagnostics import DiagnosticBag, Span
from wactl.dsl import ast

HEAD = "flow: f\nsteps:\n  - id: s\n"


def found(body: str, project: str | None = None) -> list[tuple[str, str]]:
    """(code, file:line:col) of the WA5xx diagnostics of a one-step flow."""
    sources = {"flows/f.yaml": HEAD + body}
    if project is not None:
        sources["wactl.yaml"] = project
    result = compile_project(sources)
    return [(d.code, str(d.span)) for d in result.diagnostics if d.code.startswith("WA5")]


def text(value: str, lang: str = "") -> ast.Text:
    return ast.Text(variants={lang: ast.Template(src=value, span=Span("f", 1, 1))})


def check_message(msg: ast.Message) -> list[str]:
    step = ast.SendStep(id="s", send=msg)
    ctx = Context(files=[], project=ast.Project(), bag=DiagnosticBag())
    ctx.flows["f"] = ast.Flow(id="f", steps=[step])
    limits.check(ctx)
    return [d.code for d in ctx.bag]


def test_four_buttons_points_at_the_fourth() -> None:
    body = '    send: {text: "Pick", buttons: ["a", "b", "c", "d"]}\n'
    assert found(body) == [("WA501", "flows/f.yaml:4:51")]


def test_button_title_too_long_in_one_language_only() -> None:
    body = ('    send:\n      text: "Pick"\n      buttons:\n'
            '        - {vi: "ngắn", en: "a title that is far too long"}\n')
    assert found(body) == [("WA502", "flows/f.yaml:7:29")]


def test_title_limits_per_kind() -> None:
    rows = [ast.ListRow(id="r", title=text("x" * 25), description=text("d" * 73))]
    menu = ast.ListMenu(button=text("b" * 21), sections=[
        ast.ListSection(title=text("s" * 25), rows=rows)])
    assert sorted(check_message(ast.Message(text=text("hi"), list_=menu))) == ["WA502"] * 4


def test_titles_at_the_limit_are_fine() -> None:
    rows = [ast.ListRow(id="r", title=text("x" * 24), description=text("d" * 72))]
    menu = ast.ListMenu(button=text("b" * 20), sections=[
        ast.ListSection(title=text("s" * 24), rows=rows)])
    msg = ast.Message(text=text("hi"), list_=menu, buttons=[])
    assert check_message(msg) == []
    assert check_message(ast.Message(text=text("hi"), buttons=[text("b" * 20)])) == []


def test_rows_counted_across_sections_and_sections_limit() -> None:
    def section(n: int) -> ast.ListSection:
        return ast.ListSection(rows=[ast.ListRow(id=f"r{n}_{i}", title=text("t"))
                                     for i in range(6)])
    menu = ast.ListMenu(button=text("Open"), sections=[section(1), section(2)])
    assert check_message(ast.Message(text=text("hi"), list_=menu)) == ["WA503"]
    many = ast.ListMenu(button=text("Open"), sections=[
        ast.ListSection(rows=[ast.ListRow(id=f"r{i}", title=text("t"))]) for i in range(11)])
    assert check_message(ast.Message(text=text("hi"), list_=many)) == ["WA503", "WA503"]


def test_text_length_depends_on_the_message_kind() -> None:
    long_body = text("x" * 1025)
    assert check_message(ast.Message(text=long_body)) == []
    assert check_message(ast.Message(text=long_body, buttons=[text("ok")])) == ["WA504"]
    assert check_message(ast.Message(text=text("x" * 4097))) == ["WA504"]
    caption = ast.Message(image=ast.Template(src="https://x/y.png"), caption=long_body)
    assert check_message(caption) == ["WA504"]


def test_placeholders_count_as_written() -> None:
    body = "{{ customer.name }}" * 54  # 1026 characters as written
    assert check_message(ast.Message(text=text(body), buttons=[text("ok")])) == ["WA504"]


def test_duplicate_titles_and_row_ids() -> None:
    msg = ast.Message(text=text("hi"), buttons=[text("Yes"), text("yes ")])
    assert check_message(msg) == ["WA507"]
    rows = [ast.ListRow(id="a", title=text("A")), ast.ListRow(id="a", title=text("B"))]
    menu = ast.ListMenu(button=text("Open"), sections=[ast.ListSection(rows=rows)])
    assert check_message(ast.Message(text=text("hi"), list_=menu)) == ["WA507"]


def test_buttons_and_list_together() -> None:
    menu = ast.ListMenu(button=text("Open"), sections=[
        ast.ListSection(rows=[ast.ListRow(id="a", title=text("A"))])])
    msg = ast.Message(text=text("hi"), buttons=[text("B")], list_=menu)
    assert check_message(msg) == ["WA508"]


PROJECT = "templates:\n  order_update: {params: 2}\n"


def test_template_param_count_and_undeclared_template() -> None:
    body = '    template: {name: order_update, params: ["{{ a }}"]}\n    next: end\n'
    assert [c for c, _ in found(body, PROJECT)] == ["WA505"]
    fallback = ('    send: "Hi"\n    fallback_template: {name: order_updte}\n')
    assert [c for c, _ in found(fallback, PROJECT)] == ["WA506"]


def test_templates_unchecked_when_none_declared() -> None:
    body = "    template: {name: anything}\n"
    assert found(body) == []


def test_interactive_messages_need_a_body_and_a_fitting_header() -> None:
    from wactl.compiler import compile_project

    src = """flow: f
trigger: {keyword: zz}
steps:
  - id: a
    send: {image: "https://x/a.png", buttons: ["A"]}
  - id: b
    send:
      text: "pick"
      image: "https://x/a.png"
      list: {button: "Open", sections: [{rows: [{id: r1, title: "One"}]}]}
  - id: c
    send: {text: "pick", video: "https://x/a.mp4", buttons: ["A"]}
"""
    found = [(d.code, d.span.line) for d in compile_project({"f.yaml": src}).diagnostics]
    assert found == [("WA509", 5), ("WA509", 9)]


def test_template_language_must_be_declared() -> None:
    from wactl.compiler import compile_project

    project = "templates:\n  promo: {params: 0, languages: [vi]}\n"
    flow = ("flow: f\ntrigger: {keyword: zz}\nsteps:\n  - id: t\n"
            "    template: {name: promo, language: %s}\n")
    bad = compile_project({"wactl.yaml": project, "f.yaml": flow % "en"}).diagnostics
    good = compile_project({"wactl.yaml": project, "f.yaml": flow % "vi"}).diagnostics
    assert [(d.code, d.span.line) for d in bad] == [("WA506", 5)]
    assert good == []
