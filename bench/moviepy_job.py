"""The baseline: the same job written the way a MoviePy 2.x user would write it.

The narration is made exactly as ours is (the same Piper voice and sentence timings, no speech
cache), so the comparison is about compositing and encoding: MoviePy loops and crops the base
clip, lays the music under the voice at 20 %, shows one `TextClip` per caption at the times our
subtitle stage computes, and encodes with `write_videofile` using the codec, preset, quality and
thread count our render uses. It does less than ours (no ducking, no loudness normalisation, no
thumbnail) and still is the slower one.

    python -m bench.moviepy_job SCRIPT --video BASE --music BGM --size WxH -o OUT.mp4 \
        [--json-summary PATH]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from moviepy import (
    AudioFileClip,
    CompositeAudioClip,
    CompositeVideoClip,
    TextClip,
    VideoClip,
    VideoFileClip,
    afx,
    vfx,
)

from videorender.config import Settings, load_settings
from videorender.pipeline.captions.fonts import LATIN
from videorender.pipeline.captions.subtitles import CaptionLayout, build_subtitles
from videorender.pipeline.models import Size, VoiceTrack
from videorender.pipeline.render.ffmpeg import cover_crop
from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts import create_engine
from videorender.pipeline.tts.speech import synthesize_voice


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.moviepy_job")
    parser.add_argument("script", type=Path)
    parser.add_argument("--video", type=Path, required=True)
    parser.add_argument("--music", type=Path, required=True)
    parser.add_argument("--size", type=Size.parse, required=True)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--json-summary", type=Path)
    args = parser.parse_args(argv)
    settings = load_settings()
    stages: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-moviepy-") as work:
        started = time.perf_counter()
        voice = _narrate(args.script, Path(work) / "voice.wav", settings)
        stages["tts"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        duration_s = (voice.duration_ms + settings.tail_ms) / 1000
        _compose_and_write(args, voice, duration_s, settings)
        stages["moviepy"] = round(time.perf_counter() - started, 3)
    if args.json_summary:
        summary = {"duration_ms": round(duration_s * 1000), "stage_seconds": stages}
        args.json_summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


def _narrate(script: Path, wav: Path, settings: Settings) -> VoiceTrack:
    sentences = process_script(script.read_text(encoding="utf-8"))
    return synthesize_voice(
        create_engine(settings.pipeline_config().tts),
        sentences,
        wav,
        pause_ms=settings.sentence_pause_ms,
    )


def _compose_and_write(
    args: argparse.Namespace, voice: VoiceTrack, duration_s: float, settings: Settings
) -> None:
    size: Size = args.size
    base = _fitted_base(args.video, size, duration_s)
    music = AudioFileClip(str(args.music)).with_effects(
        [
            afx.AudioLoop(duration=duration_s),
            afx.MultiplyVolume(settings.music_volume),
            afx.AudioFadeOut(settings.music_fade_out_ms / 1000),
        ]
    )
    audio = CompositeAudioClip([AudioFileClip(str(voice.path)), music]).with_duration(duration_s)
    video = CompositeVideoClip([base, *_captions(voice, size)], size=(size.width, size.height))
    video = video.with_audio(audio).with_duration(duration_s)
    encoder = settings.pipeline_config().render.encoder
    video.write_videofile(
        str(args.output),
        fps=30,
        codec="libx264",
        preset=encoder.preset,
        ffmpeg_params=["-crf", str(encoder.crf)],
        threads=encoder.threads,
        pixel_format="yuv420p",
        audio_codec="aac",
        audio_bitrate=encoder.audio_bitrate,
        logger=None,
    )


def _fitted_base(path: Path, size: Size, duration_s: float) -> VideoClip:
    clip = VideoFileClip(str(path), audio=False)
    if clip.duration < duration_s:
        clip = clip.with_effects([vfx.Loop(duration=duration_s)])
    else:
        clip = clip.subclipped(0, duration_s)
    source = Size(clip.w, clip.h)
    crop = cover_crop(source, size)
    effects = []
    if crop != source:
        effects.append(
            vfx.Crop(x_center=clip.w / 2, y_center=clip.h / 2, width=crop.width, height=crop.height)
        )
    if crop != size:
        effects.append(vfx.Resize((size.width, size.height)))
    return clip.with_effects(effects) if effects else clip


def _captions(voice: VoiceTrack, size: Size) -> list[VideoClip]:
    """One TextClip per caption page, at the same times and size as ours."""
    layout = CaptionLayout.for_frame(size)
    clips: list[VideoClip] = []
    for event in build_subtitles(voice.sentences, size, LATIN.family).events:
        text = TextClip(
            font=str(LATIN.path),
            text=event.plaintext,
            font_size=layout.font_px,
            color="white",
            stroke_color="black",
            stroke_width=max(1, round(layout.outline_px)),
            method="caption",
            size=(size.width - 2 * layout.margin_h, None),
            text_align="center",
        )
        top = size.height - layout.margin_v - text.h
        clips.append(
            text.with_start(event.start / 1000)
            .with_duration((event.end - event.start) / 1000)
            .with_position(("center", top))
        )
    return clips


if __name__ == "__main__":
    raise SystemExit(main())
