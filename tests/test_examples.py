"""The importable n8n workflow in examples/ is well formed, and its signature check accepts
our signed webhooks and refuses tampered ones (run with Node.js, as n8n runs it)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from videorender.config import Settings
from videorender.webhooks import Delivery, WebhookSender

WORKFLOW = Path(__file__).resolve().parents[1] / "examples" / "n8n-render-workflow.json"
SECRET = "whsec_" + base64.b64encode(b"n8n example secret of 32 bytes!!").decode()

# The Code node's body runs inside an async function with n8n's `$input` and helpers.
HARNESS = """
const [code, itemsJson, rawBody] = process.argv.slice(2);
const items = JSON.parse(itemsJson);
const $input = { all: () => items };
const helpers = { getBinaryDataBuffer: async () => Buffer.from(rawBody, 'utf8') };
const run = new Function('$input', 'require', `return (async () => {${code}}).call(this);`);
run.call({ helpers }, $input, require)
  .then((out) => console.log(JSON.stringify(out)))
  .catch((err) => { console.error(err.message); process.exit(3); });
"""


def _workflow() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(WORKFLOW.read_text())
    return data


def test_workflow_is_well_formed() -> None:
    workflow = _workflow()
    names = [node["name"] for node in workflow["nodes"]]
    assert len(set(names)) == len(names)
    assert len({node["id"] for node in workflow["nodes"]}) == len(names)
    for source, outputs in workflow["connections"].items():
        assert source in names
        for branch in outputs["main"]:
            assert all(link["node"] in names for link in branch)
    submit = next(node for node in workflow["nodes"] if node["name"] == "Submit render")
    headers = {h["name"] for h in submit["parameters"]["headerParameters"]["parameters"]}
    assert "Idempotency-Key" in headers and submit["retryOnFail"] is True
    assert "metadata" in submit["parameters"]["jsonBody"]
    assert "webhook_url" in submit["parameters"]["jsonBody"]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_workflow_signature_check_runs_on_our_webhooks(tmp_path: Path, settings: Settings) -> None:
    node = next(n for n in _workflow()["nodes"] if n["name"] == "Verify signature")
    code = node["parameters"]["jsCode"].replace("const SECRET = '';", f"const SECRET = '{SECRET}';")
    body = '{"event":"video_completed","job_id":"j1","metadata":{"record_id":"rec_ü"}}'
    sender = WebhookSender(settings.model_copy(update={"webhook_secret": SecretStr(SECRET)}))
    try:
        headers = sender.headers(Delivery(msg_id="j1.video_completed", url="u", body=body))
    finally:
        sender.close()
    item = {"json": {"headers": headers, "body": json.loads(body)}}
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)

    def run(raw: str) -> subprocess.CompletedProcess[str]:
        argv = ["node", str(harness), code, json.dumps([item]), raw]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)

    accepted = run(body)
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads(accepted.stdout) == [{"json": json.loads(body)}]
    tampered = run(body.replace("rec_ü", "rec_x"))
    assert tampered.returncode == 3 and "bad webhook signature" in tampered.stderr
