"""Languages: tags, sentence rules, caption units under the line-breaking rules, limits."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from videorender.errors import InputError, LanguageUnavailableError
from videorender.pipeline.captions.subtitles import build_captions
from videorender.pipeline.captions.text import wrap_pages
from videorender.pipeline.models import SentenceTiming, Size, WordTiming
from videorender.pipeline.text.languages import get_language, normalize_tag, require
from videorender.pipeline.text.script import split_sentences
from videorender.pipeline.text.segmentation import japanese_phrase_starts
from videorender.pipeline.text.word_split import NO_LINE_END, NO_LINE_START, join_words, split_words
from videorender.pipeline.tts.base import WordSpan
from videorender.pipeline.tts.japanese import share_among_units


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [("ja", "ja"), ("JA", "ja"), ("pt_br", "pt-BR"), ("zh-hans", "zh-Hans"), ("en-us", "en-US")],
)
def test_tags_are_normalised(tag: str, canonical: str) -> None:
    assert normalize_tag(tag) == canonical


@pytest.mark.parametrize("tag", ["", "j", "ja-", "日本", "e$", "en us"])
def test_a_bad_tag_is_an_input_error(tag: str) -> None:
    with pytest.raises(InputError, match="BCP-47") as caught:
        get_language(tag)
    assert caught.value.field == "language"


def test_languages_by_tag_region_and_unlisted() -> None:
    assert get_language("ja").captions.max_line_chars == 13
    assert get_language("ja").captions.max_chars_per_second == 4
    assert get_language("es-MX").kokoro == "es" and get_language("es-MX").tag == "es-MX"
    assert get_language("en").kokoro == "en-us" and get_language("en").tag == "en"
    german = get_language("de-DE")
    assert german.kokoro is None and german.captions.max_line_chars == 42


def test_japanese_counts_half_width_characters_as_half() -> None:
    assert get_language("ja").captions.length("東京でAIの話") == 6.0
    assert get_language("en").captions.length("AI") == 2.0


def test_a_language_without_its_extra_names_the_extra() -> None:
    # misaki (the `zh` extra) is not in the test install: a real failing import.
    with pytest.raises(LanguageUnavailableError, match=r"pip install 'videorender\[zh\]'") as e:
        require(get_language("zh"))
    assert e.value.field == "language"


def test_japanese_without_its_extra_fails_before_any_work() -> None:
    """With pyopenjtalk blocked (as if the `ja` extra were not installed), a Japanese Kokoro
    job is refused by name, before any model is loaded."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["pyopenjtalk"] = None  # import pyopenjtalk raises ImportError
        from videorender.config import load_settings
        from videorender.errors import LanguageUnavailableError
        from videorender.pipeline.tts import choose_job_voice
        try:
            choose_job_voice(load_settings(tts_provider="kokoro").pipeline_config().tts, language="ja")
        except LanguageUnavailableError as exc:
            print(exc)
        print("kokoro loaded" if "kokoro_onnx" in sys.modules else "nothing loaded")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "Japanese needs the `ja` extra: pip install 'videorender[ja]'" in out
    assert "nothing loaded" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "¡Hola! ¿Qué tal estás hoy? ¡Qué bonito! dijo ella. ¿Vienes?, preguntó.",
            ["¡Hola!", "¿Qué tal estás hoy?", "¡Qué bonito! dijo ella.", "¿Vienes?, preguntó."],
        ),
        (
            "La Sra. García llegó con el Dr. Pérez. Luego habló el Lic. Ruiz.",
            ["La Sra. García llegó con el Dr. Pérez.", "Luego habló el Lic. Ruiz."],
        ),
    ],
)
def test_spanish_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text, get_language("es")) == expected


def test_japanese_sentences_keep_quotations_with_their_verb() -> None:
    text = "「本当？」と彼は言った！夜の市場は、にぎやかです。次へ。"
    assert split_sentences(text, get_language("ja")) == [
        "「本当？」と彼は言った！",
        "夜の市場は、にぎやかです。",
        "次へ。",
    ]


def test_other_abbreviations_and_the_danda() -> None:
    assert split_sentences("Mme. Martin est là. Elle arrive.", get_language("fr")) == [
        "Mme. Martin est là.",
        "Elle arrive.",
    ]
    assert split_sentences("यह एक वाक्य है। यह दूसरा है।", get_language("hi")) == [
        "यह एक वाक्य है।",
        "यह दूसरा है।",
    ]


def test_caption_units_follow_the_line_breaking_rules() -> None:
    units = split_words("「本当？」と彼は言った。ちょっと待って、写真を撮ろう！")
    assert units[:3] == ["「本", "当？」", "と"]
    assert "ちょっ" in units and "待っ" in units
    for unit in units:
        assert unit[0] not in NO_LINE_START and unit[-1] not in NO_LINE_END
    assert (
        join_words(split_words("2024年12月1日、東京で「AI」の話"))
        == "2024年12月1日、東京で「AI」の話"
    )
    assert split_words("Hello, world. U.S.-made (really)") == [
        "Hello,", "world.", "U.S.-made", "(really)",
    ]  # fmt: skip


def test_japanese_captions_keep_13_characters_and_the_rules() -> None:
    text = "屋台には、焼きとうもろこしや、たこ焼きが並んでいて、みんな楽しそうに歩いています。"
    units = split_words(text)
    words = tuple(WordTiming(u, 300 * i, 300 * i + 280) for i, u in enumerate(units))
    sentence = SentenceTiming(0, text, 0, 300 * len(units), words)
    japanese = get_language("ja").captions
    for style in ("sentence", "karaoke", "words", "pop", "box", "bounce"):
        captions = build_captions(
            [sentence], Size(1920, 1080), "Noto Sans CJK JP", style=style, rules=japanese
        )
        for cue in captions.cues:
            for line in cue.text_lines:
                assert japanese.length(line) <= 13, line
                assert " " not in line
                assert line[0] not in NO_LINE_START and line[-1] not in NO_LINE_END, line
        assert "".join("".join(c.text_lines) for c in captions.cues) == text


def test_japanese_lines_break_after_punctuation_where_they_fit() -> None:
    assert wrap_pages("屋台には、焼きとうもろこしや、たこ焼きが並んでいます。", 13) == [
        ["屋台には、", "焼きとうもろこしや、"],
        ["たこ焼きが並んでいます。"],
    ]


@pytest.mark.parametrize("style", ["sentence", "words", "pop", "box"])
def test_japanese_captions_break_between_phrases(style: str) -> None:
    """Lines and word groups start at a phrase (bunsetsu), never before a particle."""
    texts = [
        "「本当においしいね」と友達は言いました。",
        "夜の市場は、にぎやかで、みんな楽しそうに歩いています。",
    ]
    sentences, start = [], 0
    for number, text in enumerate(texts):
        units = split_words(text)
        words = tuple(
            WordTiming(u, start + 300 * i, start + 300 * i + 280) for i, u in enumerate(units)
        )
        sentences.append(SentenceTiming(number, text, start, start + 300 * len(units), words))
        start += 300 * len(units) + 500
    captions = build_captions(
        sentences, Size(1080, 1920), "Noto Sans CJK JP", style=style,
        rules=get_language("ja").captions,
    )  # fmt: skip
    text = "".join(texts)
    starts = japanese_phrase_starts(texts[0]) | {
        len(texts[0]) + s for s in japanese_phrase_starts(texts[1])
    }
    lines = [line for cue in captions.cues for line in cue.text_lines]
    position = 0
    for line in lines:
        assert text.index(line, position) in starts, (line, lines)
        position = text.index(line, position) + len(line)
    if style == "sentence":
        assert lines[:2] == ["「本当においしいね」と", "友達は言いました。"]


def test_a_japanese_words_time_is_shared_among_its_characters_by_morae() -> None:
    units = ["「市", "場", "は、", "ちょっ", "と"]
    words = [WordSpan("「", 0, 0), WordSpan("市場", 0, 300), WordSpan("は", 300, 400),
             WordSpan("、", 400, 400), WordSpan("ちょっと", 400, 700)]  # fmt: skip
    shared = share_among_units(units, words, [0, 3, 1, 0, 3])  # シジョー, ワ, チョット
    assert [(s.text, s.start, s.end) for s in shared] == [
        ("「市", 0, 200), ("場", 200, 300), ("は、", 300, 400), ("ちょっ", 400, 600), ("と", 600, 700),
    ]  # fmt: skip
