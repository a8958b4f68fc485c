"""Piper's noise, drawn from a seed that the sentence itself gives, so that the same text always
sounds the same.

A VITS voice adds Gaussian noise twice per run (`RandomNormalLike`: to the duration predictor
and to the flow's latent), and ONNX Runtime draws it from a generator that runs on from call to
call and is seeded at random per session. The same sentence therefore came out with other
pauses and other sample values on every run, and with a voice kept loaded it also depended on
the jobs spoken before it: a test that counted the gaps between sentences failed one run in
many. The patch below turns each `RandomNormalLike` into a graph input (a buffer of standard
normal values, tiled in the graph if the tensor is larger, then cut and shaped like the
original), and `feed_noise` fills those inputs from a generator seeded by the run's own inputs
(the phoneme ids and the scales). Same phonemes, same noise: the same audio and the same word
times, run after run, in any process, whatever was spoken before. The noise keeps its
distribution, so the voice sounds as it did.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import onnx

NOISE_PREFIX = "videorender_noise_"
# Values drawn per noise input: enough for the latent of a ~5 s sentence (192 channels x
# ~86 frames a second) without tiling, a few milliseconds to draw.
_BUFFER_VALUES = 1 << 17
_FLOAT = 1  # onnx.TensorProto.FLOAT


def replace_random_normals(model: onnx.ModelProto) -> None:
    """Make every `RandomNormalLike` of `model` read its values from a new graph input named
    `NOISE_PREFIX` + a number (1-D float). Edits `model` in place.

    Raises:
        ValueError: a random node draws another type than float.
    """
    from onnx import helper  # noqa: PLC0415 - imported only while patching (patching.py)

    graph = model.graph
    randoms = [node for node in graph.node if node.op_type == "RandomNormalLike"]
    for number, node in enumerate(randoms):
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attributes.get("dtype", _FLOAT) != _FLOAT:
            raise ValueError(f"{node.name} draws type {attributes['dtype']}, expected float")
        buffer = f"{NOISE_PREFIX}{number}"
        graph.input.append(helper.make_tensor_value_info(buffer, _FLOAT, ["noise"]))
        mean, scale = attributes.get("mean", 0.0), attributes.get("scale", 1.0)
        nodes = _noise_nodes(buffer, node.input[0], node.output[0], mean, scale)
        position = list(graph.node).index(node)
        graph.node.remove(node)
        for offset, new in enumerate(nodes):
            graph.node.insert(position + offset, new)


def _noise_nodes(
    buffer: str, like: str, output: str, mean: float, scale: float
) -> list[onnx.NodeProto]:
    """Nodes computing `output` = mean + scale * (the buffer tiled, cut to the size of `like`,
    shaped like it)."""
    from onnx import helper  # noqa: PLC0415

    def name(part: str) -> str:
        return f"{buffer}/{part}"

    def constant(part: str, values: list[int] | float) -> onnx.NodeProto:
        if isinstance(values, float):
            tensor = helper.make_tensor(name(part), _FLOAT, [], [values])
        else:
            tensor = helper.make_tensor(name(part), 7, [len(values)], values)  # INT64
        return helper.make_node("Constant", [], [name(part)], value=tensor)

    return [
        constant("one", [1]),
        constant("zero", [0]),
        constant("flat", [-1]),
        constant("mean", float(mean)),
        constant("scale", float(scale)),
        helper.make_node("Shape", [like], [name("shape")]),
        helper.make_node("Size", [like], [name("size_scalar")]),
        helper.make_node("Reshape", [name("size_scalar"), name("one")], [name("size")]),
        helper.make_node("Shape", [buffer], [name("have")]),
        # repeats = ceil(size / have) = (size + have - 1) / have
        helper.make_node("Add", [name("size"), name("have")], [name("sum")]),
        helper.make_node("Sub", [name("sum"), name("one")], [name("sum_less")]),
        helper.make_node("Div", [name("sum_less"), name("have")], [name("repeats")]),
        helper.make_node("Tile", [buffer, name("repeats")], [name("tiled")]),
        helper.make_node("Slice", [name("tiled"), name("zero"), name("size")], [name("cut")]),
        helper.make_node("Reshape", [name("cut"), name("shape")], [name("shaped")]),
        helper.make_node("Mul", [name("shaped"), name("scale")], [name("scaled")]),
        helper.make_node("Add", [name("scaled"), name("mean")], [output]),
    ]


def noise_inputs(input_names: Sequence[str]) -> list[str]:
    """The names among a session's inputs that `replace_random_normals` added."""
    return sorted(name for name in input_names if name.startswith(NOISE_PREFIX))


def feed_noise(noise_names: Sequence[str], input_feed: Mapping[str, Any]) -> dict[str, Any]:
    """`input_feed` with each noise input filled from a generator seeded by the other inputs."""
    if not noise_names:
        return dict(input_feed)
    seed = 0
    for key in sorted(input_feed):
        seed = zlib.crc32(np.ascontiguousarray(input_feed[key]).tobytes(), seed)
    generator = np.random.default_rng(seed)
    noise = {
        name: generator.standard_normal(_BUFFER_VALUES, dtype=np.float32) for name in noise_names
    }
    return {**input_feed, **noise}
