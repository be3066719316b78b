"""The YAML spelling: loader, schema and dumpers."""
