"""Voiceover alignment: sentence and word times in a recording the caller provides.

- `voiceover`: the stage (check the recording, choose the method by language, fall back when
  it does not match, word times into captions).
- `acoustic`: English, by forced alignment with PocketSphinx; `pronounce`: its dictionary.
- `warp`: other languages, by DTW against the script spoken by our voice; `dtw`: the DTW in
  linear time and memory; `features`: frame features of speech (MFCCs, speech activity).
- `pauses`: pauses, pieces, and the pause programme that places sentence starts at pauses.
- `pcm`: the recording decoded once to 16 kHz PCM, read back a range at a time.
"""

from videorender.pipeline.align.voiceover import (
    AlignmentResult,
    check_voiceover,
    timings_for_voiceover,
)

__all__ = ["AlignmentResult", "check_voiceover", "timings_for_voiceover"]
