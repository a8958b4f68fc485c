"""`.env.example` documents every setting, under the name the settings read."""

from __future__ import annotations

import re
from pathlib import Path

from videorender.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def test_env_example_lists_every_setting() -> None:
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    variables = {name.upper() for name in Settings.model_fields}
    assert variables - listed == set()
    assert listed - variables == set()  # nothing listed that the service ignores
