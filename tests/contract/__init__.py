"""The port contract suite (see kits.py)."""
