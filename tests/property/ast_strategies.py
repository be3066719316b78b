"""Hypothesis strategies for random, valid `ast.SourceFile` values.

Every node type of a flow file is covered (all trigger and step kinds, every optional
field), and strings are deliberately awkward: quotes of both kinds, backslashes,
newlines, control characters, Vietnamese, `{{ }}` holes, `->`, backticks, words that
are keywords of the `.flow` grammar.  Ids and variable names are valid identifiers,
because the AST contract says so; everything a merchant types freely is free text.
Reused by every round-trip property test (`.flow`, YAML, and across both).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from wactl.dsl import ast

AWKWARD = (
    "", " ", "  padded  ", '"', "'", "\\", "\\n", "\\\\", '\\"', "`", "->", "a -> b", "#",
    "# not a comment", "\n", "two\nlines", "\t", "\r", "\x00", "\x1b[0m", "\u2028", "\u200b",
    "Xin chào {{ customer.name | default(\"bạn\") }}!", "đơn hàng", "Đặt lịch hẹn 🗓",
    "{{ order_id }}", "{{", "}}", "then", "end", "if", "else", "say", "flow", "true", "null",
    "when keyword", "order.status == \"shipped\"", "x == 'y'", "\\d+", "^order\\s+(\\d+)$",
    "-1", "- 1", "a-", "\"unclosed", "a\"b\"c", "'\"'", "\\u{41}", "\\q",
)

texts = st.one_of(st.sampled_from(AWKWARD), st.text(max_size=12),
                  st.lists(st.sampled_from(AWKWARD), min_size=2, max_size=3).map("".join))
idents = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda s: s != "end")
targets = st.one_of(idents, st.just("end"))
langs = st.sampled_from(ast.SCHEMA_LANGS)


def templates() -> st.SearchStrategy[ast.Template]:
    return st.builds(ast.Template, src=texts)


def exprs() -> st.SearchStrategy[ast.Expr]:
    return st.builds(ast.Expr, src=texts)


def text_values() -> st.SearchStrategy[ast.Text]:
    plain = templates().map(lambda t: ast.Text(variants={"": t}))
    per_lang = st.dictionaries(langs, templates(), min_size=1).map(
        lambda d: ast.Text(variants=d))
    return st.one_of(plain, per_lang)


def durations() -> st.SearchStrategy[ast.Duration]:
    return st.one_of(st.sampled_from([0, 1, 30, 60, 90, 3600, 5400, 86400, 172800]),
                     st.integers(0, 10**7)).map(lambda s: ast.Duration(seconds=s))


json_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**12), 10**12), texts,
              st.floats(allow_nan=False, allow_infinity=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(texts, inner, max_size=3)),
    max_leaves=8,
)


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


# --------------------------------------------------------------------------- messages


def list_menus() -> st.SearchStrategy[ast.ListMenu]:
    rows = st.builds(ast.ListRow, id=texts, title=text_values(), description=_opt(text_values()))
    sections = st.builds(ast.ListSection, title=_opt(text_values()),
                         rows=st.lists(rows, max_size=3))
    return st.builds(ast.ListMenu, button=text_values(), sections=st.lists(sections, max_size=2))


def _has_content(m: ast.Message) -> bool:
    return m.text is not None or any((m.image, m.document, m.audio, m.video))


def messages() -> st.SearchStrategy[ast.Message]:
    """A message with a text or a media item (an empty message is invalid in both spellings)."""
    return st.builds(
        ast.Message, text=_opt(text_values()), image=_opt(templates()),
        document=_opt(templates()), audio=_opt(templates()), video=_opt(templates()),
        caption=_opt(text_values()),
        buttons=st.one_of(st.just([]), st.lists(text_values(), min_size=1, max_size=3)),
        list_=_opt(list_menus())).filter(_has_content)


def template_refs() -> st.SearchStrategy[ast.TemplateRef]:
    return st.builds(ast.TemplateRef, name=texts, language=_opt(texts),
                     params=st.lists(templates(), max_size=3))


# --------------------------------------------------------------------------- steps

_base = {"id": idents, "next": _opt(targets), "when": _opt(exprs()),
         "max_visits": _opt(st.integers(1, 1000))}
expects = st.one_of(st.sampled_from(ast.EXPECT_KINDS), texts.map(lambda s: "regex:" + s))


def _step(cls: type[Any], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.builds(cls, **_base, **fields)


def steps() -> st.SearchStrategy[ast.Step]:
    http = st.builds(
        ast.HttpRequest, method=st.sampled_from(ast.HTTP_METHODS), url=templates(),
        headers=st.dictionaries(texts, templates(), max_size=2), body=json_values,
        timeout=_opt(durations()), retries=_opt(st.integers(0, 5)))
    var_map = st.dictionaries(idents, exprs(), max_size=3)
    return st.one_of(
        _step(ast.SendStep, send=messages(), fallback_template=_opt(template_refs())),
        _step(ast.TemplateStep, template=template_refs()),
        _step(ast.AskStep, ask=messages(), expect=_opt(expects), save=_opt(idents),
              retries=_opt(st.integers(0, 9)), retry_message=_opt(text_values()),
              on_fail=_opt(targets), validate_=_opt(exprs()),
              extract=st.dictionaries(idents, st.sampled_from(ast.EXTRACT_TYPES), max_size=2),
              timeout=_opt(durations()), on_timeout=_opt(targets)),
        _step(ast.BranchStep, branch=st.lists(st.builds(ast.BranchArm, if_=exprs(),
                                                        goto=targets), min_size=1, max_size=3),
              else_=_opt(targets)),
        _step(ast.SetStep, set=var_map),
        _step(ast.TagStep, tag=st.lists(texts, min_size=1, max_size=3)),
        _step(ast.UntagStep, untag=st.lists(texts, min_size=1, max_size=3)),
        _step(ast.FieldStep, field=st.dictionaries(texts, templates(), max_size=3)),
        _step(ast.ConsentStep, consent=st.sampled_from(["opted_in", "opted_out"])),
        _step(ast.CallStep, call=http, save=_opt(idents), on_error=_opt(targets)),
        _step(ast.WaitStep, wait=durations(), until=st.none()),
        _step(ast.WaitStep, wait=st.none(), until=exprs()),
        _step(ast.AgentStep, agent=texts, until=_opt(exprs()),
              max_turns=_opt(st.integers(1, 50))),
        _step(ast.HandoffStep, handoff=_opt(text_values()), team=_opt(texts)),
        _step(ast.GotoStep, goto=targets),
        _step(ast.RunStep, run=idents, with_=var_map, save=_opt(idents)),
        _step(ast.LinkStep, link=idents),
        _step(ast.EndStep, end=_opt(text_values())),
    )


# --------------------------------------------------------------------------- flows


def triggers() -> st.SearchStrategy[ast.Trigger]:
    cond = {"if_": _opt(exprs())}
    return st.one_of(
        st.builds(ast.KeywordTrigger,
                  keywords=st.lists(texts.filter(str.strip), min_size=1, max_size=3), **cond),
        st.builds(ast.RegexTrigger, pattern=texts, **cond),
        st.builds(ast.IntentTrigger, intent=texts,
                  min_confidence=_opt(st.floats(0, 1)), **cond),
        st.builds(ast.EventTrigger, event=st.one_of(st.sampled_from(ast.EVENT_NAMES), texts),
                  **cond),
        st.builds(ast.ScheduleTrigger, cron=texts, audience=_opt(exprs()), **cond),
    )


def flows() -> st.SearchStrategy[ast.Flow]:
    return st.builds(
        ast.Flow, id=idents, title=_opt(texts), description=_opt(texts),
        priority=_opt(st.integers(-100, 100)), trigger=_opt(triggers()),
        vars=st.dictionaries(idents, json_values, max_size=3), rule=st.booleans(),
        steps=st.lists(steps(), max_size=5))


def source_files(path: str = "gen.flow") -> st.SearchStrategy[ast.SourceFile]:
    """A `.flow`-spelt file of 1-3 random flows (flows only: agents/tests are YAML-only)."""
    return st.builds(ast.SourceFile, path=st.just(path), spelling=st.just("flow"),
                     flows=st.lists(flows(), min_size=1, max_size=3))
