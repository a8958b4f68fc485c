"""The bundled Piper voice: its vocoder run by windows gives the samples and word spans of one
run, and its sessions get the thread count they are given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper
from piper import SynthesisConfig

from videorender.pipeline.tts.piper import PiperEngine, bundled_voice, load_piper, unload_piper
from videorender.pipeline.tts.vocoder_windows import WindowedSession, vocoder_input

# ~10 s of speech: ~880 frames, six windows of the default size.
LONG_SENTENCE = (
    "Each tower had its own pattern of flashes, so a sailor who counted the seconds between "
    "them on a dark and stormy night knew exactly which headland lay ahead, how far it was, "
    "and which way to steer to stay off the rocks below it."
)


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> tuple[PiperEngine, PiperEngine]:
    """The voice run whole and by windows, both without noise (deterministic)."""
    model, config = bundled_voice()
    cache = tmp_path_factory.mktemp("models")
    whole = PiperEngine(model, config, 1, cache, window=0)
    windowed = PiperEngine(model, config, 1, cache)
    for engine in (whole, windowed):
        engine._config = SynthesisConfig(noise_scale=0, noise_w_scale=0)
    return whole, windowed


@pytest.mark.parametrize("text", [LONG_SENTENCE, "Short and sweet."])
def test_windowed_vocoder_speaks_like_one_run(
    engines: tuple[PiperEngine, PiperEngine], text: str
) -> None:
    whole, windowed = engines
    assert isinstance(windowed._voice.session, WindowedSession)
    one_run, by_windows = whole.speak(text), windowed.speak(text)
    assert len(by_windows.samples) == len(one_run.samples) > 0
    difference = np.abs(by_windows.samples.astype(np.int32) - one_run.samples.astype(np.int32))
    assert difference.max() <= 1  # float sums in another order round a rare sample apart
    assert by_windows.words == one_run.words
    assert len(by_windows.words) == len(text.split())


def test_windows_of_any_size_join_exactly(engines: tuple[PiperEngine, PiperEngine]) -> None:
    windowed = engines[1]._voice.session
    assert isinstance(windowed, WindowedSession)
    latent = np.random.default_rng(7).normal(size=(1, 192, 157)).astype(np.float32)
    whole = windowed.vocode(latent)
    for window in (150, 60, 33, 7):
        session = WindowedSession(windowed._front, windowed._vocoder, window=window)
        joined = session.vocode(latent)
        assert joined.shape == whole.shape == (1, 1, 1, 157 * 256)
        np.testing.assert_allclose(joined, whole, atol=1e-5)


def test_a_vocoder_reading_two_tensors_is_not_split() -> None:
    graph = helper.make_graph(
        [
            helper.make_node("Relu", ["x"], ["z"], name="/flow/Relu"),
            helper.make_node("Add", ["z", "speaker"], ["audio"], name="/dec/Add"),
        ],
        "multi-speaker",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1]),
            helper.make_tensor_value_info("speaker", TensorProto.FLOAT, [1]),
        ],
        [helper.make_tensor_value_info("audio", TensorProto.FLOAT, [1])],
    )
    with pytest.raises(ValueError, match="reads 2 tensors"):
        vocoder_input(helper.make_model(graph))


@pytest.mark.parametrize("threads", [1, 2])
def test_sessions_get_the_thread_count(tmp_path: Path, threads: int) -> None:
    unload_piper()
    try:
        engine = load_piper(None, None, threads, tmp_path / "models")
        session = engine._voice.session
        assert isinstance(session, WindowedSession)
        for part in (session._front, session._vocoder):
            options = part.get_session_options()
            assert options.intra_op_num_threads == threads
            if threads > 1:  # waiting, not spinning, between operators
                assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert engine.threads == threads
    finally:
        unload_piper()
