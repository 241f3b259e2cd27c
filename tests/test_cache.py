"""The desk commands' model cache: reused while the data is unchanged, rebuilt when anything changes, and never
able to run code or answer from stale data."""

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path

import pytest

from conftest import VALID
from lcdkb import cache, file_status
from lcdkb.cli import main
from lcdkb.model_codec import CodecError, from_plain, to_plain

PACKAGE = Path(cache.__file__).parent


def lookup(data_dir, capsys):
    code = main(["lookup", "64483", "--payer", "fixture-mac", "--format", "json", "--data", str(data_dir)])
    return code, capsys.readouterr().out


def test_the_second_query_uses_the_cache_and_gives_the_same_answer(data_dir, capsys, monkeypatch):
    first = lookup(data_dir, capsys)
    assert cache.load(data_dir) is not None
    assert [r.id for r in cache.load(data_dir, "64483").rules] == ["fixture-mac/64483"]  # one code's shard
    monkeypatch.setattr("lcdkb.validate.validate", lambda *a, **k: (_ for _ in ()).throw(AssertionError("re-read")))
    assert lookup(data_dir, capsys) == first


def test_a_changed_file_invalidates_the_cache(data_dir, capsys):
    lookup(data_dir, capsys)
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(mac.read_text().replace("max: 2, source: summary-1", "max: 3, source: summary-1"))
    os.utime(mac, ns=(1, 1))
    assert cache.load(data_dir) is None
    code, out = lookup(data_dir, capsys)
    assert code == 0 and '"max": 3' in out


def test_broken_data_is_never_cached(data_dir, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(mac.read_text().replace("max_sessions: 4", "max_sessions: four"))
    assert lookup(data_dir, capsys)[0] == 1
    assert cache.load(data_dir) is None


def test_a_damaged_cache_is_rebuilt(data_dir, capsys):
    lookup(data_dir, capsys)
    for part in cache._folder(data_dir).glob("*.json"):
        part.write_bytes(b"not a cache file")
    assert cache.load(data_dir) is None and cache.load(data_dir, "64483") is None
    assert lookup(data_dir, capsys)[0] == 0 and cache.load(data_dir) is not None


def test_the_cache_can_be_turned_off(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("LCDKB_CACHE_DIR", "off")
    assert lookup(data_dir, capsys)[0] == 0
    assert cache.load(data_dir) is None


def shard(data_dir, code=None) -> Path:
    return cache._folder(data_dir) / cache._shard_name(code)


def test_the_model_survives_the_json_round_trip(data_dir):
    from lcdkb.api import load

    kb = load(data_dir)
    again = from_plain(json.loads(json.dumps(to_plain(kb))))
    assert again == kb and [r.line for r in again.rules] == [r.line for r in kb.rules]


def test_an_edit_that_keeps_size_and_mtime_is_not_answered_from_the_cache(data_dir, capsys):
    """cp -p, rsync, tar and touch -r keep the old modification time; the cache is keyed by content."""
    lookup(data_dir, capsys)
    mac = data_dir / "payers" / "fixture-mac.yaml"
    before = mac.stat()
    text = mac.read_text()
    assert "max: 2, source: summary-1" in text
    mac.write_text(text.replace("max: 2, source: summary-1", "max: 3, source: summary-1"))
    os.utime(mac, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert mac.stat().st_size == before.st_size and mac.stat().st_mtime_ns == before.st_mtime_ns
    assert cache.load(data_dir) is None and cache.load(data_dir, "64483") is None
    code, out = lookup(data_dir, capsys)
    assert code == 0 and '"max": 3' in out


def test_a_pickle_in_the_cache_is_never_loaded(data_dir, capsys, tmp_path):
    lookup(data_dir, capsys)
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    payload = pickle.dumps(Evil())
    stamp = cache.fingerprint(data_dir)
    header = json.dumps(
        {
            "format": cache.FORMAT,
            "version": cache.VERSION,
            "fingerprint": stamp,
            "payload_sha256": hashlib.sha256(payload).hexdigest(),
        }
    ).encode()
    for path in (shard(data_dir), shard(data_dir, "64483")):
        path.write_bytes(header + b"\n" + payload)
    assert cache.load(data_dir) is None and cache.load(data_dir, "64483") is None
    assert lookup(data_dir, capsys)[0] == 0 and not marker.exists()
    assert cache.load(data_dir) is not None  # rebuilt


def test_no_module_of_lcdkb_deserializes_code():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for module in ("pickle", "marshal", "shelve", "dill"):
            assert f"import {module}" not in text, f"{path.name} imports {module}"
        assert "yaml.load(" not in text and "yaml.unsafe_load" not in text and "Loader=yaml.Loader" not in text


@pytest.mark.parametrize(
    "damage",
    [
        "truncated",
        "flipped byte",
        "other fingerprint",
        "other format",
        "bad shape",
        "empty",
        "huge header",
        "deep nesting",
    ],
)
def test_a_damaged_or_foreign_cache_file_is_ignored_and_rebuilt(data_dir, capsys, damage):
    first = lookup(data_dir, capsys)
    path = shard(data_dir, "64483")
    raw = path.read_bytes()
    header, payload = raw.split(b"\n", 1)
    fields = json.loads(header)

    def rewrite(new_payload: bytes, **changes):
        new_header = {**fields, "payload_sha256": hashlib.sha256(new_payload).hexdigest(), **changes}
        path.write_bytes(json.dumps(new_header).encode() + b"\n" + new_payload)

    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flipped byte":
        path.write_bytes(header + b"\n" + payload.replace(b"64483", b"64484", 1))
    elif damage == "other fingerprint":
        rewrite(payload, fingerprint="0" * 64)
    elif damage == "other format":
        rewrite(payload, version=1)
    elif damage == "bad shape":
        document = json.loads(payload)
        document["rules"][0]["sources"] = [{"id": 1}]
        rewrite(json.dumps(document).encode())
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "huge header":
        path.write_bytes(b"{" + b" " * 100_000 + b"}\n{}")
    else:
        rewrite(b"[" * 100_000 + b"]" * 100_000)
    assert cache.load(data_dir, "64483") is None
    assert lookup(data_dir, capsys) == first
    assert "Traceback" not in capsys.readouterr().err


def test_the_codec_refuses_wrong_shapes():
    for bad in (
        [],
        {"codes": []},
        {
            "codes": {},
            "states": {},
            "jurisdictions": {},
            "modifiers": {},
            "diagnoses": {},
            "catalogue_sources": [],
            "payers": [{"id": 3}],
            "rules": [],
        },
    ):
        with pytest.raises(CodecError):
            from_plain(bad)


def test_a_file_saved_while_the_cache_is_built_is_not_stored_under_its_new_key(data_dir, capsys, monkeypatch):
    import lcdkb.validate

    real = lcdkb.validate.validate
    mac = data_dir / "payers" / "fixture-mac.yaml"

    def validate_then_edit(*args, **kwargs):
        result = real(*args, **kwargs)
        mac.write_text(mac.read_text().replace("max: 2, source: summary-1", "max: 3, source: summary-1"))
        return result

    monkeypatch.setattr(lcdkb.validate, "validate", validate_then_edit)
    code, out = lookup(data_dir, capsys)
    assert code == 0 and '"max": 2' in out  # answered from what was read ...
    assert cache.load(data_dir) is None  # ... but not cached under the edited file's fingerprint
    monkeypatch.setattr(lcdkb.validate, "validate", real)
    assert '"max": 3' in lookup(data_dir, capsys)[1]


def test_a_cache_folder_others_can_write_to_is_not_trusted(data_dir, capsys):
    lookup(data_dir, capsys)
    folder = cache._folder(data_dir)
    assert folder.stat().st_mode & 0o077 == 0  # private
    folder.chmod(0o777)
    try:
        assert cache.load(data_dir) is None
    finally:
        folder.chmod(0o700)
    assert cache.load(data_dir) is not None


def test_stale_temporary_files_are_cleaned_up(data_dir, capsys):
    lookup(data_dir, capsys)
    folder = cache._folder(data_dir)
    leftover = folder / ".part-crashed"
    leftover.write_bytes(b"half")
    os.utime(leftover, (1, 1))
    for path in folder.glob("*.json"):  # force a rebuild and store
        path.unlink()
    lookup(data_dir, capsys)
    assert not leftover.exists()


def test_the_fingerprint_covers_lcdkb_itself(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(VALID, data)
    package = tmp_path / "package"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE", package)
    before = cache.fingerprint(data)
    module = package / "lookup.py"
    module.write_text(module.read_text() + "\n")
    assert cache.fingerprint(data) != before


def _later(monkeypatch, seconds=3600):
    """Run the clock forward, so every file counts as settled and is fingerprinted by its status."""
    now = cache.time.time_ns()
    monkeypatch.setattr(cache.time, "time_ns", lambda: now + seconds * 1_000_000_000)


def test_a_settled_file_is_fingerprinted_by_status_without_reading_it(data_dir, monkeypatch):
    _later(monkeypatch)
    before = cache.fingerprint(data_dir)
    monkeypatch.setattr(cache.hashlib, "file_digest", lambda *a: pytest.fail("a settled file was read"))
    assert cache.fingerprint(data_dir) == before


def test_a_settled_file_replaced_with_the_same_size_and_mtime_changes_the_fingerprint(data_dir, monkeypatch):
    """A copy tool that writes a new file and renames it over the old one, keeping size and mtime."""
    _later(monkeypatch)
    mac = data_dir / "payers" / "fixture-mac.yaml"
    before_stat = mac.stat()
    before = cache.fingerprint(data_dir)
    replacement = mac.with_name(".incoming")
    replacement.write_text(mac.read_text().replace("max: 2, source: summary-1", "max: 3, source: summary-1"))
    os.utime(replacement, ns=(before_stat.st_atime_ns, before_stat.st_mtime_ns))
    os.replace(replacement, mac)
    assert mac.stat().st_size == before_stat.st_size and mac.stat().st_mtime_ns == before_stat.st_mtime_ns
    assert cache.fingerprint(data_dir) != before


def test_a_recently_changed_file_is_fingerprinted_by_content(data_dir, monkeypatch):
    """Within SETTLED_SECONDS two writes could share a status, so the contents decide."""
    mac = data_dir / "payers" / "fixture-mac.yaml"
    read = []
    real = cache.hashlib.file_digest
    monkeypatch.setattr(
        cache.hashlib, "file_digest", lambda handle, name: read.append(handle.name) or real(handle, name)
    )
    cache.fingerprint(data_dir)
    assert str(mac) in read


def test_a_single_code_check_reads_only_that_codes_cache_file(data_dir, capsys, monkeypatch):
    lookup(data_dir, capsys)
    (cache._folder(data_dir) / "all.json").unlink()  # the whole model is not needed for one code
    monkeypatch.setattr("lcdkb.validate.validate", lambda *a, **k: pytest.fail("the data was read again"))
    args = ["check", "--code", "64483", "--payer", "fixture-mac", "--date", "2026-01-15", "--data", str(data_dir)]
    main(args)
    assert "64483" in capsys.readouterr().out


def test_the_query_after_the_files_settle_is_still_answered_from_the_cache(data_dir, capsys, monkeypatch):
    """Just edited, the data is fingerprinted by content; by the next query it is fingerprinted by status. The
    cache files carry both, so an edit costs one read of the data, not two."""
    import lcdkb.validate

    real = lcdkb.validate.validate

    def validate_then_time_passes(*args, **kwargs):
        result = real(*args, **kwargs)
        _later(monkeypatch)
        return result

    monkeypatch.setattr(lcdkb.validate, "validate", validate_then_time_passes)
    first = lookup(data_dir, capsys)
    header = json.loads(shard(data_dir, "64483").read_bytes().split(b"\n", 1)[0])
    assert header["settled_fingerprint"] != header["fingerprint"]
    monkeypatch.setattr(lcdkb.validate, "validate", lambda *a, **k: pytest.fail("the data was read again"))
    assert lookup(data_dir, capsys) == first


def test_a_cached_query_imports_neither_the_validator_nor_jsonschema(data_dir, tmp_path):
    """Start-up is most of a cached query's time (docs/performance.md): the validator, jsonschema and the YAML
    reader are imported only when the cache misses."""
    import subprocess
    import sys
    import time

    time.sleep(file_status.SETTLED_SECONDS + 0.5)  # the copied data settles: both queries fingerprint it by status
    env = {**os.environ, "LCDKB_CACHE_DIR": str(tmp_path / "cache")}
    query = ["lookup", "64483", "--payer", "fixture-mac", "--data", str(data_dir)]
    script = (
        "import sys\nfrom lcdkb.cli import main\nmain(sys.argv[1:])\n"
        "print(sorted(m for m in ('lcdkb.validate', 'jsonschema', 'yaml') if m in sys.modules))"
    )
    run = [sys.executable, "-c", script, *query]
    first = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert first.stdout.strip().splitlines()[-1] == "['lcdkb.validate', 'yaml']"  # the miss (valid data: no jsonschema)
    again = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert again.stdout.strip().splitlines()[-1] == "[]"
