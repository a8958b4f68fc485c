"""Voiceover alignment: sentence and word times in a recording the caller provides.

- `voiceover`: the stage (check the recording, align it, fall back when it does not match).
- `features`: frame features of speech (MFCCs, speech activity).
- `dtw`: dynamic time warping in linear time and memory.
"""

from videorender.pipeline.align.voiceover import (
    AlignmentResult,
    check_voiceover,
    timings_for_voiceover,
)

__all__ = ["AlignmentResult", "check_voiceover", "timings_for_voiceover"]
