"""Patched model copies, on a tiny graph shaped like Kokoro's duration predictor."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

from videorender.pipeline.tts.kokoro import DURATION_OUTPUT, add_duration_output
from videorender.pipeline.tts.patching import patched_model


def _tiny_model(path: Path) -> None:
    """audio = x * 2; inside it, round(x).clip(min=1) like Kokoro's predicted durations."""
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    graph = helper.make_graph(
        [
            helper.make_node("Round", ["x"], ["rounded"]),
            helper.make_node("Clip", ["rounded", "one"], ["frames"]),
            helper.make_node("Add", ["x", "x"], ["audio"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("audio", TensorProto.FLOAT, [3])],
        initializer=[one],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_patched_copy_exposes_durations_and_leaves_the_original_alone(tmp_path: Path) -> None:
    source = tmp_path / "model.onnx"
    _tiny_model(source)
    original = source.read_bytes()
    patched = patched_model(source, tmp_path / "cache", "duration", add_duration_output)
    assert isinstance(patched, Path) and patched.parent == tmp_path / "cache"
    assert source.read_bytes() == original
    session = onnxruntime.InferenceSession(str(patched), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["audio", DURATION_OUTPUT]
    _, frames = session.run(None, {"x": np.array([0.2, 2.6, 4.0], dtype=np.float32)})
    assert frames.tolist() == [1.0, 3.0, 4.0]
    # Reused, not patched again.
    stamp = patched.stat().st_mtime_ns
    assert patched_model(source, tmp_path / "cache", "duration", add_duration_output) == patched
    assert patched.stat().st_mtime_ns == stamp


def test_unwritable_cache_patches_in_memory(tmp_path: Path) -> None:
    source = tmp_path / "model.onnx"
    _tiny_model(source)
    (tmp_path / "a-file").write_text("not a folder")
    cache = tmp_path / "a-file" / "cache"  # cannot be created, even by root
    patched = patched_model(source, cache, "duration", add_duration_output)
    assert isinstance(patched, bytes)
    session = onnxruntime.InferenceSession(patched, providers=["CPUExecutionProvider"])
    assert DURATION_OUTPUT in [o.name for o in session.get_outputs()]


def test_a_model_without_the_tensor_is_refused(tmp_path: Path) -> None:
    model = helper.make_model(
        helper.make_graph(
            [helper.make_node("Relu", ["x"], ["y"])],
            "plain",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
        )
    )
    with pytest.raises(ValueError, match="0 candidate duration tensors"):
        add_duration_output(model)


def _count_and_refuse(model: onnx.ModelProto) -> None:
    with Path(os.environ["PATCH_CALLS"]).open("a") as calls:
        calls.write("called\n")
    add_duration_output(model)


def test_a_refused_patch_is_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "model.onnx"
    onnx.save(
        helper.make_model(
            helper.make_graph(
                [helper.make_node("Relu", ["x"], ["y"])],
                "plain",
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
            )
        ),
        str(source),
    )
    calls = tmp_path / "calls"
    monkeypatch.setenv("PATCH_CALLS", str(calls))
    for _ in range(2):
        with pytest.raises(ValueError, match="0 candidate duration tensors"):
            patched_model(source, tmp_path / "cache", "duration", _count_and_refuse)
    assert calls.read_text() == "called\n"  # the second load knew without parsing the model
    assert [p.suffix for p in (tmp_path / "cache").iterdir()] == [".refused"]


def _stamp_process(model: onnx.ModelProto) -> None:
    add_duration_output(model)
    onnx.helper.set_model_props(model, {"patched_by": str(os.getpid())})


def test_the_patch_runs_in_a_child_process(tmp_path: Path) -> None:
    """Patching holds the GIL for seconds: in the service's process it stalled the API."""
    source = tmp_path / "model.onnx"
    _tiny_model(source)
    patched = patched_model(source, tmp_path / "cache", "duration", _stamp_process)
    assert isinstance(patched, Path)
    props = {prop.key: prop.value for prop in onnx.load(str(patched)).metadata_props}
    assert props["patched_by"].isdigit() and int(props["patched_by"]) != os.getpid()


def _crash(model: onnx.ModelProto) -> None:
    raise RuntimeError(f"cannot handle {model.graph.name}")


def test_a_failing_child_is_an_os_error_naming_why(tmp_path: Path) -> None:
    source = tmp_path / "model.onnx"
    _tiny_model(source)
    with pytest.raises(OSError, match=r"patching the voice model failed .*cannot handle tiny"):
        patched_model(source, tmp_path / "cache", "duration", _crash)
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
