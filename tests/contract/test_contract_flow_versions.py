"""Store contract: every flow version a shop served is kept, one active per flow."""

from __future__ import annotations

from contract.kits import T0, PortKit
from wactl.compiler import compile_project
from wactl.compiler.ir import IRFlow


def _flows(text: str) -> list[IRFlow]:
    program = compile_project({
        "flows/hi.yaml": (f"flow: hi\ntrigger: {{keyword: [hi]}}\n"
                          f"steps:\n  - {{id: s, send: {text}}}\n"),
        "flows/bye.yaml": "flow: bye\ntrigger: {keyword: [bye]}\nsteps:\n  - {id: s, send: Bye}\n",
    }).program
    assert program is not None
    return list(program.flows)


async def test_versions_are_kept_in_order_and_the_last_kept_are_active(kit: PortKit) -> None:
    v1, v2 = _flows("Hello"), _flows("Hello again")
    store = kit.shop.flow_versions
    assert await store.versions() == [] and await store.active() == {}
    assert sorted(await store.keep(v1, at=T0)) == sorted(f.hash for f in v1)
    assert await store.keep(v1, at=T0) == []  # kept already: nothing new
    new = await store.keep(v2, at=T0)
    changed = [f for f in v2 if f.id == "hi"]
    assert new == [changed[0].hash]  # `bye` did not change
    kept = await store.versions()
    assert [f.hash for f in kept] == [*(f.hash for f in v1), changed[0].hash]
    assert kept[0] == v1[0]  # the IR comes back whole, hash and all
    assert await store.active() == {f.id: f.hash for f in v2}


async def test_a_flow_left_out_of_a_deploy_is_no_longer_active(kit: PortKit) -> None:
    both = _flows("Hello")
    store = kit.shop.flow_versions
    await store.keep(both, at=T0)
    await store.keep([f for f in both if f.id == "hi"], at=T0)
    assert list(await store.active()) == ["hi"]
    assert len(await store.versions()) == 2


async def test_one_shops_versions_are_not_anothers(kit: PortKit) -> None:
    await kit.shop.flow_versions.keep(_flows("Hello"), at=T0)
    assert await kit.other.flow_versions.versions() == []
    assert await kit.other.flow_versions.active() == {}
