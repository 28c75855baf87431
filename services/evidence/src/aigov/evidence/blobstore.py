"""Content-addressed blob storage, streamed in and out with constant memory.

:class:`BlobStore` is what the service needs; :class:`FilesystemBlobStore` is the default. An
S3-compatible store implements the same five methods (multipart upload to a temporary key while
hashing, then copy to ``sha256/<hex>`` and delete the temporary key; ranged GETs to stream out).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aigov.shared.problems import DomainError, Unprocessable

CHUNK = 1024 * 1024
_HEX64 = frozenset("0123456789abcdef")


class PayloadTooLarge(DomainError):
    status, title, slug = 413, "Content too large", "content-too-large"


class HashMismatch(Unprocessable):
    pass


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    deduplicated: bool  # the bytes were already stored


def valid_digest(value: str) -> bool:
    return len(value) == 64 and set(value) <= _HEX64


class BlobStore(Protocol):
    async def put(
        self, chunks: AsyncIterator[bytes], *, max_bytes: int, expected_sha256: str | None
    ) -> StoredBlob:
        """Store the stream; nothing is kept unless it was complete, within ``max_bytes`` and
        matched ``expected_sha256`` (when given)."""
        ...

    def read(self, sha256: str) -> AsyncIterator[bytes]: ...

    async def exists(self, sha256: str) -> bool: ...

    async def delete(self, sha256: str) -> bool: ...

    async def rehash(self, sha256: str) -> str | None:
        """SHA-256 of the stored bytes now, or None when they are gone."""
        ...


class FilesystemBlobStore:
    """``<root>/sha256/ab/cd/<hex>``; uploads land in ``<root>/tmp`` and are renamed atomically
    (same file system) once complete and verified, so a reader never sees a partial blob."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        (self.root / "sha256").mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if not valid_digest(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / "sha256" / sha256[:2] / sha256[2:4] / sha256

    async def put(
        self, chunks: AsyncIterator[bytes], *, max_bytes: int, expected_sha256: str | None
    ) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(
                            f"the content exceeds the limit of {max_bytes} bytes",
                            max_bytes=max_bytes,
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            if expected_sha256 is not None and expected_sha256.lower() != sha256:
                raise HashMismatch(
                    "the content's SHA-256 differs from the declared one",
                    declared_sha256=expected_sha256,
                    actual_sha256=sha256,
                )
            final = self.path(sha256)
            existed = final.exists()
            final.parent.mkdir(parents=True, exist_ok=True)
            # Replacing identical, just-verified bytes is harmless and heals a corrupted copy.
            os.replace(tmp_path, final)
            return StoredBlob(sha256, size, deduplicated=existed)
        except BaseException:
            # Too large, wrong hash, client gone, cancelled: no partial blob is left behind.
            tmp_path.unlink(missing_ok=True)
            raise

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        with self.path(sha256).open("rb") as src:
            while chunk := await asyncio.to_thread(src.read, CHUNK):
                yield chunk

    async def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    async def delete(self, sha256: str) -> bool:
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True

    async def rehash(self, sha256: str) -> str | None:
        return await asyncio.to_thread(self._rehash, self.path(sha256))

    @staticmethod
    def _rehash(path: Path) -> str | None:
        try:
            with path.open("rb") as src:
                return hashlib.file_digest(src, "sha256").hexdigest()
        except FileNotFoundError:
            return None
