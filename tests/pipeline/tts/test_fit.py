"""A job's voice and language against its script's writing system, before any model loads."""

from __future__ import annotations

import pytest

from videorender.config import Settings
from videorender.errors import InputError
from videorender.pipeline.tts import choose_job_voice

ENGLISH = "Tip one: drink water. Tip two: sleep well."
JAPANESE = "今日はいい天気ですね。散歩に行きましょう。"


def test_a_script_in_the_voices_writing_keeps_its_language(settings: Settings) -> None:
    tts = settings.pipeline_config().tts
    assert choose_job_voice(tts, text=ENGLISH).language.tag == "en-US"
    assert choose_job_voice(tts, speaker="jf_alpha", text=JAPANESE).language.tag == "ja"
    assert choose_job_voice(tts, speaker="jf_alpha", text="12:30 !").language.tag == "ja"


def test_a_kokoro_voice_speaks_the_scripts_language(settings: Settings) -> None:
    tts = settings.pipeline_config().tts
    english = choose_job_voice(tts, speaker="jf_alpha", text=ENGLISH)
    assert (english.engine, english.speaker, english.language.tag) == (
        "kokoro",
        "jf_alpha",
        "en-US",
    )
    kokoro = settings.model_copy(update={"kokoro_lang": "en-us"}).pipeline_config().tts
    japanese = choose_job_voice(kokoro, provider="kokoro", text=JAPANESE)
    assert japanese.language.tag == "ja"  # the configured speaker speaks KOKORO_LANG, en-us


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"text": JAPANESE}, "script", "the Piper voice cannot read"),
        (
            {"speaker": "en_US-joe-medium", "text": JAPANESE},
            "speaker",
            "Piper voice 'en_US-joe-medium'",
        ),
        ({"speaker": "jf_alpha", "language": "ja", "text": ENGLISH}, "language", "Latin letters"),
        (
            {"provider": "kokoro", "language": "en", "text": JAPANESE},
            "language",
            "Japanese (kana and kanji)",
        ),
        (
            {"provider": "kokoro", "speaker": "af_bella", "text": ENGLISH},
            "speaker",
            "is not a voice here",
        ),
    ],
)
def test_a_script_the_voice_cannot_read_is_refused(
    settings: Settings, kwargs: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(InputError) as caught:
        choose_job_voice(settings.pipeline_config().tts, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field and words in str(caught.value)
