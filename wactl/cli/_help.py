"""`--help` in words: `PATHS...`, `FILE`, `[text|json]`, nothing after a flag.

typer shows each parameter's Python type (`<list[str]>`, `<bool>`, `<str>`) and names
arguments in braces in the usage line (`{flow}`); a merchant reads neither.  After a
command is built, each parameter gets a metavar in words: an argument its name in
capitals (`...` when it takes several), an option with choices its choices, a flag
nothing, any other option its name in capitals.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


def in_words(command: Any) -> Any:
    """`command` (a built click command) with every parameter's metavar in words."""
    help_option = command.get_help_option(command.context_class(command))
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        if param.param_type_name == "argument":
            _argument(param)
        elif getattr(param, "is_flag", False):
            param.metavar = ""
        else:
            param.metavar = _choices(param) or (param.name or "value").upper()
    return command


def _argument(param: Any) -> None:
    """`PATHS...` in the table and `[PATHS]...` in the usage line, with no type beside it
    (typer's own instance methods are replaced: it has no setting for this)."""
    name = param.metavar = param.name.upper()
    many = "..." if param.nargs != 1 else ""
    param.display_type_rich = lambda ctx: None
    param._rich_display_name = lambda: name + many
    param._usage_display_name = lambda: (name if param.required else f"[{name}]") + many


def _choices(param: Any) -> str | None:
    descriptor = getattr(param, "type_descriptor", None)
    choices = getattr(descriptor, "choices", None) if descriptor is not None else None
    if not choices:
        return None
    return "[" + "|".join(str(c.value if isinstance(c, Enum) else c) for c in choices) + "]"
