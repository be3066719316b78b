"""The safety layer: replies that break checkable rules are handed to a person."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wactl.compiler.ir import IRAgent, IRProject
from wactl.compiler.project import compile_project
from wactl.runtime.agents.safety import (
    DATE_TOPICS,
    MAX_REPLY_PARTS,
    PRICE_TOPICS,
    SAFE,
    check_reply,
    restricts,
)
from wactl.runtime.effects import AiRequest
from wactl.runtime.text_limit import WHATSAPP_TEXT_LIMIT

EXAMPLES = Path(__file__).resolve().parents[4] / "flows"
AGENT = IRAgent(id="sales", model="gpt-4o-mini", max_tokens=100,
                constraints=["Only recommend products from https://shop.example; never invent "
                             "a price or a promotion.", "Never promise a delivery date."],
                prompt="You help customers of {{ shop.name }}. Hotline 1900 6868 66. "
                       "Free delivery from 500,000đ, open Monday to Saturday.")
CUSTOMER = {"name": "Lan", "wa_id": "84901234567", "fields": {"email": "lan@gmail.com"}}
REQUEST = AiRequest("r", "reply", "84901234567", "Mình ở 12 Lê Lợi, sđt 0988 777 666",
                    agent="sales", history=(("user", "Mã đơn 123456789"),
                                            ("assistant", "Gọi 0911 111 111 nhé")),
                    scope={"shop": {"name": "Hoa Mai", "email": "cskh@hoamai.vn"},
                           "customer": CUSTOMER})


def verdict_reason(text: str | None, agent: IRAgent = AGENT,
                   request: AiRequest = REQUEST) -> str | None:
    return check_reply(text, agent, request).reason


@pytest.mark.parametrize("text", [
    "Chào Lan! Bạn thử gel chống nắng nhé: https://shop.example/p/gel",
    "Miễn phí giao hàng cho đơn từ 500k, gọi 1900686866 nếu cần.",
    "Mình sẽ gọi lại số +84 988 777 666 của bạn, hoặc 0901234567.",
    "Email xác nhận gửi tới lan@gmail.com, hỏi thêm qua cskh@hoamai.vn.",
    "Đơn 123456789 của bạn đang được xử lý.",
    "Shop mở cửa từ Monday tới Saturday.",
])
def test_sourced_replies_pass(text: str) -> None:
    assert check_reply(text, AGENT, REQUEST) == SAFE


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"), ("   \n", "empty"),
    ("x" * 401, "too_long"),
    ("Gọi chị Hoa 0911 111 111 nhé", "contact_leak"),  # said by the assistant, not a source
    ("Liên hệ 0933 222 444", "contact_leak"),
    ("Email hoa.tran@gmail.com nhé", "contact_leak"),
    ("Mua rẻ hơn ở shopee.vn nhé", "foreign_link"),
    ("Xem https://evil.example/promo", "foreign_link"),
    ("https://shop.example.evil.com/x", "foreign_link"),
    ("Gel này giá 250.000đ thôi", "unsourced_price"),
    ("Giảm còn $9 hôm nay", "unsourced_price"),
    ("Hàng tới ngày 27/11 nhé", "unsourced_date"),
    ("Thứ 6 bạn nhận được hàng", "unsourced_date"),
])
def test_broken_rules_hand_off(text: str, reason: str) -> None:
    verdict = check_reply(text, AGENT, REQUEST)
    assert verdict.handoff and not verdict.ok and verdict.reason == reason and verdict.detail


def test_none_is_empty() -> None:
    assert verdict_reason(None) == "empty"


def test_subdomains_of_an_allowed_host_pass() -> None:
    assert verdict_reason("Xem https://www.blog.shop.example/tips") is None


def test_without_max_tokens_a_reply_may_fill_several_whatsapp_texts() -> None:
    agent = AGENT.model_copy(update={"max_tokens": None})
    most = MAX_REPLY_PARTS * WHATSAPP_TEXT_LIMIT
    assert verdict_reason("a" * 5010, agent) is None  # sent in two parts
    assert verdict_reason("a" * most, agent) is None
    assert verdict_reason("a" * (most + 1), agent) == "too_long"


def test_prices_and_dates_pass_when_no_constraint_restricts_them() -> None:
    agent = AGENT.model_copy(update={"constraints": ["Be kind."]})
    assert verdict_reason("Giá 250.000đ, giao ngày 27/11", agent) is None


@pytest.mark.parametrize(("constraint", "price", "date"), [
    ("Never promise a delivery date.", False, True),
    ("Không hứa ngày giao hàng.", False, True),
    ("Only quote prices from the price list.", True, False),
    ("Đừng tự đưa ra giá.", True, False),
    ("Mention prices when asked.", False, False),
])
def test_which_constraints_restrict(constraint: str, price: bool, date: bool) -> None:
    agent = AGENT.model_copy(update={"constraints": [constraint]})
    assert (restricts(agent, PRICE_TOPICS), restricts(agent, DATE_TOPICS)) == (price, date)


def test_another_customers_name_in_scope_is_a_leak() -> None:
    scope: dict[str, Any] = {**REQUEST.scope,
                             "order": {"recipient": {"name": "Trần Văn Bình",
                                                     "phone": "0977 555 333"}},
                             "me": {"name": "Lan Anh", "wa_id": "84901234567"}}
    request = replace(REQUEST, scope=scope)
    assert verdict_reason("Đơn của anh Trần Văn Bình đã giao", request=request) == \
        "other_customer"
    assert verdict_reason("Đơn của tran van binh đã giao", request=request) == "other_customer"
    assert verdict_reason("Chào Lan Anh!", request=request) is None
    assert verdict_reason("Gọi 0977 555 333", request=request) == "contact_leak"


def test_the_customers_own_messages_are_sources() -> None:
    request = replace(REQUEST, text="Link bên tiki.vn giá 199k, giao 30/11 được không?")
    assert verdict_reason("Link tiki.vn giá 199k, giao 30/11 thì shop chưa chắc ạ.",
                          request=request) is None


def test_the_project_service_url_is_a_source() -> None:
    project = IRProject(service_url="https://wactl.hoamai.vn")
    assert check_reply("Xem https://wactl.hoamai.vn/x", AGENT, REQUEST, project).ok
    assert not check_reply("Xem https://wactl.hoamai.vn/x", AGENT, REQUEST).ok


@cache
def _example_agents() -> dict[str, IRAgent]:
    sources = {p.relative_to(EXAMPLES.parent).as_posix(): p.read_text("utf-8")
               for p in sorted(EXAMPLES.rglob("*")) if p.suffix in (".yaml", ".flow")}
    program = compile_project(sources).program
    assert program is not None
    return {a.id: a for a in program.agents}


@pytest.mark.parametrize(("agent_id", "text"), [
    ("sales_assistant", "Da dầu thì bạn thử Gel chống nắng Hoa Mai SPF50 "
                        "(https://shop.example/p/gel-chong-nang) nhé, thấm nhanh và không bết. "
                        "Thoa trước khi ra ngoài 15 phút ạ."),
    ("support_assistant", "Dạ, sản phẩm đã mở chỉ được đổi khi bị lỗi hoặc hư hỏng lúc giao ạ. "
                          "Bạn có thể gửi ảnh sản phẩm để nhân viên kiểm tra."),
    ("support_assistant", "Giao nội thành 1–2 ngày, phí 20.000đ, miễn phí từ 500k ạ."),
])
def test_the_example_replies_pass_their_personas(agent_id: str, text: str) -> None:
    agent = _example_agents()[agent_id]
    request = AiRequest("r", "reply", "84917778888", "Da mình dầu", agent=agent_id,
                        scope={"shop": {"name": "hoa_mai_beauty"},
                               "customer": {"name": "Ngọc", "wa_id": "84917778888"}})
    assert check_reply(text, agent, request) == SAFE


def test_the_sales_persona_may_not_invent_a_price() -> None:
    agent = _example_agents()["sales_assistant"]
    request = AiRequest("r", "reply", "84917778888", "Giá bao nhiêu?", agent="sales_assistant")
    assert check_reply("Gel này 350.000đ bạn nhé", agent, request).reason == "unsourced_price"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=600))
def test_any_text_gets_a_verdict(text: str) -> None:
    verdict = check_reply(text, AGENT, REQUEST)
    assert verdict.ok or verdict.reason in {"empty", "too_long", "contact_leak", "foreign_link",
                                            "unsourced_price", "unsourced_date",
                                            "other_customer"}


@pytest.mark.parametrize(("text", "reason"), [
    ("Gọi 0933\u200b222\u200b444 nhé", "contact_leak"),
    ("Gọi 0933  222  444 nhé", "contact_leak"),
    ("Gọi 0933 / 222 / 444 nhé", "contact_leak"),
    ("Gọi ０９３３ ２２２ ４４４ nhé", "contact_leak"),
    ("Gọi 0\u200d9\u200d3\u200d3\u200d2\u200d2\u200d2\u200d4\u200d4\u200d4", "contact_leak"),
    ("Mail hoa [at] gmail [dot] com", "contact_leak"),
    ("Mua ở rival-shop.ru rẻ hơn", "foreign_link"),
    ("Xem rival[.]com nhé", "foreign_link"),
    ("Xem rival(.)com nhé", "foreign_link"),
    ("Xem rival dot com nhé", "foreign_link"),
    ("Xem rival\u200b.com nhé", "foreign_link"),
])
def test_hidden_and_obfuscated_leaks_hand_off(text: str, reason: str) -> None:
    assert verdict_reason(text) == reason


def test_the_shops_own_numbers_and_domains_pass_in_any_spelling() -> None:
    assert verdict_reason("Hotline 1900\u200b6868\u200b66, hoặc xem shop.example") is None
    assert verdict_reason("Gọi lại số 0988 / 777 / 666 của bạn nhé") is None
    project = IRProject(service_url="https://wactl.hoamai.vn")
    assert check_reply("Xem wactl.hoamai.vn nhé", AGENT, REQUEST, project).ok
    assert check_reply("Xem wactl[.]hoamai[.]vn nhé", AGENT, REQUEST, project).ok


def test_the_other_customer_rule_fires_on_a_record_in_the_flows_variables() -> None:
    bookings = [{"name": "Phạm Thị Mai", "phone": "0977555333"},
                {"full_name": "Lê Minh", "email": "minh@gmail.com"}]
    request = replace(REQUEST, scope={**REQUEST.scope, "vars": {"bookings": bookings}})
    assert verdict_reason("Chị Phạm Thị Mai cũng đặt lịch rồi.", request=request) == \
        "other_customer"
    assert verdict_reason("Chị Pha\u0323m Thi\u0323\u200b Mai đã đặt rồi.", request=request) == \
        "other_customer"
    assert verdict_reason("Anh LÊ MINH đã đặt rồi.", request=request) == "other_customer"
    assert verdict_reason("Bạn muốn đặt lịch không?", request=request) is None


def test_the_conversations_own_participant_is_not_another_customer() -> None:
    own = [{"name": "Lan Nguyễn", "phone": "0901 234 567"},
           {"name": "Chị Lan", "email": "lan@gmail.com"}]
    request = replace(REQUEST, scope={**REQUEST.scope, "vars": {"me": own}})
    assert verdict_reason("Chào Lan Nguyễn, chị Lan nhé!", request=request) is None


REPLY_ALPHABET = st.sampled_from(list("0123456789 ./-()[]{}_|·•–—@+,:đk%$€\n\t")
                                 + ["\u200b", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u0301",
                                    " dot ", " chấm ", "[.]", "(.)", "[at]", "com", "vn", "ru",
                                    "https://", "www.", "Bình", "０", "٣", "𝟗", "a", "Z"])


@settings(max_examples=300, deadline=None)
@given(st.lists(REPLY_ALPHABET, max_size=300).map("".join),
       st.dictionaries(st.sampled_from(["order", "bookings", "x"]),
                       st.recursive(st.none() | st.text(max_size=20) | st.integers(),
                                    lambda inner: st.lists(inner, max_size=3)
                                    | st.dictionaries(st.sampled_from(["name", "phone", "email",
                                                                       "wa_id", "full_name"]),
                                                      inner, max_size=4),
                                    max_leaves=12), max_size=3))
def test_no_reply_text_or_variables_make_the_checks_raise(text: str,
                                                          variables: dict[str, Any]) -> None:
    request = replace(REQUEST, scope={**REQUEST.scope, "vars": variables})
    verdict = check_reply(text, AGENT, request)
    assert verdict.ok or verdict.reason in {"empty", "too_long", "contact_leak", "foreign_link",
                                            "unsourced_price", "unsourced_date",
                                            "other_customer"}


def test_a_one_word_name_matches_only_with_its_diacritics() -> None:
    request = replace(REQUEST, scope={**REQUEST.scope,
                                      "vars": {"other": {"name": "Minh", "phone": "0977555333"}}})
    assert verdict_reason("Mình gợi ý gel nhé.", request=request) is None
    assert verdict_reason("Anh Minh cũng mua gel.", request=request) == "other_customer"


def test_numbers_in_two_sources_are_not_read_as_one() -> None:
    request = replace(REQUEST, text="Mã 12", history=(("user", "345678 là số nhà"),))
    assert verdict_reason("Số nhà 345678 nhé", request=request) is None
    request = replace(REQUEST, text="hi", history=(("user", "Số chị 0933 222"),
                                                   ("user", "444 là số nhà")))
    assert verdict_reason("Gọi 0933 222 444", request=request) == "contact_leak"
