"""The acoustic aligner's parts, and a narrator who does not read the script exactly."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest

from tests.corpus import SCRIPT, sentences_of
from tests.recordings import espeak_speaker, human_pauses, make_recording
from videorender.pipeline.align.acoustic import (
    MIN_CONFIDENCE,
    MS_PER_LETTER,
    ONSET_LEAD_MS,
    WordAlignment,
    _Placed,
    _sentence_onsets,
    _units,
    fill_gaps,
)
from videorender.pipeline.align.features import HOP_MS
from videorender.pipeline.align.voiceover import (
    AlignmentMethod,
    Voiceover,
    _checked,
    _listened,
    align_english,
)
from videorender.pipeline.text.script import Sentence


def _alignment(
    starts: list[int | None], ends: list[int | None], score: float = -1.5
) -> WordAlignment:
    return WordAlignment(tuple(starts), tuple(ends), score, 1000, len(starts), 1, 0)


def test_unplaced_words_are_laid_over_the_speech_between_their_neighbours() -> None:
    speech = np.zeros(300, dtype=bool)  # 6 s
    speech[50:100] = speech[150:200] = True  # speech 1-2 s and 3-4 s
    found = _alignment([1000, None, None, 3500], [1400, None, None, 4000])
    starts, ends = fill_gaps(found, [1, 6, 5, 1], speech)
    # The gap 1.4-3.5 s holds 1100 ms of speech: 600 ms at 1.4-2.0 s, 500 ms at 3.0-3.5 s.
    # The words get 600 and 500 ms of it; the second starts where speech resumes.
    assert starts == [1000, 1400, 3000, 3500] and ends == [1400, 3000, 3500, 4000]
    starts, _ = fill_gaps(found, [1, 1, 1, 1], speech)
    assert starts[2] == 1940  # 550 ms of speech after 1.4 s (on the 20 ms grid)


def test_unplaced_words_at_the_edges_use_the_first_and_last_speech() -> None:
    speech = np.zeros(300, dtype=bool)
    speech[50:250] = True  # 1-5 s
    found = _alignment([None, 2000, None], [None, 2500, None])
    starts, ends = fill_gaps(found, [1, 1, 1], speech)
    assert (starts, ends) == ([1000, 2000, 2500], [2000, 2500, 5000])


def test_a_missed_word_at_a_pause_goes_with_its_own_sentence() -> None:
    # Speech 0-0.96 s and 3.08-4 s. Words 1 ("why", the end of a sentence) and 2 ("A", the
    # next sentence's first) were not placed; between their neighbours (0.95-3.1 s) there is
    # a pause, with 40 ms of their edges.
    speech = np.zeros(250, dtype=bool)
    speech[:48] = speech[154:200] = True
    found = _alignment([500, None, None, 3100], [950, None, None, 3500])
    starts, ends = fill_gaps(found, [3, 3, 1, 7], speech, sentence_starts=[0, 2])
    assert (starts[1], ends[1]) == (950, 950 + 3 * MS_PER_LETTER)  # after "...", its sentence
    assert (starts[2], ends[2]) == (3100 - MS_PER_LETTER, 3100)  # leads into its sentence
    starts, _ = fill_gaps(found, [3, 3, 1, 7], speech)  # sentences unknown: after the last
    assert starts[1:3] == [950, 950 + 3 * MS_PER_LETTER]


def test_a_first_word_stretched_over_the_pause_starts_where_speech_resumes() -> None:
    # "...tea." ends at 1.0 s; the decoder gave the next sentence's "A" 1.0-3.4 s, the whole
    # pause (1.1-3.4 s) included, and "retired" 3.4 s. The sentence starts where "A" is heard.
    speech = np.zeros(250, dtype=bool)
    speech[:55] = speech[170:] = True  # speech to 1.1 s and from 3.4 s
    placed = {
        0: _Placed(0, 600, 1000, -1.0, 40),
        1: _Placed(1, 1000, 3400, -1.0, 240),
        2: _Placed(2, 3400, 3800, -1.0, 40),
    }
    moved = _sentence_onsets(placed, speech, [0, 1])
    assert moved[1].start_ms == 3400 - ONSET_LEAD_MS and moved[1].end_ms == 3400
    assert moved[0] == placed[0] and moved[2] == placed[2]
    speech[55:170] = True  # no pause: nothing moves
    assert _sentence_onsets(placed, speech, [0, 1]) == placed


def test_confidence_is_the_lesser_of_fit_and_words_placed() -> None:
    assert _alignment([0, 10], [10, 20], score=-1.0).confidence == 1.0
    assert _alignment([0, 10], [10, 20], score=-4.0).confidence == 0.0
    assert _alignment([0, 10], [10, 20], score=-2.5).confidence == pytest.approx(0.5)
    half = _alignment([0, None, None, 10], [10, None, None, 20], score=-1.0)
    assert half.confidence == 0.0  # half of the words placed
    assert _alignment([], [], score=-1.0).confidence == 0.0
    assert 0 < MIN_CONFIDENCE < 1


def test_decoded_words_map_back_to_the_text_with_skipped_sentences() -> None:
    keys = "the keeper slept . the gulls sang . the sea rose".split()
    sentence_starts = [0, 4, 8, len(keys)]
    assert _units(keys, ["keeper", "slept"], [0, 1], sentence_starts) == [1, 2]
    # "the gulls sang ." skipped: from the start of sentence 2 to the first word of sentence 3.
    assert _units(keys, [".", "the", "sea"], [3], sentence_starts) == [3, 8, 9]
    assert _units(keys, ["the", "sea"], [4], sentence_starts) == [8, 9]
    assert _units(keys, ["gulls", "rose"], [5], sentence_starts) is None


def test_a_skipped_sentence_leaves_the_others_aligned(tmp_path: Path) -> None:
    texts = sentences_of(SCRIPT)
    said = texts[:4] + texts[5:]  # the narrator skipped the fifth sentence
    recording = make_recording(
        said, espeak_speaker(165, "en-gb+m3"), tmp_path / "skip.wav",
        pauses_ms=human_pauses(len(said) - 1),
    )  # fmt: skip
    sentences = [Sentence(i, t) for i, t in enumerate(texts)]
    result = align_english(sentences, Voiceover(recording.path, tmp_path, 120))
    assert result.method is AlignmentMethod.ACOUSTIC
    got = [s.start_ms for k, s in enumerate(result.sentences) if k != 4]
    errors = np.abs(np.array(got) - recording.starts_ms)
    assert errors.max() <= 100, errors  # measured: 35 ms at worst
    # The skipped sentence sits between its neighbours, not over them.
    assert result.sentences[3].end_ms <= result.sentences[4].start_ms + 2 * HOP_MS


def test_where_the_decoder_lost_its_place_the_estimates_snapped_to_pauses_are_used(
    tmp_path: Path,
) -> None:
    texts = sentences_of(SCRIPT)
    recording = make_recording(
        texts, espeak_speaker(165, "en-us+f2"), tmp_path / "lost.wav",
        pauses_ms=human_pauses(len(texts) - 1),
    )  # fmt: skip
    voiceover = Voiceover(recording.path, tmp_path, 120)
    found = align_english([Sentence(i, t) for i, t in enumerate(texts)], voiceover)
    assert found.method is AlignmentMethod.ACOUSTIC
    # Whisper-like estimates: 300 ms early (its first word reaches back into the pause).
    estimated = [
        dataclasses.replace(s, start_ms=s.start_ms - 300, words=()) for s in found.sentences
    ]
    # The decoder "lost its place" from the 5th sentence on: each placed on the next one.
    lost = [
        *found.sentences[:4],
        *(
            dataclasses.replace(s, start_ms=n.start_ms, end_ms=n.end_ms, words=())
            for s, n in itertools.pairwise(found.sentences[4:])
        ),
        found.sentences[-1],
    ]
    heard = _listened(voiceover)
    checked = _checked(
        dataclasses.replace(found, sentences=tuple(lost)), estimated, heard, voiceover
    )
    errors = np.abs(np.array([s.start_ms for s in checked.sentences]) - recording.starts_ms)
    assert errors.max() <= 100, errors
    assert checked.sentences[:4] == found.sentences[:4]  # where they agree, nothing moves
    assert _checked(found, estimated, heard, voiceover) == found
