"""The README's run command works the way a new machine runs it (the test command is CI itself)."""
import os
import re
import subprocess

from conftest import REPO


def _readme_commands():
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", (REPO / "README.md").read_text(), re.S).group(1)
    return [line.split("#")[0].strip() for line in block.strip().splitlines()]


def test_readme_names_exactly_two_commands_and_ci_runs_the_test_one():
    run_cmd, test_cmd = _readme_commands()
    assert run_cmd == "./run.sh" and test_cmd == "./test.sh"
    assert test_cmd in (REPO / ".ci" / "run").read_text()


def test_run_command_starts_the_program():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run(["./run.sh", "--version"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert re.fullmatch(r"rtreview \d+\.\d+\.\d+\n", out.stdout)


def test_run_command_without_display_says_what_to_do():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run(["./run.sh"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 1
    assert "no display" in out.stderr and "--screenshot" in out.stderr
