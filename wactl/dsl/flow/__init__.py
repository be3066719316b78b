"""The `.flow` spelling: grammar, parser, transformer, error messages and formatter."""
