"""AI agents, the pure part: prompts, reading answers, safety, handoff rules, pricing.

The call itself is I/O and lives in `wactl.service.openai_ai`; everything it decides
with (what to send, how to read the answer, what it cost, whether a reply may go out)
is here, importable by the engine and testable without a network.
"""
