"""What the model cache (``lcdkb.cache``) and the desk index (``lcdkb.desk_index``) share about files: which files
an answer depends on, when a file's status alone tells its contents apart, and which cache files to trust.

Only ``os``, ``stat`` and ``time`` are imported, so the desk's quick path can use it (docs/performance.md).
"""

from __future__ import annotations

import os
import stat
import time

# A file whose status changed at least this long ago is told apart by its status (identity, size, modification
# and change time): two writes within one tick of the file system's clock could leave the same status.
SETTLED_SECONDS = 2


def settled_threshold() -> int:
    """The time (ns) before which a file's status alone identifies its contents."""
    return time.time_ns() - SETTLED_SECONDS * 1_000_000_000


def files_under(root: str | os.PathLike, suffixes: tuple[str, ...] | None) -> list[tuple[str, str]]:
    """(relative path, full path) of every file under ``root`` whose name ends with one of ``suffixes`` (any
    name when None), sorted by relative path; links to folders are not followed and __pycache__ is left out.
    OSError when a folder cannot be read."""
    found = []
    folders = [("", os.fspath(root))]
    while folders:
        prefix, folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append((f"{prefix}{entry.name}/", entry.path))
                elif suffixes is None or entry.name.endswith(suffixes):
                    found.append((prefix + entry.name, entry.path))
    return sorted(found)


def status_text(info: os.stat_result) -> str:
    """A file's identity and status: device, inode, size, modification and change time."""
    return f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"


def settled(info: os.stat_result, settled_before: int) -> bool:
    return info.st_ctime_ns < settled_before and info.st_mtime_ns < settled_before


def trusted(path: str | os.PathLike) -> bool:
    """Our own file or folder, not a link, and not writable by anyone else."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()
