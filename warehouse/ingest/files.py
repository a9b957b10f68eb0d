"""Source files as bytes: their kind, checksum, line count and text encoding.

Every pass here streams the file in chunks; nothing holds a whole file in memory.
DuckDB reads UTF-8 only (its other encodings live in an extension we may not
install), so a cp1251 file is transcoded, chunk by chunk, to a temporary UTF-8
copy that DuckDB then reads.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warehouse.progress import BYTES, Progress, Step

CHUNK_BYTES = 8 << 20
ENCODING_SAMPLE_BYTES = 4 << 20
UTF8_BOM = codecs.BOM_UTF8
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf_8": "utf-8",
    "utf-8-sig": "utf-8",
    "cp1251": "cp1251",
    "cp-1251": "cp1251",
    "windows-1251": "cp1251",
    "win1251": "cp1251",
}


class Cancelled(Exception):
    """A background pass was told to stop because the load failed."""


@dataclass(frozen=True)
class SourceFile:
    """A file given to ingest: where it is, how big, and what it holds."""

    path: Path
    size: int
    format: str  # "csv" or "parquet"
    gzip: bool

    @property
    def compression(self) -> str:
        return "gzip" if self.gzip else "none"


@dataclass(frozen=True)
class Digest:
    """What one streamed pass over a file learned: its SHA-256 and its physical lines."""

    sha256: str
    lines: int | None  # lines of the (decompressed) text; None when not counted


@dataclass(frozen=True)
class EncodingGuess:
    encoding: str  # "utf-8" or "cp1251"
    evidence: bool  # the sample had non-ASCII bytes, so the guess is not a default


def inspect_source(path: str | Path) -> SourceFile:
    """Check that `path` is a non-empty file and tell CSV, gzipped CSV and Parquet apart."""
    resolved = Path(path).expanduser().resolve()
    if not resolved.exists():
        raise FileNotFoundError(f"{resolved}: no such file")
    if not resolved.is_file():
        raise ValueError(f"{resolved} is not a file")
    size = resolved.stat().st_size
    if size == 0:
        raise ValueError(f"{resolved} is empty (0 bytes); nothing to load")
    with resolved.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PAR1":
        return SourceFile(resolved, size, "parquet", gzip=False)
    return SourceFile(resolved, size, "csv", gzip=magic[:2] == b"\x1f\x8b")


def normalize_encoding(name: str) -> str:
    """'UTF8', 'windows-1251' ... -> 'utf-8' or 'cp1251'; anything else is a ValueError."""
    try:
        return ENCODINGS[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unsupported encoding {name!r}; use utf-8 or cp1251") from None


def _gzip_error(path: Path, error: Exception) -> ValueError:
    return ValueError(f"{path} is a truncated or corrupt gzip file ({error})")


def open_text_bytes(source: SourceFile) -> BinaryIO:
    """The file's text as a binary stream, decompressed when it is gzipped."""
    if source.gzip:
        return gzip.open(source.path, "rb")  # type: ignore[return-value]
    return source.path.open("rb")


def read_head(source: SourceFile, size: int) -> bytes:
    """Up to `size` bytes from the start of the file's (decompressed) text."""
    try:
        with open_text_bytes(source) as stream:
            return stream.read(size)
    except (EOFError, OSError, zlib.error) as error:
        if source.gzip:
            raise _gzip_error(source.path, error) from error
        raise


def detect_encoding(source: SourceFile) -> EncodingGuess:
    """UTF-8 if the first MBs decode strictly as UTF-8, else cp1251 if they decode as that."""
    sample = read_head(source, ENCODING_SAMPLE_BYTES)
    if sample.startswith(UTF8_BOM):
        return EncodingGuess("utf-8", evidence=True)
    try:
        # final=False: a character cut in two by the end of the sample is not an error.
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return EncodingGuess("utf-8", evidence=not sample.isascii())
    try:
        sample.decode("cp1251")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{source.path} is neither UTF-8 nor cp1251 (byte 0x{sample[error.start]:02x} at "
            f"offset {error.start}); pass the encoding explicitly"
        ) from None
    return EncodingGuess("cp1251", evidence=True)


class _ByteSteps:
    """Bytes done of one pass over a file, reported as a phase of `BYTES` steps."""

    def __init__(self, message: str, total: int | None, progress: Progress | None):
        self.message, self.total, self.progress = message, total, progress
        self.done = 0
        self._report()

    def add(self, size: int) -> None:
        self.done += size
        self._report()

    def finish(self) -> None:
        """The pass is over: its total is now known, whether or not it was before."""
        self.total = self.done
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(Step(self.message, self.done, self.total, BYTES))


def _inflate(path: Path, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Decompress gzip data, member after member, failing on a truncated stream."""
    inflater = zlib.decompressobj(wbits=31)
    begun = False  # the current member has had some bytes
    try:
        for chunk in chunks:
            while chunk:
                begun = True
                yield inflater.decompress(chunk)
                chunk = b""
                if inflater.eof:  # the next member, if any, starts in unused_data
                    chunk = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=31)
                    begun = False
        if begun:
            yield inflater.flush()
            if not inflater.eof:
                raise _gzip_error(path, EOFError("the stream ends before its end marker"))
    except zlib.error as error:
        raise _gzip_error(path, error) from error


def digest(
    source: SourceFile,
    *,
    count_lines: bool,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Digest:
    """SHA-256 of the file's bytes and, if asked, the physical lines of its text, in one pass."""
    sha = hashlib.sha256()
    newlines = 0
    last = b""

    def raw_chunks() -> Iterator[bytes]:
        read = _ByteSteps(f"reading {source.path.name}", source.size, progress)
        with source.path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                if cancel is not None and cancel.is_set():
                    raise Cancelled
                sha.update(chunk)
                read.add(len(chunk))
                yield chunk
        read.finish()

    chunks = raw_chunks()
    if not count_lines:
        for _ in chunks:
            pass
        return Digest(sha.hexdigest(), None)
    texts = _inflate(source.path, chunks) if source.gzip else chunks
    for text in texts:
        if text:
            newlines += text.count(b"\n")
            last = text[-1:]
    return Digest(sha.hexdigest(), newlines + (1 if last not in (b"\n", b"") else 0))


def transcode_to_utf8(
    source: SourceFile, out_dir: Path, *, progress: Progress | None = None
) -> tuple[Path, int]:
    """Write the cp1251 text of `source` as UTF-8 into `out_dir`; return the copy and its lines."""
    target = out_dir / "transcoded.utf8.csv"
    newlines = 0
    last = b""
    offset = 0
    transcoded = _ByteSteps(
        f"transcoding {source.path.name} from cp1251",
        None if source.gzip else source.size,  # a gzip file's text size is known at its end
        progress,
    )
    try:
        with open_text_bytes(source) as stream, target.open("wb") as out:
            while chunk := stream.read(CHUNK_BYTES):
                try:
                    text = chunk.decode("cp1251")  # one byte per character: chunks split cleanly
                except UnicodeDecodeError as error:
                    raise ValueError(
                        f"{source.path}: byte 0x{chunk[error.start]:02x} at offset "
                        f"{offset + error.start} is not cp1251 text"
                    ) from None
                out.write(text.encode("utf-8"))
                newlines += chunk.count(b"\n")
                last = chunk[-1:]
                offset += len(chunk)
                transcoded.add(len(chunk))
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise _gzip_error(source.path, error) from error
    transcoded.finish()
    return target, newlines + (1 if last not in (b"\n", b"") else 0)
