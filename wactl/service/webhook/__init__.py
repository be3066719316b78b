"""WhatsApp's webhook, as pure functions: is a request genuine, and what does its body say.

The aiohttp handler (the service app) calls `verify_signature` / `verify_handshake`
on every request and `parse_webhook` on every stored body; neither does I/O.
"""
