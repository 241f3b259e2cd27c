"""The desk commands' model cache: reused while the data is unchanged, rebuilt when anything changes."""
import os

from lcdkb import cache
from lcdkb.cli import main


def lookup(data_dir, capsys):
    code = main(["lookup", "64483", "--payer", "fixture-mac", "--format", "json", "--data", str(data_dir)])
    return code, capsys.readouterr().out


def test_the_second_query_uses_the_cache_and_gives_the_same_answer(data_dir, capsys, monkeypatch):
    first = lookup(data_dir, capsys)
    assert cache.load(data_dir) is not None
    assert [r.id for r in cache.load(data_dir, "64483").rules] == ["fixture-mac/64483"]   # one code's shard
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
    for part in cache._folder(data_dir).glob("*.pickle"):
        part.write_bytes(b"not a pickle")
    assert cache.load(data_dir) is None and cache.load(data_dir, "64483") is None
    assert lookup(data_dir, capsys)[0] == 0 and cache.load(data_dir) is not None


def test_the_cache_can_be_turned_off(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("LCDKB_CACHE_DIR", "off")
    assert lookup(data_dir, capsys)[0] == 0
    assert cache.load(data_dir) is None
