"""`wactl simulate`: the session over the real engine and driver, and the command itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wactl.cli import ExitCode, app
from wactl.cli._common import read_and_compile
from wactl.cli.sim_session import (
    AI_OFF,
    HTTP_OFF,
    Note,
    Output,
    Session,
    SessionConfig,
    TableOut,
    UserSaid,
)
from wactl.cli.sim_setup import read_mocks
from wactl.compiler.ir import Program
from wactl.runtime.effects import Handoff, HttpRequest, SendInteractive, SendText
from wactl.runtime.memory import UnavailableAiClient, UnavailableHttpClient
from wactl.runtime.mocks import MockHttp

ROOT = Path(__file__).parents[3]
FLOWS = ROOT / "flows"
DATA = Path(__file__).parent / "data"
MOCKS = DATA / "order_mocks.yaml"
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Ho Chi Minh City


@pytest.fixture(scope="module")
def program() -> Program:
    compiled = read_and_compile([str(FLOWS)])
    assert compiled.result.program is not None, compiled.diagnostics
    return compiled.result.program


def session(program: Program, *, lang: str | None = "en", http: bool = True) -> Session:
    mocks = read_mocks(str(MOCKS))[0]
    assert mocks is not None
    return Session(program, SessionConfig(
        http=MockHttp(mocks.http) if http else UnavailableHttpClient(),
        ai=UnavailableAiClient(), ai_off=True, language=lang, start=START))


def texts(outputs: list[Output]) -> list[str]:
    """What the bot said, as plain strings (an interactive message: its body)."""
    said: list[str] = []
    for item in outputs:
        if isinstance(item, SendText):
            said.append(item.text)
        elif isinstance(item, SendInteractive):
            said.append(item.body)
    return said


def notes(outputs: list[Output]) -> list[str]:
    return [item.text for item in outputs if isinstance(item, Note)]


def table(outputs: list[Output]) -> dict[str, str]:
    tables = [item for item in outputs if isinstance(item, TableOut)]
    return {k: v for t in tables for k, v in t.rows}


async def test_order_status_by_keyword_numbers_and_picks(program: Program) -> None:
    s = session(program)
    out = await s.run_line("order")
    assert out[0] == UserSaid("order")
    assert texts(out) == ["What's your order number?"]
    out = await s.run_line("10423")  # a number with nothing to pick is text
    assert out[0] == UserSaid("10423")
    assert any(isinstance(o, HttpRequest) for o in out)
    assert texts(out) == ["Order 10423 is on its way with GHN."]
    assert [c.title for c in s.choices] == ["Track it", "Talk to a person"]
    out = await s.run_line("1")
    assert out[0] == UserSaid("Track it")
    assert texts(out) == ["Follow your parcel here: https://shop.example/t/10423"]


async def test_views_of_state_vars_customer_and_trace(program: Program) -> None:
    s = session(program)
    await s.run_line("/start order_status")
    await s.run_line("10423")
    state = table(await s.run_line("/state"))
    assert state["step"] == "order_status.shipped"
    assert state["waiting"].startswith("ask")
    assert state["time"] == "2026-03-02 09:00 +07"
    variables = table(await s.run_line("/vars"))
    assert variables["order_id"] == "10423"
    assert '"carrier": "GHN"' in variables["order"]
    customer = table(await s.run_line("/customer"))
    assert customer["language"] == "en" and customer["wa_id"] == "84900000000"
    trace = [row for item in await s.run_line("/trace") if isinstance(item, TableOut)
             for row in item.rows]
    assert ("09:00:00", "order_status.ask_number ask → asked") in trace, trace
    assert any(step.startswith("order_status.lookup call → ") and step.endswith("(set order)")
               for _, step in trace), trace


async def test_explicit_picks_and_bad_lines_answer_with_errors(program: Program) -> None:
    s = session(program)
    assert notes(await s.run_line("/pick 1")) == ["nothing numbered 1 to pick"]
    await s.run_line("/start order_status")
    await s.run_line("10423")
    assert notes(await s.run_line("/pick 3")) == [
        "nothing numbered 3 to pick (the last message has 2)"]
    assert notes(await s.run_line("/teleport")) == [
        "unknown command /teleport; /help lists the commands"]
    assert notes(await s.run_line("/start order_stats")) == [
        "no flow `order_stats`; did you mean `order_status`?"]
    out = await s.run_line("/pick 2")
    assert out[0] == UserSaid("Talk to a person")
    assert any(isinstance(o, Handoff) for o in out)


async def test_time_fires_an_ask_timeout(program: Program) -> None:
    s = session(program)
    await s.run_line("/start order_status")
    out = await s.run_line("/time +29m")
    assert notes(out) == ["clock → 2026-03-02 09:29 +07"]
    assert texts(out) == []
    out = await s.run_line("/time +1m")
    assert texts(out) == ["A teammate will reply shortly."]
    assert any(isinstance(o, Handoff) for o in out)
    assert notes(await s.run_line("/time 2026-03-02T09:00")) == [
        "the clock never goes back (it is 2026-03-02 09:30 +07)"]
    assert notes(await s.run_line("/time 2026-03-03T08:00")) == ["clock → 2026-03-03 08:00 +07"]


async def test_a_failed_lookup_takes_the_error_branch(program: Program) -> None:
    s = session(program, http=False)
    await s.run_line("/start order_status")
    out = await s.run_line("777")
    assert texts(out) == ["Sorry, I can't look that up right now.",
                          "A teammate will reply shortly."]
    assert notes(out) == [HTTP_OFF]
    await s.run_line("/reset")
    await s.run_line("/start order_status")
    assert HTTP_OFF not in notes(await s.run_line("778"))  # said once


async def test_unmocked_and_failing_calls(program: Program) -> None:
    s = session(program)
    await s.run_line("/start order_status")
    out = await s.run_line("5")
    assert notes(out) == ["unmocked request: GET https://shop.example/api/orders/5 "
                          "(answered as a connection error)"]
    assert texts(out)[0] == "Sorry, I can't look that up right now."
    await s.run_line("/reset")
    await s.run_line("/start order_status")
    out = await s.run_line("777")  # mocked with status 500
    assert texts(out)[0] == "Sorry, I can't look that up right now."
    assert not any(n.startswith("unmocked") for n in notes(out))


async def test_reset_forgets_the_conversation(program: Program) -> None:
    s = session(program)
    await s.run_line("/start order_status")
    assert notes(await s.run_line("/reset")) == ["conversation and customer reset"]
    assert table(await s.run_line("/state"))["run"] == "none"
    assert notes(await s.run_line("/vars")) == ["no run yet: no variables"]


async def test_vars_after_a_run_ended_show_what_it_ended_with(program: Program) -> None:
    s = session(program)
    await s.run_line("/start order_status")
    await s.run_line("777")  # the lookup fails: the run ends with a handoff
    out = await s.run_line("/vars")
    assert isinstance(out[0], TableOut) and out[0].title == "vars order_status ended with"
    assert dict(out[0].rows)["order_id"] == "777"


async def test_list_rows_are_picked_by_number_and_ai_off_is_said_once(program: Program) -> None:
    s = session(program)
    out = await s.run_line("faq")
    assert isinstance(out[-1], SendInteractive)
    other = next(c for c in s.choices if c.id == "other")
    out = await s.run_line(str(other.number))
    assert out[0] == UserSaid(other.title)
    out = await s.run_line("Can I return an opened cream?")
    out += await s.run_line("And a closed one?")
    assert notes(out).count(AI_OFF) == 1


async def test_quit_and_help(program: Program) -> None:
    s = session(program)
    assert "/pick N" in table(await s.run_line("/help"))
    assert await s.run_line("# just a comment") == []
    assert await s.run_line("/quit") == [] and s.quit


# --------------------------------------------------------------------------- the command


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["simulate", *args], input=input,
                                env={"COLUMNS": "100", "OPENAI_API_KEY": ""})
    return result.exit_code, result.output


def test_script_replays_a_transcript(tmp_path: Path) -> None:
    script = tmp_path / "bug.txt"
    script.write_text("# order status, shipped\norder\n10423\n/vars\n2\n", encoding="utf-8")
    code, out = invoke(str(FLOWS), "--script", str(script), "--mocks", str(MOCKS),
                       "--lang", "en", "--as", "+44 7700 900555")
    assert code == ExitCode.OK, out
    assert "\x1b[" not in out
    for expected in ("│ order │", "What's your order number?", "│ 10423 │",
                     "[1] Track it", "[2] Talk to a person", "› /vars", "order_id",
                     "│ Talk to a person │", "A teammate will reply shortly.",
                     "handed to a person"):
        assert expected in out, expected
    assert out.index("What's your order number?") < out.index("Track it") < out.index(
        "A teammate")


def test_flow_option_starts_the_flow(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("10423\n", encoding="utf-8")
    code, out = invoke(str(FLOWS), "--flow", "order_status", "--script", str(script),
                       "--mocks", str(MOCKS), "--lang", "en")
    assert code == ExitCode.OK, out
    assert "start order_status" in out and "on its way with GHN" in out


def test_interactive_reads_until_quit() -> None:
    code, out = invoke(str(FLOWS), "--lang", "en", "--mocks", str(MOCKS),
                       input="order\n10423\n1\n/quit\nnever read\n")
    assert code == ExitCode.OK, out
    assert "/help lists the commands" in out
    assert "│ Track it │" in out  # a pick is echoed as the button's title
    assert "Follow your parcel here" in out
    assert "never read" not in out


def test_interactive_ends_at_end_of_input() -> None:
    code, out = invoke(str(FLOWS), input="order\n")
    assert code == ExitCode.OK, out
    assert "Mã đơn hàng của bạn là gì?" in out


def test_flows_with_errors_exit_1_as_validate(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("flow: broken\nsteps:\n  - id: a\n    goto: nowhere\n",
                                          encoding="utf-8")
    code, out = invoke(str(tmp_path), "--script", str(tmp_path / "broken.yaml"))
    assert code == ExitCode.INVALID
    assert "nowhere" in out


@pytest.mark.parametrize(("args", "says"), [
    (["--as", "not-a-phone"], "is not a phone number"),
    (["--flow", "nope"], "no flow `nope`"),
    (["--script", "missing.txt"], "cannot read script"),
    (["--mocks", "missing.yaml"], "cannot read mocks file"),
    (["--lang", "fr"], "fr"),
    (["--allow-local-http"], "only goes with --live-http"),
])
def test_usage_errors_exit_2(args: list[str], says: str) -> None:
    code, out = invoke(str(FLOWS), *args)
    assert code == ExitCode.USAGE
    assert says in out


def test_a_bad_mocks_file_exits_2(tmp_path: Path) -> None:
    mocks = tmp_path / "m.yaml"
    mocks.write_text("http:\n  - {method: GET, url: https://x.test, stauts: 500}\n",
                     encoding="utf-8")
    code, out = invoke(str(FLOWS), "--mocks", str(mocks))
    assert code == ExitCode.USAGE
    assert "did you mean `status`?" in out
