from __future__ import annotations

import pytest

from videorender.errors import ScriptError
from videorender.pipeline.text.script import (
    MAX_CHUNK_CHARS,
    MAX_SCRIPT_CHARS,
    MAX_WORDS,
    MIN_WORDS,
    process_script,
    split_sentences,
    split_units,
    word_count,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dr. Smith paid $2.50 for 3.14 pounds of apples. Then he left.",
            ["Dr. Smith paid $2.50 for 3.14 pounds of apples.", "Then he left."],
        ),
        (
            "I live in the U.S. The weather is nice.",
            ["I live in the U.S.", "The weather is nice."],
        ),
        ("We met e.g. at noon, i.e. early.", ["We met e.g. at noon, i.e. early."]),
        ("He works for the U.S. Army now.", ["He works for the U.S. Army now."]),
        (
            'Wait... what happened? Really?! "Yes," she said. "It\'s true." He nodded.',
            ["Wait... what happened?", "Really?!", '"Yes," she said.', '"It\'s true."', "He nodded."],
        ),
        ("I was… thinking. Then… Nothing.", ["I was… thinking.", "Then…", "Nothing."]),
        ("Visit example.com today. It costs 5.5 dollars.", ["Visit example.com today.", "It costs 5.5 dollars."]),
        ("J. R. R. Tolkien wrote books. They are long.", ["J. R. R. Tolkien wrote books.", "They are long."]),
        ("Mr. and Mrs. Jones met Prof. Lee at 9 a.m. sharp.", ["Mr. and Mrs. Jones met Prof. Lee at 9 a.m. sharp."]),
        ("(This is an aside.) And this is not!", ["(This is an aside.)", "And this is not!"]),
        ("今日は良い天気です。明日も晴れるでしょう！本当に？", ["今日は良い天気です。", "明日も晴れるでしょう！", "本当に？"]),
        ("他说：“你好。”然后走了。", ["他说：“你好。”", "然后走了。"]),
    ],
)  # fmt: skip
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_units_paragraphs_bullets_and_hard_wrapped_lines() -> None:
    text = (
        "Our plan\n\n"
        "This paragraph was wrapped by an editor at a fixed width so its\n"
        "lines must be joined back together.\n"
        "- first item\n"
        "* second item\n"
        "2) third item\n"
        "• fourth item"
    )
    assert split_units(text) == [
        "Our plan",
        "This paragraph was wrapped by an editor at a fixed width so its lines must be joined "
        "back together.",
        "first item",
        "second item",
        "third item",
        "fourth item",
    ]


def test_short_sentences_merge_with_a_neighbour() -> None:
    chunks = [s.text for s in process_script("Hi there. This is a complete sentence here. Bye.")]
    assert chunks == ["Hi there. This is a complete sentence here. Bye."]
    chunks = [s.text for s in process_script("Yes. " + "word " * 18 + "end.")]
    assert all(word_count(c) >= MIN_WORDS for c in chunks)


def test_bullet_items_keep_their_pause_when_merged() -> None:
    chunks = [s.text for s in process_script("- Fast\n- Cheap\n- Reliable")]
    assert chunks == ["Fast. Cheap. Reliable"]


def test_long_sentence_splits_at_the_strongest_clause_boundary() -> None:
    text = (
        "The first half of this sentence talks about one idea at some length; "
        "the second half then moves on to a rather different idea entirely."
    )
    chunks = [s.text for s in process_script(text)]
    assert chunks == [
        "The first half of this sentence talks about one idea at some length;",
        "the second half then moves on to a rather different idea entirely.",
    ]


def test_split_prefers_comma_then_conjunction_and_never_cuts_a_word() -> None:
    text = " ".join(f"w{i}" for i in range(14)) + ", " + " ".join(f"x{i}" for i in range(14)) + "."
    chunks = [s.text for s in process_script(text)]
    assert chunks[0].endswith("w13,")
    words = [w for chunk in chunks for w in chunk.split()]
    assert words == text.split()
    text = " ".join(f"a{i}" for i in range(13)) + " and " + " ".join(f"b{i}" for i in range(13))
    chunks = [s.text for s in process_script(text)]
    assert chunks[1].startswith("and ")


def test_every_chunk_respects_the_limits_on_long_prose() -> None:
    sentence = (
        "When the storm finally passed, the villagers walked down to the shore, counted the "
        "boats, and found that every single one had survived the night without damage"
    )
    chunks = process_script(" ".join([sentence + "."] * 30))
    assert all(MIN_WORDS <= c.words <= MAX_WORDS for c in chunks)
    assert " ".join(c.text for c in chunks).split() == " ".join([sentence + "."] * 30).split()


def test_cjk_text_splits_by_punctuation_and_length() -> None:
    text = (
        "这是一个非常长的中文句子，我们需要把它按照标点符号和长度进行切分，"
        "这样字幕才能在屏幕上正确显示，而且不会太长。"
    )
    chunks = [s.text for s in process_script(text)]
    assert len(chunks) == 2
    assert "".join(chunks) == text
    assert chunks[0].endswith("，")
    unpunctuated = "字" * 100
    chunks = [s.text for s in process_script(unpunctuated)]
    assert "".join(chunks) == unpunctuated
    assert all(word_count(c) <= MAX_WORDS for c in chunks)


def test_one_enormous_word_is_cut_into_bounded_chunks() -> None:
    chunks = process_script("x" * 5000)
    assert "".join(c.text for c in chunks) == "x" * 5000
    assert max(len(c.text) for c in chunks) <= MAX_CHUNK_CHARS


@pytest.mark.parametrize("text", ["", "   \n\t  ", "\x00\x01"])
def test_empty_script_is_refused(text: str) -> None:
    with pytest.raises(ScriptError, match="empty"):
        process_script(text)


def test_script_without_words_is_refused() -> None:
    with pytest.raises(ScriptError, match="no words"):
        process_script("... !!! ???")


def test_length_limit_is_exact() -> None:
    assert process_script("a" * (MAX_SCRIPT_CHARS - 1) + ".")
    with pytest.raises(ScriptError, match="50,001 characters"):
        process_script("a" * MAX_SCRIPT_CHARS + ".")
    # Surrounding whitespace does not count against the limit.
    assert process_script("  " + "a" * (MAX_SCRIPT_CHARS - 1) + ".  ")


def test_control_characters_are_dropped_and_indices_are_sequential() -> None:
    chunks = process_script("Hello\x07 world, this is fine.\x1b Another sentence is here too.")
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all("\x07" not in c.text and "\x1b" not in c.text for c in chunks)
