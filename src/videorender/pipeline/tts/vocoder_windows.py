"""A Piper voice run in two parts, so that a long sentence costs the memory of a short one.

Piper's model (VITS) turns phonemes into a latent track at ~86 frames a second (text encoder,
duration predictor, flow: cheap), then a vocoder (HiFi-GAN) turns that track into samples,
256 per frame. Nearly all of a run's memory is the vocoder's activations, in proportion to
the frames it is given: ~180 MB for a 23-word sentence. The vocoder is a stack of
convolutions, so each output sample depends on only a few frames either side: 12 measured on
the bundled (medium) voice, ~13 by the arithmetic of the larger generator of Piper's "high"
voices; `OVERLAP_FRAMES` keeps a margin. So the model is split where the vocoder starts: the
first part runs once over the whole sentence, as before (the same durations, so the same word
timings), and the vocoder runs over equal windows of at most `WINDOW_FRAMES` frames with
`OVERLAP_FRAMES` of context on each side, whose middles are joined. The joined samples are
those of one run (none of the bench scripts' 5.2 million differed; the tests allow one step
of 16 bits, as float sums made in another order could round a sample apart), so nothing is
audible at a join; the activation peak becomes a window's (~1.7 s of speech) instead of the
sentence's: J3's peak went from 353-356 to 290 MB (docs/benchmarks.md). A voice whose
vocoder also reads a speaker embedding (multi-speaker) or is not named like Piper's exports is
run whole, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from videorender.pipeline.tts.seeded_noise import feed_noise, noise_inputs

if TYPE_CHECKING:
    import onnx
    import onnxruntime

# Frames of the latent track the vocoder gets per run, and of context either side of them.
WINDOW_FRAMES = 150
OVERLAP_FRAMES = 16

_VOCODER_PREFIX = "/dec/"  # node names of the vocoder in Piper's (VITS) exports


def vocoder_input(model: onnx.ModelProto) -> str:
    """The one tensor the vocoder's nodes read from the rest of the graph.

    Raises:
        ValueError: no vocoder found, or it reads more than one tensor (a multi-speaker
            voice's vocoder also reads the speaker embedding): such a model is not split.
    """
    vocoder = [node for node in model.graph.node if node.name.startswith(_VOCODER_PREFIX)]
    inputs = _external_inputs(model.graph, vocoder)
    if len(inputs) != 1:
        raise ValueError(f"the vocoder reads {len(inputs)} tensors of the graph, expected 1")
    return inputs.pop()


def front_part(model: onnx.ModelProto, durations: str) -> onnx.ModelProto:
    """The graph from the model's inputs to the vocoder's input and `durations`."""
    import onnx.utils  # noqa: PLC0415 - see patching.patched_model

    inputs = [tensor.name for tensor in model.graph.input]
    return onnx.utils.Extractor(model).extract_model(inputs, [vocoder_input(model), durations])


def vocoder_part(model: onnx.ModelProto) -> onnx.ModelProto:
    """The graph from the vocoder's input to the model's audio output.

    Raises:
        ValueError: the audio depends on more than the vocoder's input.
    """
    import onnx.utils  # noqa: PLC0415 - see patching.patched_model

    latent = vocoder_input(model)
    part = onnx.utils.Extractor(model).extract_model([latent], [model.graph.output[0].name])
    if _external_inputs(part.graph, list(part.graph.node)) != {latent}:
        raise ValueError("the audio output depends on more than the vocoder's input")
    return part


def _external_inputs(graph: onnx.GraphProto, nodes: list[onnx.NodeProto]) -> set[str]:
    made = {name for node in nodes for name in node.output}
    weights = {tensor.name for tensor in graph.initializer}
    return {
        name
        for node in nodes
        for name in node.input
        if name and name not in made and name not in weights
    }


class WindowedSession:
    """The two parts behind the one method of an ONNX session that `PiperVoice` calls: `run`
    returns the audio and the durations, as the whole (alignment-patched) model would."""

    def __init__(
        self,
        front: onnxruntime.InferenceSession,
        vocoder: onnxruntime.InferenceSession,
        run_options: onnxruntime.RunOptions | None = None,
        window: int = WINDOW_FRAMES,
        overlap: int = OVERLAP_FRAMES,
    ) -> None:
        self._front = front
        self._vocoder = vocoder
        self._latent = vocoder.get_inputs()[0].name
        self._noise = noise_inputs([tensor.name for tensor in front.get_inputs()])
        self._options = run_options
        self._window = window
        self._overlap = overlap

    def run(self, output_names: Any, input_feed: Any, run_options: Any = None) -> list[Any]:
        options = run_options or self._options
        latent, durations = self._front.run(None, feed_noise(self._noise, input_feed), options)
        return [self.vocode(latent, options), durations]

    def vocode(self, latent: np.ndarray[Any, Any], options: Any = None) -> np.ndarray[Any, Any]:
        """The vocoder's output for `latent` (1 x channels x frames), window by window."""
        frames = latent.shape[-1]
        if frames <= self._window:
            outputs: list[np.ndarray[Any, Any]] = self._vocoder.run(
                None, {self._latent: latent}, options
            )
            return outputs[0]
        step = -(-frames // -(-frames // self._window))  # equal windows, none a sliver
        pieces = []
        for start in range(0, frames, step):
            end = min(frames, start + step)
            low, high = max(0, start - self._overlap), min(frames, end + self._overlap)
            audio = self._vocoder.run(None, {self._latent: latent[..., low:high]}, options)[0]
            hop, rest = divmod(audio.shape[-1], high - low)
            if rest:
                raise ValueError(f"{audio.shape[-1]} samples from {high - low} frames")
            pieces.append(audio[..., (start - low) * hop : (end - low) * hop])
        return np.concatenate(pieces, axis=-1)
