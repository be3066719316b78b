"""Shared test configuration.

In CI (`CI` set, as `.ci/run` is called) hypothesis runs derandomized: the same examples
on every run, so a landing never depends on the luck of a random seed.  Developers
running `scripts/test` locally keep random exploration, which is where new failures
are found (and then pinned with `@example`).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
