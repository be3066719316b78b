"""The service: adapters that carry out the engine's effects (HTTP, WhatsApp, OpenAI, stores)."""
