"""Pronunciations of a script's words for the acoustic aligner, in the acoustic model's phones.

A narrator says what the text means, not what it spells: "1887", "$2.50", "Dr." and "B.C."
are not dictionary words. Every word gets:
- its entries in CMUdict (the dictionary shipped with PocketSphinx's US English model), and
- espeak-ng's reading of it, the same text normalisation our Piper and Kokoro voices speak by
  (numbers, money, abbreviations, unknown names), mapped from IPA to the model's phones, added
  as an alternative when CMUdict has no entry or reads it differently ("Dr." is "doctor" to
  espeak-ng and "drive" to CMUdict);
- for numbers, the readings people use that espeak-ng does not: years ("eighteen eighty
  seven"), money ("two dollars fifty"), British "and" ("two hundred and eighty").
The aligner chooses between alternatives by the audio. A word without any reading (a dash,
a lone symbol) gets none; its time is interpolated between its neighbours.

espeak-ng is the copy inside `piper-tts`, driven under Piper's own lock (it is one global
state per process, shared with Piper's phonemizer).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import piper.voice as piper_voice
import pocketsphinx
from piper import espeakbridge
from piper.phonemize_espeak import EspeakPhonemizer

CMU_DICT = Path(pocketsphinx.get_model_path("en-us/cmudict-en-us.dict"))

# espeak-ng's English IPA -> the model's phones (ARPAbet without stress). Longest match first.
_IPA_TO_PHONES = {
    "aɪə": "AY ER", "aɪɚ": "AY ER", "aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "oʊ": "OW", "ɔɪ": "OY",
    "əʊ": "OW", "iə": "IY", "ɪə": "IH R", "ɛə": "EH R", "eə": "EH R", "ʊə": "UH R",
    "ɑː": "AA", "ɑ": "AA", "ɒ": "AA", "æ": "AE", "a": "AE", "ʌ": "AH", "ə": "AH", "ɐ": "AH",
    "ɔː": "AO", "ɔ": "AO", "ɚ": "ER", "ɜː": "ER", "ɜ": "ER", "ɛ": "EH", "e": "EH", "ɪ": "IH",
    "ᵻ": "IH", "iː": "IY", "i": "IY", "ʊ": "UH", "uː": "UW", "u": "UW", "oː": "OW", "o": "OW",
    "tʃ": "CH", "dʒ": "JH", "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G",
    "g": "G", "f": "F", "v": "V", "θ": "TH", "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH",
    "ʒ": "ZH", "h": "HH", "m": "M", "n": "N", "ŋ": "NG", "l": "L", "ɹ": "R", "r": "R",
    "j": "Y", "w": "W", "ɾ": "D", "x": "K", "ç": "HH", "ɬ": "L", "ʔ": "",
}  # fmt: skip
_IPA_KEYS = sorted(_IPA_TO_PHONES, key=len, reverse=True)
_IGNORED_MARKS = str.maketrans("", "", "ˈˌ\u0329-‿")  # stress, syllabic, linking
_OUTER_PUNCTUATION = "\"'“”‘’«»()[]{}<>,;:!?¿¡…—–-*_/\\|"
# Share of a reading that may differ from CMUdict's before espeak-ng's is kept beside it.
MAX_SHARED_DIFFERENCE = 0.34
_YEAR = re.compile(r"(1[1-9]|20)(\d\d)s?")
_MONEY = re.compile(r"([$£€])(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d\d))?")
_CURRENCY = {"$": ("dollar", "dollars", "cents"), "£": ("pound", "pounds", "pence"),
             "€": ("euro", "euros", "cents")}  # fmt: skip
_HUNDREDS = re.compile(r"\d*[1-9]\d\d")


@dataclass(frozen=True)
class Lexicon:
    """Per script word, the dictionary entry the aligner uses for it (None: no reading), and
    every entry's pronunciations (phone strings, first the preferred one)."""

    words: tuple[str | None, ...]
    entries: dict[str, tuple[str, ...]]

    def write(self, path: Path) -> None:
        """A PocketSphinx dictionary file of exactly these entries."""
        lines = []
        for word, prons in self.entries.items():
            for number, phones in enumerate(prons):
                suffix = f"({number + 1})" if number else ""
                lines.append(f"{word}{suffix} {phones}\n")
        path.write_text("".join(lines), encoding="utf-8")


def dictionary_key(token: str) -> str:
    """The dictionary's spelling of a script word: lower case, without the punctuation
    around it (a final period is kept only where it marks an abbreviation)."""
    bare = unicodedata.normalize("NFC", token).lower().strip(_OUTER_PUNCTUATION)
    if bare.endswith(".") and not re.search(r"\.\w", bare):
        bare = bare.rstrip(".")  # "tea." -> "tea"; "u.s." and "b.c." keep theirs
    # Whitespace and parentheses mean something in a dictionary file, and so does "##" first.
    key = re.sub(r"[\s()]", "_", bare)
    return f"_{key}" if key.startswith("#") else key


def build_lexicon(tokens: Sequence[str], cmudict: Path = CMU_DICT) -> Lexicon:
    """Readings of every script word (see the module docstring).

    Raises:
        OSError: the dictionary file cannot be read.
    """
    keys = [dictionary_key(t) for t in tokens]
    known = read_cmudict(cmudict, {k for k in keys if k} | {f"{k}." for k in keys if k})
    entries: dict[str, tuple[str, ...]] = {}
    words: list[str | None] = []
    for token, key in zip(tokens, keys, strict=True):
        if key and key in entries:
            words.append(key)
            continue
        readings = _readings(token, known.get(key, ()) or known.get(f"{key}.", ()))
        if not key or not readings:
            words.append(None)
            continue
        entries[key] = readings
        words.append(key)
    return Lexicon(tuple(words), entries)


def read_cmudict(path: Path, wanted: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The entries of `wanted` words in a CMUdict-format file, alternatives in file order.

    Raises:
        OSError: the file cannot be read.
    """
    wanted = set(wanted)
    found: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            head, _, phones = line.partition(" ")
            word = head.split("(", 1)[0]
            if word in wanted:
                found.setdefault(word, []).append(phones.split("#", 1)[0].strip())
    return {word: tuple(p for p in prons if p) for word, prons in found.items()}


def _readings(token: str, dictionary: tuple[str, ...]) -> tuple[str, ...]:
    """CMUdict's readings, then each spoken reading that none of them is close to."""
    readings = list(dictionary)
    for phones in spoken_readings(token):
        if phones and all(_differs(phones, known) for known in readings):
            readings.append(phones)
    return tuple(readings)


def spoken_readings(token: str) -> list[str]:
    """espeak-ng's reading of the token, then the other ways people say numbers in it."""
    text = token.strip(_OUTER_PUNCTUATION.replace("$", ""))
    readings = [ipa_to_phones(espeak_ipa(text, "en-us"))]
    for alternative in _number_alternatives(text):
        readings.append(ipa_to_phones(espeak_ipa(alternative, "en-us")))
    if any(ch.isdigit() for ch in text):  # "two hundred and eighty"
        readings.append(ipa_to_phones(espeak_ipa(text, "en")))
    return readings


def _number_alternatives(text: str) -> list[str]:
    year = _YEAR.fullmatch(text)
    if year and not text.endswith("00"):
        century, rest = year.groups()
        rest = f"oh {rest[1:]}" if rest.startswith("0") else rest
        return [f"{century} {rest}"]  # "eighteen eighty-seven", "nineteen oh five"
    money = _MONEY.fullmatch(text)
    if money:
        one, many, cents = _CURRENCY[money.group(1)]
        amount, fraction = money.group(2), money.group(3)
        unit = one if amount == "1" else many
        if not fraction or fraction == "00":
            return [f"{amount} {unit}"]
        return [f"{amount} {unit} {fraction}", f"{amount} {unit} and {fraction} {cents}"]
    return []


def _differs(a: str, b: str) -> bool:
    x, y = a.split(), b.split()
    return edit_distance(x, y) > MAX_SHARED_DIFFERENCE * max(len(x), len(y))


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance between two phone sequences."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def ipa_to_phones(ipa: str) -> str:
    """espeak-ng's IPA for English as the model's phones, space-separated ('' for none)."""
    text = unicodedata.normalize("NFC", ipa).translate(_IGNORED_MARKS)
    phones: list[str] = []
    i = 0
    while i < len(text):
        key = next((k for k in _IPA_KEYS if text.startswith(k, i)), None)
        if key is None:  # spaces, punctuation, marks of other languages
            i += 1
            continue
        for phone in _IPA_TO_PHONES[key].split():
            if not (phone == "R" and phones and phones[-1] == "ER"):  # "ɜːɹ" is one ER
                phones.append(phone)
        i += len(key)
    return " ".join(phones)


def espeak_ipa(text: str, voice: str) -> str:
    """espeak-ng's IPA for `text` in `voice`, clauses joined by spaces."""
    # Piper keeps one espeak-ng phonemizer per process behind this lock; share both.
    with piper_voice._ESPEAK_PHONEMIZER_LOCK:
        if piper_voice._ESPEAK_PHONEMIZER is None:
            piper_voice._ESPEAK_PHONEMIZER = EspeakPhonemizer()
        espeakbridge.set_voice(voice)
        clauses = espeakbridge.get_phonemes(text)
    return " ".join(re.sub(r"\([^)]*\)", "", phonemes) for phonemes, _, _ in clauses)
