"""The script's writing system against the voice's language, before anything is spoken.

A voice never reads a script it would spell out or name character by character
(`writing.py`). When the job's language came from its voice (the job named none) and the
script is written otherwise:

- a Kokoro voice speaks the script's language instead (a voice is only a style vector: a
  Japanese voice speaks English text, with an accent, through the English phonemizer), if
  that language's phonemizer is here (else its extra is named, as for any language);
- a Piper voice (one language per model) is refused, naming the voices there are.

A job that named its language and a script written otherwise is refused: one of the two is
wrong, and neither reading would be the narration it asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from videorender.errors import InputError
from videorender.pipeline.text.languages import written_in
from videorender.pipeline.text.writing import writing_system
from videorender.pipeline.tts.voices import VoiceChoice

log = logging.getLogger(__name__)

_NAMES = {"Japanese": "Japanese (kana and kanji)", "Han": "Chinese characters"}


def fit_script(
    choice: VoiceChoice,
    text: str,
    *,
    asked: str | None,
    speaker: str | None,
    rechoose: Callable[[str], VoiceChoice],
) -> VoiceChoice:
    """`choice` if its language is written the way `text` is, else the same engine and voice
    speaking the script's language (Kokoro), chosen again by `rechoose(tag)`.

    Raises:
        InputError: the job named a language its script is not written in (field
            `language`), or its Piper voice cannot speak the script (field `speaker`, else
            `script`).
        LanguageUnavailableError: the script's language needs an extra that is missing.
    """
    system = writing_system(text)
    language = choice.language
    if system is None or not language.writing or system in language.writing:
        return choice
    shown = _NAMES.get(system, f"{system} letters")
    if asked is not None:
        raise InputError(
            f"language {language.tag!r}: the script is written in {shown}, which "
            f"{language.name} is not written in, and its phonemizer would spell it out; "
            "leave language out to narrate the script in its own language",
            "language",
        )
    own = written_in(system)
    if choice.engine == "kokoro" and own is not None and own.kokoro is not None:
        log.info("script in %s: the voice speaks %s instead of %s", shown, own.tag, language.tag)
        return rechoose(own.tag)
    voice = f"the {choice.engine.title()} voice" + (f" {speaker!r}" if speaker else "")
    raise InputError(
        f"the script is written in {shown}, which {voice} cannot read: it speaks "
        f"{language.name} ({language.tag}) and would read the script out as noise; choose a "
        "voice of the script's language (GET /voices), or a Kokoro voice",
        "speaker" if speaker else "script",
    )
