"""Hostile and international scripts through the running service: each renders, the captions
keep the text (escaped, not interpreted), and the length limit is exact; a script that no
voice here can read (Arabic, Hebrew) is refused before any work, never read out as the
English voice's letter names ("Arabic mim, Arabic ra, ...")."""

from __future__ import annotations

import re

import numpy as np
import pysubs2
import pytest

from tests.decode import duration_s, gray_frame
from tests.service.conftest import ServiceFactory
from tests.service.servers import Service

SCRIPTS = {
    "ass_override_tags": r"{\b1}Bold{\b0} and {\pos(10,10)}moved {\fs200}huge {\k50}text \N here.",
    "control_characters": "Bell\x07 null\x00 escape\x1b[31m red\x1b[0m tab\tform\x0cfeed\x7f end.",
    "cjk": "你好，世界。这是一个测试。こんにちは世界。",
    "emoji": "Launch day 🚀🔥 is here 👩‍👩‍👧‍👦 with flags 🇯🇵 and more.",
    "one_5000_character_word": "a" * 5000,
}


@pytest.fixture(scope="module")
def finished(
    tmp_path_factory: pytest.TempPathFactory, tts_cache: object, kokoro_model_dir: object
) -> dict[str, tuple[Service, dict[str, object]]]:
    """Every script rendered by one service; its jobs run side by side."""
    data = tmp_path_factory.mktemp("text") / "data"
    env = {"TTS_CACHE_DIR": str(tts_cache), "VIDEO_PRESET": "ultrafast", "FFMPEG_THREADS": "1",
           "WEBHOOK_URL": "", "API_KEY": ""}  # fmt: skip
    service = Service(data, env).start()
    try:
        job_ids = {}
        for name, script in SCRIPTS.items():
            # Kana and kanji: a Kokoro voice reads them as Japanese; the English Piper voice
            # cannot (it names each character).
            voice = {"tts_provider": "kokoro"} if name == "cjk" else {}
            body = {"script": script, "size": "160x90", **voice}
            response = service.client.post("/render", json=body)
            assert response.status_code == 202, (name, response.text)
            job_ids[name] = response.json()["job_id"]
        return {
            name: (service, service.wait_finished(job_id, timeout_s=280))
            for name, job_id in job_ids.items()
        }
    finally:
        service.stop()


UNREADABLE = {
    "arabic": ("مرحبا بالعالم. هذا نص تجريبي للترجمة.", "Arabic letters"),
    "hebrew": ("שלום עולם. זהו טקסט לדוגמה עבור כתוביות.", "Hebrew letters"),
}


def test_a_script_no_voice_here_can_read_is_refused(make_service: ServiceFactory) -> None:
    service = make_service()
    for script, writing in UNREADABLE.values():
        response = service.client.post("/render", json={"script": script})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "script"
        assert f"written in {writing}, which the Piper voice cannot read" in response.text
    assert service.client.get("/jobs").json()["jobs"] == []


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_hostile_script_renders(
    name: str, finished: dict[str, tuple[Service, dict[str, object]]]
) -> None:
    service, done = finished[name]
    assert done["status"] == "completed", done["error"]
    job_id = str(done["job_id"])
    subs = pysubs2.load(str(service.data_dir / f"uploads/subtitles/{job_id}-subs.ass"))
    shown = "".join(event.plaintext for event in subs.events).replace("\n", "")
    if name == "ass_override_tags":
        _assert_tags_shown_not_obeyed(service, job_id, subs)
    elif name == "control_characters":
        assert not any(ord(c) < 32 or ord(c) == 127 for c in shown), ascii(shown)
        assert "Bell" in shown and "end." in shown
    elif name == "one_5000_character_word":
        assert shown.replace(" ", "") == "a" * 5000
    else:
        assert shown.replace(" ", "") == SCRIPTS[name].replace(" ", "")


def _assert_tags_shown_not_obeyed(service: Service, job_id: str, subs: pysubs2.SSAFile) -> None:
    """Every brace is escaped (libass shows `\\{` as a brace) and every backslash is broken
    by a word joiner, so no tag acts; the picture agrees: `\\pos(10,10)` would have put the
    caption in the top-left corner and `\\fs200` would fill the frame."""
    raw = "".join(event.text for event in subs.events)
    assert re.search(r"(?<!\\){", raw) is None, raw
    assert re.search(r"\\(?![{}\u2060])", raw.replace("\\N", "")) is None, raw
    video = service.data_dir / f"uploads/renders/{job_id}-final.mp4"
    frame = gray_frame(video, int(duration_s(video) * 1000 / 3), 160, 90).astype(int)
    background = int(np.median(frame))
    ink = np.abs(frame - background) > 40
    assert ink[:45].sum() == 0  # nothing in the top half
    assert ink[45:].sum() > 20  # the caption, where captions go


def test_script_length_limit_is_exact(make_service: ServiceFactory) -> None:
    service = make_service(JOB_TIMEOUT_SECONDS="1")  # the accepted job need not be spoken
    exactly = ("Word " * 10_000)[:49_999] + "."
    assert len(exactly) == 50_000
    accepted = service.client.post("/render", json={"script": exactly})
    assert accepted.status_code == 202, accepted.text
    refused = service.client.post("/render", json={"script": exactly + "x"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["msg"] == (
        "script is 50,001 characters long; the limit is 50,000"
    )
