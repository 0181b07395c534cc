"""Find a fleet's services: every `autofix.toml` (or `pyproject.toml` with `[tool.autofix]`)
under the given paths, skipping what `.gitignore` files and `--exclude` globs ignore."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from autofix.errors import ConfigError

__all__ = ["Service", "discover"]

_ALWAYS_SKIPPED = frozenset({".git", "node_modules"})
"""Never a service: git's own directory, and npm's (thousands of packages, none a config)."""
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Service:
    """One service of the fleet: its name (its directory relative to the path it was found
    under) and its config file."""

    name: str
    config: Path

    @property
    def directory(self) -> Path:
        return self.config.parent

    @property
    def slug(self) -> str:
        """The name as one word, for artifact names and file names (`a/b` → `a-b`)."""
        return _SLUG.sub("-", self.name).strip("-") or "service"

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "slug": self.slug,
            "config": self.config.as_posix(),
            "directory": self.directory.as_posix(),
        }


def discover(paths: Sequence[Path], exclude: Sequence[str] = ()) -> list[Service]:
    """The services under `paths` (a config file counts as itself), sorted by name.

    A directory holding `autofix.toml` is a service; so is one whose `pyproject.toml` has a
    `[tool.autofix]` table (`autofix.toml` wins, as for `autofix run`). `.gitignore` files
    under each path, and those of its parent directories up to the repository's root, are
    obeyed as git does; `exclude` holds gitignore-style globs matched against the path of each
    directory relative to the path searched. Symbolic links to directories are followed once.
    """
    excluded = pathspec.GitIgnoreSpec.from_lines(exclude)
    found: dict[str, Service] = {}
    for root in paths:
        if not root.exists():
            raise ConfigError(f"{root}: no such file or directory")
        for service in _services_under(root, excluded):
            other = found.get(service.name)
            if other is not None and other.config.resolve() != service.config.resolve():
                raise ConfigError(
                    f"two services are named {service.name!r}: {other.config} and "
                    f"{service.config}; pass their parent directory instead"
                )
            found[service.name] = service
    return sorted(found.values(), key=lambda s: s.name)


def _services_under(root: Path, excluded: pathspec.PathSpec[Any]) -> Iterator[Service]:
    if root.is_file():
        if root.name not in ("autofix.toml", "pyproject.toml") or not _is_config(root):
            raise ConfigError(
                f"{root}: not an autofix.toml nor a pyproject.toml with [tool.autofix]"
            )
        yield Service(_name(root.parent, root.parent), root)
        return
    ignores = _IgnoreStack(_inherited_ignores(root))
    seen: set[str] = set()
    for directory, subdirs, files in os.walk(root, followlinks=True):
        here = Path(directory)
        real = os.path.realpath(here)
        if real in seen:  # a link loop, or a link to a directory walked already
            subdirs[:] = []
            continue
        seen.add(real)
        ignores.enter(here)
        config = _config_in(here, files)
        if config is not None:
            yield Service(_name(root, here), config)
        subdirs[:] = sorted(
            d
            for d in subdirs
            if d not in _ALWAYS_SKIPPED
            and not ignores.ignored(here / d, is_dir=True)
            and not excluded.match_file(_relative(root, here / d) + "/")
        )


def _config_in(directory: Path, files: Iterable[str]) -> Path | None:
    names = set(files)
    if "autofix.toml" in names:
        return directory / "autofix.toml"
    if "pyproject.toml" in names and _is_config(directory / "pyproject.toml"):
        return directory / "pyproject.toml"
    return None


def _is_config(path: Path) -> bool:
    if path.name == "autofix.toml":
        return True
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # not ours to judge: a broken pyproject is not a service
    tool = data.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("autofix"), dict)


def _name(root: Path, directory: Path) -> str:
    relative = _relative(root, directory)
    return relative if relative != "." else (directory.resolve().name or "service")


def _relative(root: Path, path: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _inherited_ignores(root: Path) -> list[Path]:
    """The `.gitignore` files above `root`, up to its repository's root, outermost first."""
    found: list[Path] = []
    for parent in root.resolve().parents:
        if (parent / ".gitignore").is_file():
            found.append(parent / ".gitignore")
        if (parent / ".git").exists():
            return found[::-1]
    return []  # not in a repository: git would read none of them


class _IgnoreStack:
    """The `.gitignore` files that apply while walking down: each matches paths relative to
    its own directory, and a deeper file's negation wins over a shallower one's pattern."""

    def __init__(self, inherited: Sequence[Path]) -> None:
        self._specs: list[tuple[Path, pathspec.PathSpec[Any]]] = []
        for file in inherited:
            self._add(file)

    def enter(self, directory: Path) -> None:
        file = directory / ".gitignore"
        if file.is_file():
            self._add(file)

    def _add(self, file: Path) -> None:
        try:
            lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        self._specs.append((file.parent.resolve(), pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, path: Path, is_dir: bool) -> bool:
        verdict = False
        real = path.resolve() if not path.is_symlink() else path.parent.resolve() / path.name
        for base, spec in self._specs:
            try:
                relative = real.relative_to(base).as_posix()
            except ValueError:
                continue
            result = spec.check_file(relative + ("/" if is_dir else ""))
            if result.include is not None:
                verdict = result.include
        return verdict
