"""Word timings from the real Piper voice, checked against the audio they came with."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.decode import speech_onsets_ms
from videorender.config import Settings
from videorender.pipeline.text.script import process_script
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.tts import create_engine
from videorender.pipeline.tts.speech import synthesize_voice

SCRIPT = (
    "The lighthouse keeper climbed all of the stairs in 1887. "
    "At midnight, the lamp was lit again and the ships passed safely."
)


def test_piper_word_spans_lie_in_order_inside_their_sentence(
    settings: Settings, tmp_path: Path
) -> None:
    sentences = process_script(SCRIPT)
    voice = synthesize_voice(
        create_engine(settings.pipeline_config().tts), sentences, tmp_path / "v.wav", pause_ms=300
    )
    assert len(voice.sentences) == 2
    for sentence in voice.sentences:
        assert [w.text for w in sentence.words] == split_words(sentence.text)
        assert not sentence.words_estimated
        for word in sentence.words:
            assert sentence.start_ms <= word.start_ms < word.end_ms <= sentence.end_ms, word
        for before, after in itertools.pairwise(sentence.words):
            assert before.end_ms <= after.start_ms
    # The year is spoken as four words: its span is far longer than its neighbours'.
    first = {w.text: w for w in voice.sentences[0].words}
    year = first["1887."]
    assert year.end_ms - year.start_ms > 2 * (first["stairs"].end_ms - first["stairs"].start_ms)
    # Each sentence's first word starts where the audio's speech does.
    onsets = speech_onsets_ms(voice.path, [s.start_ms for s in voice.sentences])
    for sentence, onset in zip(voice.sentences, onsets, strict=True):
        assert abs(sentence.words[0].start_ms - onset) <= 100, (sentence.words[0], onset)
