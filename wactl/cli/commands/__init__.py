"""Commands that run flows (simulate, test): one module each, loaded on demand."""
