"""One bundle verified every way the verifier can read it; every way must give the same report."""
import pytest

from audit.verify_bundle import Report, verify_bundle

SMALL_BLOCK = 2048  # a few events per block: runs start after purged ranges and stop at checkpoints inside them


def verified_every_way(path) -> Report:
    report = verify_bundle(str(path))
    assert verify_bundle(str(path), jobs=2) == report  # read by two processes
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("audit.verify_bundle.BLOCK_BYTES", SMALL_BLOCK)
        assert verify_bundle(str(path), jobs=2) == report
        patch.setattr("audit.verify_bundle._run_of", lambda facts, sizes: None)  # every event the slow way
        assert verify_bundle(str(path)) == report
        patch.setattr("audit.verify_bundle.orjson", None)  # as in an auditor's environment without orjson
        assert verify_bundle(str(path)) == report
    return report
