"""A validation failure in words: the problems of a pydantic `ValidationError` as every face
reports them (the API's 422 body, an MCP tool's error, a batch line's error)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError


def validation_problems(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors as the API reports them: loc, `field` (dotted, without `body`), msg
    and type, without echoing the input back (a 50,000-character script, say). The MCP tools
    and `videorender batch` name fields through this too."""
    problems = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        # A JSON syntax error's location is a character offset, not a field.
        field = "body" if error.get("type") == "json_invalid" else field_name(error) or "body"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(
            {"loc": loc, "field": field, "msg": message, "type": error.get("type", "invalid")}
        )
    return problems


def field_name(error: object) -> str:
    """`scenes[3].media_url` for the location ("body", "scenes", 3, "media_url")."""
    loc = error.get("loc", ()) if isinstance(error, dict) else ()
    name = ""
    for part in loc:
        if part == "body" and not name:
            continue
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def validation_message(exc: ValidationError) -> tuple[str, str | None]:
    """One line naming every field at fault (`field: message; ...`), and the first field."""
    problems = validation_problems(exc.errors())
    message = "; ".join(f"{p['field']}: {p['msg']}" for p in problems)
    return message, problems[0]["field"] if problems else None
