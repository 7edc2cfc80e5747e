"""Every input in Tests/fuzz/corpus — the seeds and whatever scripts/fuzz.sh found and was fixed — replayed through
its parser by gatewayd-fuzz built plainly: no crash, and each accepted input re-encodes to what decodes back to it
(the properties Sources/gatewayd-fuzz/FuzzTarget.swift checks under libFuzzer)."""
import subprocess

import pytest

from conftest import BIN_DIR, ROOT

CORPUS = ROOT / "Tests" / "fuzz" / "corpus"


@pytest.mark.parametrize("target", sorted(path.name for path in CORPUS.iterdir()))
def test_the_corpus_replays_cleanly(target):
    inputs = list((CORPUS / target).iterdir())
    assert inputs, f"no seeds for {target}"
    done = subprocess.run([BIN_DIR / "gatewayd-fuzz", target, CORPUS / target], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == f"replayed {len(inputs)} inputs through {target}"


def test_an_unknown_target_is_refused_with_the_list():
    done = subprocess.run([BIN_DIR / "gatewayd-fuzz", "yaml"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "json|engineio-v4|engineio-v3|socketio|jwt|filter|handlers|admin" in done.stderr
