"""The runtime: a pure engine, expressions, templates, store/port interfaces, AI agents.

Nothing under `wactl/runtime/` imports aiohttp, asyncpg, redis, aio_pika or openai:
I/O lives in `wactl.service`, which carries out the effects the engine returns.
"""
