"""Subtitle timings for a provided voiceover: our pacing stretched onto its length."""

from __future__ import annotations

from videorender.pipeline.models import SentenceTiming
from videorender.pipeline.voice import fit_timings


def test_timings_scale_to_the_recording() -> None:
    paced = (SentenceTiming(0, "One.", 0, 1000), SentenceTiming(1, "Two.", 1250, 2000))
    fitted = fit_timings(paced, 2000, 3000)
    assert [(s.start_ms, s.end_ms) for s in fitted] == [(0, 1500), (1875, 3000)]
    assert [s.text for s in fitted] == ["One.", "Two."]


def test_nothing_to_scale_from() -> None:
    paced = (SentenceTiming(0, "One.", 0, 0),)
    assert fit_timings(paced, 0, 3000) == paced
