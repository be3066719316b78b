"""Synthetic flow repositories for the compile benchmark, built as ASTs.

Flows are generated as `wactl.dsl.ast` nodes and written out by the project's own
writers (`dump_yaml`, `format_flow`), so the YAML and `.flow` repositories of one
scenario hold the very same flows and the benchmark compares like with like.

Every flow is made of blocks of ten steps that look like a merchant's order flow:
ask, send with buttons, ask a number with retries, set, branch, tag, send, call,
wait, send.  Step ids and texts carry the block number, so a 10,000-step flow has
10,000 distinct ids and expressions, and each flow has its own trigger keywords.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from wactl.dsl import ast

BLOCK_STEPS = 10
"""Steps in one generated block; a repository's flows are one block each."""


def _tpl(src: str) -> ast.Template:
    return ast.Template(src=src)


def _text(src: str) -> ast.Text:
    return ast.Text(variants={"": _tpl(src)})


def _msg(src: str, buttons: tuple[str, ...] = ()) -> ast.Message:
    return ast.Message(text=_text(src), buttons=[_text(b) for b in buttons])


def _expr(src: str) -> ast.Expr:
    return ast.Expr(src=src)


def _asks(b: int, waits: bool) -> tuple[ast.Step, ast.Step]:
    """The two questions of block `b`; without `waits` they become `set` steps."""
    if not waits:
        return (ast.SetStep(id=f"name_{b}", set={"name": _expr('"khách"')}),
                ast.SetStep(id=f"qty_{b}", set={"qty": _expr(f"{b % 7 + 1}")}))
    return (
        ast.AskStep(id=f"name_{b}", ask=_msg(f"Block {b}: what's your name?"), save="name"),
        ast.AskStep(id=f"qty_{b}", ask=_msg("How many cups would you like?"), expect="number",
                    save="qty", retries=2, retry_message=_text("Digits only, like 3."),
                    on_fail=f"done_{b}"),
    )


def _pause(b: int, waits: bool) -> ast.Step:
    """A two-minute wait, or (without `waits`) a guarded send in its place."""
    if waits:
        return ast.WaitStep(id=f"pause_{b}", wait=ast.Duration(seconds=120))
    return ast.SendStep(id=f"pause_{b}", send=_msg("One moment…"), when=_expr("qty > 5"))


def block(b: int, after: str | None, waits: bool = True) -> list[ast.Step]:
    """Ten steps numbered `b`; the last one goes to `after` (None: the next step in the list)."""
    name_step, qty_step = _asks(b, waits)
    return [
        name_step,
        ast.SendStep(id=f"greet_{b}", send=_msg(
            f'Xin chào {{{{ name | default("bạn") }}}}! Menu #{b}:', ("Coffee", "Tea", "Help"))),
        qty_step,
        ast.SetStep(id=f"total_{b}", set={"total": _expr(f"qty * {12000 + b}"),
                                          "bulk": _expr("qty > 10 and customer.name != null")}),
        ast.BranchStep(id=f"route_{b}", branch=[
            ast.BranchArm(if_=_expr("bulk"), goto=f"bulk_{b}"),
            ast.BranchArm(if_=_expr('lower(trim(name)) == "vip"'), goto=f"lookup_{b}"),
        ], else_=f"normal_{b}"),
        ast.TagStep(id=f"bulk_{b}", tag=["bulk", f"block{b % 50}"], next=f"lookup_{b}"),
        ast.SendStep(id=f"normal_{b}", send=_msg(
            f"{{{{ qty }}}} cups for {{{{ customer.name | default(\"you\") }}}} (block {b})")),
        ast.CallStep(id=f"lookup_{b}", call=ast.HttpRequest(
            method="GET", url=_tpl(f"https://shop.example/api/stock/{b}?qty={{{{ qty }}}}"),
            timeout=ast.Duration(seconds=5)), save="stock", on_error=f"done_{b}"),
        _pause(b, waits),
        ast.SendStep(id=f"done_{b}", send=_msg(
            f"Order #{b}: {{{{ qty }}}} cups, {{{{ total }}}} đ. Stock: {{{{ stock.level }}}}"),
            next=after),
    ]


def _trigger(key: str) -> ast.KeywordTrigger:
    return ast.KeywordTrigger(keywords=[f"menu{key}", f"đơn hàng {key}"])


def _vars() -> dict[str, object]:
    """Initial values, so no path (e.g. a failed ask) reads a variable before it is set."""
    return {"name": "", "qty": 0, "stock": {"level": 0}, "total": 0}


def chain_flow(flow_id: str, index: int, blocks: int) -> ast.Flow:
    """A flow of `blocks` blocks run one after the other, ending after the last."""
    steps = [s for b in range(blocks) for s in block(b, None)]
    return ast.Flow(id=flow_id, title=f"Generated flow {index}", trigger=_trigger(str(index)),
                    vars=_vars(), steps=steps)


def cycle_flow(flow_id: str, blocks: int, waits: bool) -> ast.Flow:
    """A flow whose last step jumps back to its first: one cycle through every block.

    With `waits` every lap passes an `ask`, so the flow is valid; without it no step on
    the cycle waits for the customer and the cycle check must report it (WA302).
    """
    steps = [s for b in range(blocks) for s in block(b, None, waits)]
    steps.append(ast.GotoStep(id="again", goto=steps[0].id))
    return ast.Flow(id=flow_id, title="Generated loop", trigger=_trigger(flow_id),
                    vars=_vars(), steps=steps)


def source(path: str, flow: ast.Flow) -> ast.SourceFile:
    """One file holding one flow; its spelling follows the path's suffix."""
    if path.endswith(".flow"):
        return ast.SourceFile(path=path, spelling="flow", flows=[flow])
    return ast.SourceFile(path=path, spelling="yaml", flows=[flow])


@dataclass(frozen=True)
class Scenario:
    """A repository to generate: its shape, its size in steps and how to build its flows."""

    shape: str
    steps: int
    build: Callable[[], list[ast.Flow]]
    expect_codes: frozenset[str] = frozenset()
    """Diagnostic codes the compile must report (an empty set: the repo must be valid)."""

    @property
    def name(self) -> str:
        return f"{self.shape}-{self.steps:,}"


def many_flows(total_steps: int) -> list[ast.Flow]:
    """`total_steps / 10` flows of one block each, each with its own keywords."""
    return [chain_flow(f"flow_{i:05d}", i, 1) for i in range(total_steps // BLOCK_STEPS)]


def one_flow(total_steps: int) -> list[ast.Flow]:
    """One flow of `total_steps` steps run straight through."""
    return [chain_flow("big", 0, total_steps // BLOCK_STEPS)]


def one_cycle(total_steps: int, waits: bool) -> list[ast.Flow]:
    """One flow that is a single cycle of `total_steps` steps plus the jump back."""
    return [cycle_flow("loop" if waits else "spin", total_steps // BLOCK_STEPS, waits)]


WA302 = frozenset({"WA302"})


def scenarios(quick: bool = False) -> list[Scenario]:
    """The benchmark's scenarios by shape, smallest first; `quick` keeps the 100 and 1,000 repos.

    Each shape comes in sizes 10x apart, so the report can show how cost grows.
    """
    sizes = (100, 1_000) if quick else (100, 1_000, 10_000)
    found = [Scenario("repo", n, partial(many_flows, n)) for n in sizes]
    if quick:
        return found
    for n in (1_000, 10_000):
        found.append(Scenario("one-flow", n, partial(one_flow, n)))
    for n in (1_000, 10_000):
        found.append(Scenario("cycle-ask", n, partial(one_cycle, n, True)))
    for n in (1_000, 10_000):
        found.append(Scenario("cycle-nowait", n, partial(one_cycle, n, False), WA302))
    return found


def render(flows: list[ast.Flow], spelling: str) -> dict[str, str]:
    """The repository's files in one spelling (`yaml` or `flow`), one flow per file."""
    from wactl.dsl.flow.fmt import format_flow
    from wactl.dsl.yaml.dump import dump_yaml

    out: dict[str, str] = {}
    for flow in flows:
        path = f"flows/{flow.id}.{'flow' if spelling == 'flow' else 'yaml'}"
        file = source(path, flow)
        out[path] = format_flow(file) if spelling == "flow" else dump_yaml(file)
    return out
