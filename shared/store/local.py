"""A store in a local directory: the default for development and `make serve`."""

import os
import tempfile
from pathlib import Path

from shared.errors import StoreError, StoreKeyNotFound
from shared.store.base import ModelStore, NotModified, too_large


class LocalStore(ModelStore):
    """Keys are relative paths below `root`; writes are atomic renames."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return f"file://{self.root.resolve()}"

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise StoreKeyNotFound(f"key {key!r} leaves the store")
        return path

    def read(self, key: str, limit: int | None = None) -> bytes:
        try:
            if limit is None:
                return self._path(key).read_bytes()
            with self._path(key).open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > limit:
                    raise too_large(key, self.describe(), limit, size)
                data = handle.read(limit + 1)  # it may have grown since
            if len(data) > limit:
                raise too_large(key, self.describe(), limit)
            return data
        except FileNotFoundError as exc:
            raise StoreKeyNotFound(f"{key} not found in {self.describe()}") from exc
        except OSError as exc:
            raise StoreError(f"cannot read {key}: {exc}") from exc

    def read_if_changed(
        self, key: str, token: str | None, limit: int | None = None
    ) -> tuple[bytes, str] | NotModified:
        try:
            stat = self._path(key).stat()
        except FileNotFoundError as exc:
            raise StoreKeyNotFound(f"{key} not found in {self.describe()}") from exc
        current = f"{stat.st_mtime_ns}-{stat.st_size}"
        if current == token:
            return NotModified(current)
        return self.read(key, limit), current

    def write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target then rename, so readers never see half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)

    def list_children(self, prefix: str) -> list[str]:
        directory = self._path(prefix) if prefix else self.root
        if not directory.is_dir():
            return []
        return sorted(entry.name for entry in directory.iterdir() if not entry.name.startswith("."))
