"""The `videorender` command (`videorender = videorender.cli:main`).

- `main`: the parser, and errors turned into exit codes in one place.
- `render`: `render` and `voiceover`; `batch`: `batch`; `service`: `serve`, `worker`, `mcp`,
  `migrate`.
- `files`: the script, inputs and output folder, checked before any work.
- `progress`: the console and the progress bars.
"""

from videorender.cli.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from videorender.cli.main import main

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "main"]
