"""Script stage: text -> sentence chunks, each spoken and captioned as one unit.

Three steps:
1. `split_units` cuts the text at paragraph breaks, bullet items and short title-like lines.
2. `split_sentences` cuts each unit at sentence ends, knowing about abbreviations (Dr., e.g.,
   U.S., and those of the script's language: Sra., Mme, Dott.), decimals and money (3.14,
   $2.50), ellipses, quotes, `?!` runs, CJK full stops (not before a quotative: 「本当？」と言った),
   the Devanagari danda, and Spanish `¿¡` (after `?` or `!` a Spanish sentence may go on
   in lower case: ¿Vienes?, preguntó).
3. `chunk_sentences` applies the service's rule: a sentence under 5 words is merged with a
   neighbour, one over 20 words is split at its best clause boundary, never inside a word.

Words are counted per token: a word of a spaced language counts 1, a CJK character 1/2 (so 20
"words" is about 40 Chinese or Japanese characters), which lets one rule serve both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from videorender.errors import ScriptError
from videorender.pipeline.text.languages import ENGLISH, Language

MAX_SCRIPT_CHARS = 50_000
MIN_WORDS = 5
MAX_WORDS = 20
# No caption line or TTS call should carry more than this, whatever the word count says:
# a 5,000-character "word" would otherwise be phonemized in one pass (gigabytes of memory).
MAX_CHUNK_CHARS = 240

_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_CJK_PUNCT = "。，、；：！？…—「」『』（）《》〈〉【】・～．"
_CJK_TERMINATORS = "。！？"
_DANDA = "।॥"
_CLOSERS = "\"'”’»)]}」』）】"
_OPENERS = "\"'“‘([¿¡«"
_BULLET = re.compile(r"^\s*(?:[-*•·▪●◦‣–—]|\d{1,3}[.)]|[a-zA-Z][.)])\s+")
_TOKEN = re.compile(
    rf"[{_CJK_CHARS}][{_CJK_PUNCT}{re.escape(_CLOSERS)}]*|[{_CJK_PUNCT}]+"
    rf"|[^\s{_CJK_CHARS}{_CJK_PUNCT}]+"
)
_IS_CJK = re.compile(rf"[{_CJK_CHARS}]")

# Abbreviations that are followed by a name or number, so a period after them never ends a
# sentence ("Dr. Smith", "No. 5").
_TITLE_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt no nos fig figs vs vol pp ed gen col lt sgt capt rev hon".split()
)
# Abbreviations that can also end a sentence ("... in the U.S. The next day ...").
_AMBIGUOUS_ABBREVIATIONS = frozenset(
    "etc e.g i.e u.s u.k u.n a.m p.m inc ltd co corp approx dept est jan feb mar apr jun jul "
    "aug sep sept oct nov dec mon tue wed thu fri sat sun".split()
)
# Words that commonly open a sentence: after an ambiguous abbreviation they mark a new one.
_SENTENCE_STARTERS = frozenset(
    "the a an this that these those it its he she they we i you there here in on at but and so "
    "then however meanwhile today tomorrow yesterday now next finally first second our my his "
    "her their what when where why how if as after before while".split()
)
_CONJUNCTIONS = frozenset(
    "and but or so because which while although though yet when where whereas unless until "
    "since whether".split()
)


@dataclass(frozen=True)
class Sentence:
    """One chunk of the script: spoken in one TTS call, shown as one caption."""

    index: int
    text: str

    @property
    def words(self) -> float:
        return word_count(self.text)


def word_count(text: str) -> float:
    """Words in `text`: 1 per word of a spaced language, 1/2 per CJK character."""
    return sum(_token_weight(t) for t in _TOKEN.findall(text))


def process_script(text: str, language: Language = ENGLISH) -> list[Sentence]:
    """Validate a script and cut it into the chunks that are spoken and captioned, by the
    sentence rules of its `language`.

    Raises:
        ScriptError: the script is empty, whitespace only, or longer than 50,000 characters.
    """
    cleaned = clean_script(text)
    sentences = [s for unit in split_units(cleaned) for s in split_sentences(unit, language)]
    chunks = chunk_sentences(sentences)
    return [Sentence(index=i, text=chunk) for i, chunk in enumerate(chunks)]


def clean_script(text: str) -> str:
    """Normalise Unicode, drop control characters, and enforce the length limits."""
    if not isinstance(text, str):
        raise ScriptError("script must be text")
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs", "Co")
    )
    text = text.replace("\t", " ").strip()
    if not text:
        raise ScriptError("script is empty: give at least one sentence of text")
    if len(text) > MAX_SCRIPT_CHARS:
        raise ScriptError(
            f"script is {len(text):,} characters long; the limit is {MAX_SCRIPT_CHARS:,}"
        )
    if not any(ch.isalnum() for ch in text):
        raise ScriptError("script has no words to speak")
    return text


def split_units(text: str) -> list[str]:
    """Cut text into units that never share a sentence: paragraphs, bullet items, title lines.

    Lines inside a paragraph are joined with a space (hard-wrapped prose), except that a bullet
    item, or a short line without closing punctuation (a title), stands alone.
    """
    units: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            units.append(" ".join(current))
            current.clear()

    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            flush()
            continue
        bullet = _BULLET.match(line)
        if bullet:
            flush()
            line = line[bullet.end() :].strip()
        current.append(line)
        if bullet or _is_title_line(line):
            flush()
    flush()
    return [u for u in (re.sub(r"\s+", " ", u).strip() for u in units) if u]


def _is_title_line(line: str) -> bool:
    return len(line) < 50 and not _IS_CJK.search(line) and line[-1].isalnum()


def split_sentences(unit: str, language: Language = ENGLISH) -> list[str]:
    """Cut one unit of text at its sentence ends."""
    sentences: list[str] = []
    start = 0
    i = 0
    while i < len(unit):
        end = _sentence_end_at(unit, i, language)
        if end is None:
            i += 1
            continue
        sentence = unit[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = i = end
    tail = unit[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _sentence_end_at(text: str, i: int, language: Language) -> int | None:
    """If a sentence ends with the terminator at `i`, return the index just past it."""
    ch = text[i]
    if ch in _CJK_TERMINATORS:
        end = _skip_closers(text, _skip_run(text, i, _CJK_TERMINATORS + "!?"))
        quoted = end > i + 1 and text[end - 1] in _CLOSERS
        # 「本当？」と彼は言った: a quotation closed and followed by kana goes on.
        return None if quoted and end < len(text) and "\u3041" <= text[end] <= "\u309f" else end
    if ch in _DANDA:
        return _skip_closers(text, _skip_run(text, i, _DANDA))
    if ch not in ".!?…":
        return None
    end = _skip_closers(text, _skip_run(text, i, ".!?…"))
    if end < len(text) and not text[end].isspace():
        return None  # "example.com", "3.14", "U.S.-made": no space, no sentence end
    if end >= len(text):
        return end
    next_word = text[end:].split(maxsplit=1)[0] if text[end:].strip() else ""
    if ch in "!?":
        goes_on = language.inverted_marks and _starts_lower(next_word)
        return None if goes_on else end
    run = text[i:end].rstrip(_CLOSERS)
    if run.startswith("...") or run.startswith("…"):
        return end if _starts_upper(next_word) else None
    return end if _period_ends_sentence(text, i, next_word, language) else None


def _period_ends_sentence(text: str, i: int, next_word: str, language: Language) -> bool:
    word = text[:i].rsplit(maxsplit=1)[-1] if text[:i].strip() else ""
    bare = word.lstrip(_OPENERS).lower()
    if bare in _TITLE_ABBREVIATIONS or bare in language.abbreviations:
        return False
    is_initial = len(bare) == 1 and bare.isalpha()
    if bare in _AMBIGUOUS_ABBREVIATIONS or is_initial:
        following = next_word.strip(_OPENERS)
        return _starts_upper(following) and following.lower() in _SENTENCE_STARTERS
    return not next_word or not next_word[0].islower()


def _skip_run(text: str, i: int, chars: str) -> int:
    while i < len(text) and text[i] in chars:
        i += 1
    return i


def _skip_closers(text: str, i: int) -> int:
    return _skip_run(text, i, _CLOSERS)


def _starts_upper(word: str) -> bool:
    stripped = word.lstrip(_OPENERS)
    return bool(stripped) and (stripped[0].isupper() or stripped[0].isdigit())


def _starts_lower(word: str) -> bool:
    stripped = word.lstrip(_OPENERS)
    return bool(stripped) and stripped[0].islower()


# --- merging and splitting -----------------------------------------------------------------


def chunk_sentences(sentences: list[str]) -> list[str]:
    """Split sentences over MAX_WORDS at clause boundaries, then merge those under MIN_WORDS."""
    pieces = [piece for s in sentences for piece in split_long(s)]
    return _merge_short(pieces)


def _merge_short(pieces: list[str]) -> list[str]:
    """Merge each piece under MIN_WORDS into the neighbour that yields the shorter chunk,
    as long as the result stays within MAX_WORDS."""
    chunks = list(pieces)
    i = 0
    while i < len(chunks):
        if word_count(chunks[i]) >= MIN_WORDS or len(chunks) == 1:
            i += 1
            continue
        options = [
            (word_count(chunks[left]) + word_count(chunks[left + 1]), left)
            for left in (i - 1, i)
            if 0 <= left < len(chunks) - 1
            and len(chunks[left]) + len(chunks[left + 1]) < MAX_CHUNK_CHARS
        ]
        fitting = [o for o in options if o[0] <= MAX_WORDS]
        if not fitting:
            i += 1
            continue
        _, left = min(fitting)
        chunks[left : left + 2] = [_join(chunks[left], chunks[left + 1])]
        i = left
    return chunks


def _join(left: str, right: str) -> str:
    if _IS_CJK.match(right[:1]) and _IS_CJK.search(left[-2:]):
        return left + right
    if left[-1].isalnum():
        # A title or bullet item without punctuation: keep the pause the line break implied.
        return f"{left}. {right}"
    return f"{left} {right}"


def split_long(sentence: str) -> list[str]:
    """A sentence over MAX_WORDS (or MAX_CHUNK_CHARS) cut at its best clause boundaries, as
    substrings of it; a shorter one as it is."""
    spans = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(sentence)]
    words = sum(_token_weight(t) for _, _, t in spans)
    if words <= MAX_WORDS and len(sentence) <= MAX_CHUNK_CHARS:
        return [sentence]
    # One enormous "word" has no boundary to respect: cut it in half.
    cut_at = len(sentence) // 2 if len(spans) == 1 else spans[_best_cut(spans)][0]
    left, right = sentence[:cut_at].strip(), sentence[cut_at:].strip()
    return split_long(left) + split_long(right)


def _best_cut(spans: list[tuple[int, int, str]]) -> int:
    """Index of the token that starts the second part: the strongest clause boundary, preferring
    balanced parts, with at least MIN_WORDS on each side where possible."""
    weights = [_token_weight(t) for _, _, t in spans]
    total = sum(weights)
    best_index, best_score = len(spans) // 2, float("-inf")
    before = 0.0
    for k in range(1, len(spans)):
        before += weights[k - 1]
        after = total - before
        if min(before, after) < min(MIN_WORDS, total / 4):
            continue
        strength = _boundary_strength(spans[k - 1][2], spans[k][2])
        balance = abs(before - after) / total  # 0 when balanced, ~1 when lopsided
        oversize = max(0.0, max(before, after) - MAX_WORDS) / MAX_WORDS
        score = strength - 2.0 * balance - oversize
        if score > best_score:
            best_index, best_score = k, score
    return best_index


def _boundary_strength(previous: str, following: str) -> float:
    """How good a place to break a clause lies between two tokens."""
    last = previous[-1]
    if last in ";:；：":
        return 3.0
    if previous in ("-", "–", "—") or following in ("-", "–", "—") or last in "—–":
        return 2.5
    if last in ",，、)":
        return 2.0
    if following.lower().strip("\"'“") in _CONJUNCTIONS:
        return 1.0
    return 0.0


def _token_weight(token: str) -> float:
    if _IS_CJK.match(token):
        return 0.5
    if all(ch in _CJK_PUNCT or not ch.isalnum() for ch in token):
        return 0.0
    return 1.0
