"""Long, varied, deterministic scripts for alignment benchmarks (no repeated sentences, so the
aligner cannot be right by luck)."""

from __future__ import annotations

import random

SUBJECTS = (
    "the old fisherman", "a young engineer", "the village baker", "our new neighbour",
    "the tired pilot", "a curious student", "the museum guide", "the city mayor",
    "a quiet librarian", "the travelling musician", "the head gardener", "a retired teacher",
)  # fmt: skip
VERBS = (
    "repaired", "painted", "carried", "discovered", "described", "measured", "borrowed",
    "photographed", "cleaned", "delivered", "forgot", "examined",
)  # fmt: skip
OBJECTS = (
    "a wooden boat", "the broken clock", "three heavy boxes", "an ancient map",
    "the copper kettle", "a bright yellow kite", "the long iron bridge", "a basket of apples",
    "the silver bicycle", "a stack of letters", "the glass lantern", "a folding chair",
)  # fmt: skip
PLACES = (
    "near the harbour", "behind the station", "on the hill above the town", "in the market square",
    "beside the river", "at the edge of the forest", "under the railway arches",
    "outside the bakery", "in the cold workshop", "along the northern coast",
)  # fmt: skip
TIMES = (
    "early on Monday morning", "just before the storm", "late in the afternoon",
    "during the summer festival", "after a long winter", "on a foggy evening",
    "before anyone else was awake", "while the bells were ringing",
)  # fmt: skip
ENDINGS = (
    "and nobody could explain why", "because the weather had finally changed",
    "although it took much longer than expected", "so the whole street came to watch",
    "and then went home for a cup of tea", "while the children counted every step",
)  # fmt: skip


def script_sentences(count: int, seed: int = 11) -> list[str]:
    """`count` distinct sentences of 10-20 words."""
    rng = random.Random(seed)
    seen: set[str] = set()
    sentences: list[str] = []
    while len(sentences) < count:
        pattern = rng.randrange(3)
        subject, verb, thing = rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)
        if pattern == 0:
            text = f"{rng.choice(TIMES)}, {subject} {verb} {thing} {rng.choice(PLACES)}."
        elif pattern == 1:
            text = f"{subject} {verb} {thing} {rng.choice(PLACES)}, {rng.choice(ENDINGS)}."
        else:
            text = f"{subject} {verb} {thing} {rng.choice(TIMES)}, {rng.choice(ENDINGS)}."
        text = text[0].upper() + text[1:]
        if text not in seen:
            seen.add(text)
            sentences.append(text)
    return sentences
