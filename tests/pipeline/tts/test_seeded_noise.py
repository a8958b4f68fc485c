"""Piper with its noise seeded by the sentence: the same text gives the same samples and word
spans in any process, whatever was spoken before, with the default (noisy) synthesis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest

from videorender.pipeline.tts.piper import PiperEngine, bundled_voice
from videorender.pipeline.tts.seeded_noise import (
    NOISE_PREFIX,
    feed_noise,
    noise_inputs,
    replace_random_normals,
)

TEXT = "The harbour was quiet before dawn, and the gulls followed the boats out to sea."


def _engine(cache: Path, window: int | None = None) -> PiperEngine:
    model, config = bundled_voice()
    if window is None:
        return PiperEngine(model, config, 1, cache)
    return PiperEngine(model, config, 1, cache, window=window)


def test_the_same_sentence_sounds_the_same_in_another_process_and_order(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    first = _engine(tmp_path_factory.mktemp("a"))
    before = first.speak(TEXT)
    first.speak("Something else entirely, spoken in between.")
    again = first.speak(TEXT)
    elsewhere = _engine(tmp_path_factory.mktemp("b")).speak(TEXT)  # a fresh patch and session
    whole = _engine(tmp_path_factory.mktemp("c"), window=0).speak(TEXT)  # not split in two
    assert len(before.samples) > 22050
    for other in (again, elsewhere):
        assert np.array_equal(other.samples, before.samples)
        assert other.words == before.words
    assert len(whole.samples) == len(before.samples)
    assert whole.words == before.words
    assert np.abs(whole.samples.astype(np.int32) - before.samples).max() <= 1


def test_noise_still_varies_the_voice_from_sentence_to_sentence(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Seeded, not switched off: two texts draw other noise (the scales are unchanged).
    engine = _engine(tmp_path_factory.mktemp("models"))
    feed = {"input": np.array([[1, 2, 3]], dtype=np.int64)}
    other = {"input": np.array([[1, 2, 4]], dtype=np.int64)}
    names = ["videorender_noise_0"]
    assert np.array_equal(feed_noise(names, feed)[names[0]], feed_noise(names, feed)[names[0]])
    assert not np.array_equal(feed_noise(names, feed)[names[0]], feed_noise(names, other)[names[0]])
    assert engine.speak(TEXT).samples.std() > 500  # it speaks, noise and all


def _random_graph(shape: list[int]) -> onnx.ModelProto:
    """x -> RandomNormalLike(x, mean 3, scale 2) + x."""
    helper = onnx.helper
    graph = helper.make_graph(
        [
            helper.make_node("RandomNormalLike", ["x"], ["noise"], mean=3.0, scale=2.0),
            helper.make_node("Add", ["noise", "x"], ["y"]),
        ],
        "random",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, shape)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])


def test_the_patch_tiles_a_short_buffer_and_keeps_mean_and_scale() -> None:
    model = _random_graph([2, 3, 5])
    replace_random_normals(model)
    assert not [node for node in model.graph.node if node.op_type == "RandomNormalLike"]
    session = onnxruntime.InferenceSession(model.SerializeToString())
    names = noise_inputs([tensor.name for tensor in session.get_inputs()])
    assert names == [f"{NOISE_PREFIX}0"]
    x = np.zeros((2, 3, 5), dtype=np.float32)
    buffer = np.arange(7, dtype=np.float32)  # shorter than the 30 values wanted: tiled
    (y,) = session.run(None, {"x": x, names[0]: buffer})
    expected = 3.0 + 2.0 * np.resize(buffer, 30).reshape(2, 3, 5)
    np.testing.assert_allclose(y, expected)
