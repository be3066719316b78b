"""CustomerStore contract."""

from __future__ import annotations

from datetime import date

from contract.kits import T0, PortKit
from wactl.runtime.effects import ConsentChanged, FieldsChanged, TagsChanged
from wactl.runtime.state import Customer


async def test_an_unknown_customer_is_none(kit: PortKit) -> None:
    assert await kit.customers.get("84900000001") is None


async def test_a_saved_customer_comes_back_whole(kit: PortKit) -> None:
    lan = Customer("84900000001", "Lan", "vi", ["vip", "cart"],
                   {"city": "Hanoi", "orders": 3, "birthday": date(1990, 5, 17)}, "opted_in", T0)
    await kit.customers.save(lan)
    assert await kit.customers.get("84900000001") == lan


async def test_save_replaces_and_returned_copies_do_not_alias(kit: PortKit) -> None:
    await kit.customers.save(Customer("1", "Lan", tags=["a"]))
    got = await kit.customers.get("1")
    assert got is not None
    got.tags.append("changed-locally")
    assert (await kit.customers.get("1")) == Customer("1", "Lan", tags=["a"])
    await kit.customers.save(Customer("1", "Lan Anh"))
    assert await kit.customers.get("1") == Customer("1", "Lan Anh")


async def test_tag_changes_add_once_and_remove(kit: PortKit) -> None:
    await kit.customers.save(Customer("1", tags=["a", "b"]))
    await kit.customers.apply(TagsChanged("1", added=("c", "a", "c")))
    await kit.customers.apply(TagsChanged("1", removed=("b", "zzz")))
    got = await kit.customers.get("1")
    assert got is not None and got.tags == ["a", "c"]


async def test_field_changes_set_and_none_clears(kit: PortKit) -> None:
    await kit.customers.save(Customer("1", fields={"city": "Hue", "size": "M"}))
    await kit.customers.apply(FieldsChanged("1", {"size": None, "due": date(2025, 4, 1)}))
    got = await kit.customers.get("1")
    assert got is not None and got.fields == {"city": "Hue", "due": date(2025, 4, 1)}


async def test_consent_change_and_changes_create_a_missing_customer(kit: PortKit) -> None:
    await kit.customers.apply(ConsentChanged("2", "opted_out"))
    got = await kit.customers.get("2")
    assert got is not None and (got.wa_id, got.consent) == ("2", "opted_out")


async def test_a_change_keeps_the_rest_of_the_customer(kit: PortKit) -> None:
    await kit.customers.save(Customer("1", "Lan", "en", ["a"], {"x": 1}, "opted_in", T0))
    await kit.customers.apply(TagsChanged("1", added=("b",)))
    assert await kit.customers.get("1") == Customer(
        "1", "Lan", "en", ["a", "b"], {"x": 1}, "opted_in", T0)


async def test_ids_are_listed_in_order_a_page_at_a_time(kit: PortKit) -> None:
    for wa_id in ["849003", "849001", "849005", "849002", "849004"]:
        await kit.customers.save(Customer(wa_id))
    assert await kit.customers.list_ids() == ["849001", "849002", "849003", "849004", "849005"]
    assert await kit.customers.list_ids(limit=2) == ["849001", "849002"]
    assert await kit.customers.list_ids(after="849002", limit=2) == ["849003", "849004"]
    assert await kit.customers.list_ids(after="849005") == []
