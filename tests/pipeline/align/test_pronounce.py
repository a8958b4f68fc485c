"""Pronunciations for the acoustic aligner: CMUdict, espeak-ng's readings (through Piper's own
copy of espeak-ng), and the ways people say numbers."""

from __future__ import annotations

from pathlib import Path

import pocketsphinx
import pytest

from videorender.pipeline.align.pronounce import (
    CMU_DICT,
    build_lexicon,
    dictionary_key,
    edit_distance,
    ipa_to_phones,
)

# The phones of PocketSphinx's US English model (its mdef), besides silence.
MODEL_PHONES = set(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW "
    "V W Y Z ZH".split()
)


def _readings(token: str) -> tuple[str, ...]:
    lexicon = build_lexicon([token])
    word = lexicon.words[0]
    assert word is not None, token
    return lexicon.entries[word]


@pytest.mark.parametrize(
    ("token", "key"),
    [
        ("Lighthouse", "lighthouse"),
        ("tea.", "tea"),
        ("(really),", "really"),
        ('"Hello!"', "hello"),
        ("U.S.", "u.s."),
        ("B.C.,", "b.c."),
        ("don't", "don't"),
        ("$2.50", "$2.50"),
        ("x(2)", "x_2"),  # parentheses mark alternatives in a dictionary
        ("##", "_##"),  # a comment there
        ("—", ""),
    ],
)
def test_dictionary_keys_drop_the_punctuation_around_a_word(token: str, key: str) -> None:
    assert dictionary_key(token) == key


def test_dictionary_words_read_as_cmudict_spells_them() -> None:
    assert _readings("keeper") == ("K IY P ER",)
    assert _readings("Every")[:2] == ("EH V ER IY", "EH V R IY")


@pytest.mark.parametrize(
    ("token", "spoken"),
    [
        ("Dr.", "D AA K T ER"),  # CMUdict's "dr" is "drive"
        ("St.", "S EY N T"),  # "street" to CMUdict
        ("1887", "EY T IY N EY D IY S EH V AH N"),  # a year, as people say it
        ("1887", "W AH N TH AW Z AH N D EY T HH AH N D R IH D EY D IY S EH V AH N"),  # espeak-ng
        ("$2.50", "T UW D AA L ER Z F IH F T IY"),
        ("$2.50", "T UW D AA L ER Z AE N D F IH F T IY S EH N T S"),
        ("1905", "N AY N T IY N OW F AY V"),
        ("10%", "T EH N P ER S EH N T"),
        ("lighthouse's", "L AY T HH AW S IH Z"),  # not in CMUdict
        ("Nguyen", "N UW Y EH N"),
    ],
)
def test_what_the_dictionary_does_not_spell_is_read_as_spoken(token: str, spoken: str) -> None:
    assert spoken in _readings(token)


def test_a_word_without_any_reading_gets_none() -> None:
    lexicon = build_lexicon(["Stop", "—", "go"])
    assert lexicon.words == ("stop", None, "go")


def test_every_reading_uses_only_the_model_phones(tmp_path: Path) -> None:
    tokens = "In 1887, Dr. Smith paid $2.50 for an old map of St. Ives — café, 280 B.C. 10%".split()
    tokens += ["##", "#1", "x(2)", "C++", "a/b", "3:45", "日本語"]  # odd, still readable
    lexicon = build_lexicon(tokens)
    for readings in lexicon.entries.values():
        for phones in readings:
            assert phones and set(phones.split()) <= MODEL_PHONES, phones
    # PocketSphinx accepts the dictionary it is written to, alternatives and all.
    lexicon.write(tmp_path / "words.dict")
    decoder = pocketsphinx.Decoder(lm=None, dict=str(tmp_path / "words.dict"), logfn="/dev/null")
    assert decoder.lookup_word("dr") == "D R AY V"
    assert decoder.lookup_word("dr(2)") == "D AA K T ER"
    assert decoder.lookup_word("café") == "K AE F EY"
    for word in lexicon.words:
        assert word is None or decoder.lookup_word(word), word


def test_the_same_word_twice_is_one_entry() -> None:
    lexicon = build_lexicon(["The", "keeper", "and", "the", "keeper."])
    assert lexicon.words == ("the", "keeper", "and", "the", "keeper")
    assert set(lexicon.entries) == {"the", "keeper", "and"}


def test_ipa_maps_to_the_model_phones() -> None:
    assert ipa_to_phones("ðə lˈaɪthaʊs kˈiːpɚ") == "DH AH L AY T HH AW S K IY P ER"
    assert ipa_to_phones("tʃˈɜːtʃ dʒˈʌdʒ") == "CH ER CH JH AH JH"  # "ɜː" then "tʃ": one ER
    assert ipa_to_phones("bˈɜːd") == "B ER D"
    assert ipa_to_phones("wˈɔːɾɚ") == "W AO D ER"  # the flap is a D
    assert ipa_to_phones("") == ""


def test_edit_distance_counts_phone_edits() -> None:
    assert edit_distance("D R AY V".split(), "D AA K T ER".split()) == 4
    assert edit_distance("EH V R IY".split(), "EH V ER IY".split()) == 1
    assert edit_distance([], ["A"]) == 1


def test_cmudict_ships_with_pocketsphinx() -> None:
    assert CMU_DICT.is_file() and CMU_DICT.stat().st_size > 3_000_000
