"""The container image's build steps, run the way its Dockerfile runs them.

There is no container runtime on the development machines, so the image itself is not built here. Instead, each
RUN step after the code is copied runs in a scratch copy of the project, with only the environment the Dockerfile
sets. The dependencies come from this test's virtualenv rather than from the image's own `pip install`, and the
user is not created. A step that needs a setting the image does not provide fails here, as it would fail
`docker build`.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.slow

SKIPPED = ("pip install", "useradd")  # this virtualenv stands for the first; the second would change this machine


def _dockerfile() -> tuple[dict[str, str], list[str]]:
    """The ENV pairs and the RUN commands that follow `COPY . .`, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    env, runs, copied = {}, [], False
    for line in text.splitlines():
        instruction, _, rest = line.strip().partition(" ")
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in rest.split())
        elif instruction == "COPY" and rest.split() == [".", "."]:
            copied = True
        elif instruction == "RUN" and copied:
            runs.append(" && ".join(part.strip() for part in rest.split("&&")
                                    if not part.strip().startswith(SKIPPED)))
    return env, runs


def test_the_image_s_build_steps_run_with_only_the_environment_the_dockerfile_gives(tmp_path):
    env, runs = _dockerfile()
    assert runs and any("collectstatic" in run for run in runs)
    app = tmp_path / "app"
    shutil.copytree(ROOT, app, ignore=shutil.ignore_patterns(".git", ".venv", "var", "staticfiles", "__pycache__",
                                                             "node_modules", "*.sqlite3"))
    bin_dir = os.path.dirname(sys.executable)
    clean = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", **env}
    for run in runs:
        done = subprocess.run(["sh", "-c", run], cwd=app, env=clean, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"RUN {run}\n{done.stdout}\n{done.stderr}"

    manifest = app / "staticfiles" / "staticfiles.json"
    assert manifest.exists()
    assert any(path.name.startswith("base.") and path.suffix == ".css"
               for path in (app / "staticfiles" / "admin" / "css").iterdir())  # hashed, as WhiteNoise serves them
