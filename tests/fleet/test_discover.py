"""Discovery: autofix.toml and [tool.autofix], .gitignore as git reads it, --exclude, links."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from autofix.errors import ConfigError
from autofix.fleet.discover import discover
from tests.conftest import run_autofix

STEP = '[[steps]]\nname = "deploy"\nrun = "true"\n'


def service(directory: Path, pyproject: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if pyproject:
        path = directory / "pyproject.toml"
        table = STEP.replace("[[", "[[tool.autofix.")
        path.write_text('[project]\nname = "x"\n\n[tool.autofix]\n' + table)
    else:
        path = directory / "autofix.toml"
        path.write_text(STEP)
    return path


def names(root: Path, *exclude: str) -> list[str]:
    return [s.name for s in discover([root], exclude)]


def test_configs_and_pyproject_tables(tmp_path: Path) -> None:
    service(tmp_path / "api")
    service(tmp_path / "jobs" / "nightly", pyproject=True)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "pyproject.toml").write_text('[project]\nname = "lib"\n')
    service(tmp_path / "node_modules" / "pkg")  # never a service
    assert names(tmp_path) == ["api", "jobs/nightly"]
    found = discover([tmp_path])[1]
    assert found.config.name == "pyproject.toml" and found.slug == "jobs-nightly"


def test_gitignore_is_obeyed_as_git_does(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("build/\nold-*\n")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / ".gitignore").write_text("!old-keep\nscratch\n")
    for name in ("a", "build/b", "old-c", "svc/old-keep", "svc/scratch", "svc/d"):
        service(tmp_path / name)
    expected = ["a", "svc/d", "svc/old-keep"]
    assert names(tmp_path) == expected
    ignored = subprocess.run(
        ["git", "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    tracked = sorted(
        line[3:].removesuffix("/autofix.toml")
        for line in ignored.splitlines()
        if line.endswith("autofix.toml")
    )
    assert tracked == expected, "discovery agrees with git itself"
    # searching from inside, the repository root's .gitignore still applies
    assert names(tmp_path / "svc") == ["d", "old-keep"]


def test_exclude_globs(tmp_path: Path) -> None:
    for name in ("web", "corpus/one", "corpus/two", "tools/x"):
        service(tmp_path / name)
    assert names(tmp_path, "corpus/") == ["tools/x", "web"]
    assert names(tmp_path, "corpus/t*", "tools") == ["corpus/one", "web"]


def test_links_are_followed_once(tmp_path: Path) -> None:
    real = service(tmp_path / "real" / "svc").parent
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "alias").symlink_to(real, target_is_directory=True)
    (fleet / "loop").symlink_to(fleet, target_is_directory=True)
    assert names(fleet) == ["alias"]


def test_a_config_file_and_the_root_itself(tmp_path: Path) -> None:
    config = service(tmp_path / "one")
    assert [s.name for s in discover([config])] == ["one"]
    assert names(tmp_path / "one") == ["one"]


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        discover([tmp_path / "missing"])
    service(tmp_path / "a" / "x")
    service(tmp_path / "b" / "x")
    with pytest.raises(ConfigError, match="two services are named 'x'"):
        discover([tmp_path / "a", tmp_path / "b"])
    result = run_autofix("fleet", "run", str(tmp_path / "empty-dir-missing"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().count("\n") == 0, result.stderr
    (tmp_path / "empty").mkdir()
    result = run_autofix("fleet", "run", str(tmp_path / "empty"))
    assert result.exit_code == 2 and "no services" in result.stderr
