"""Mermaid and DOT drawings of one IR flow."""

from __future__ import annotations

from wactl.cli.graph import dot, mermaid
from wactl.compiler.ir import STEP_ADAPTER, IREdge, IRFlow, IRStep


def flow() -> IRFlow:
    def s(kind: str, *edges: IREdge) -> IRStep:
        return STEP_ADAPTER.validate_python({"kind": kind, "edges": list(edges)})

    return IRFlow(id="order", entry="ask", steps={
        "ask": s("ask", IREdge(to="route", kind="next"), IREdge(to="end", kind="fail")),
        "route": s("branch", IREdge(to="done", kind="branch", label='status == "shipped"'),
                   IREdge(to="end", kind="else", label="else")),
        "done": s("send", IREdge(to="end", kind="next"), IREdge(to="end", kind="skip",
                                                                  label="when false")),
    })


def test_mermaid() -> None:
    out = mermaid(flow())
    assert out.startswith("flowchart TD\n")
    assert "__start --> s_ask" in out
    assert 's_ask(["ask<br/><i>ask</i>"]):::waiting' in out
    assert 's_route{"route<br/><i>branch</i>"}' in out
    assert 's_route -->|"status == #quot;shipped#quot;"| s_done' in out
    assert 's_ask -.->|"fail"| __end' in out
    assert 's_done -.->|"when false"| __end' in out
    assert 's_route -->|"else"| __end' in out
    assert "classDef waiting" in out


def test_dot() -> None:
    out = dot(flow())
    assert out.startswith('digraph "order" {') and out.rstrip().endswith("}")
    assert '"ask" [label="ask\\nask", shape=box, style="rounded,filled,bold"' in out
    assert '"route" [label="route\\nbranch", shape=diamond];' in out
    assert '"route" -> "done" [label="status == \\"shipped\\""];' in out
    assert '"ask" -> "__end" [label="fail", style=dashed];' in out
    assert '"__start" -> "ask";' in out
