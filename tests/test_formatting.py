"""dwe fmt rewrites seeds into the canonical form that validate accepts."""

from __future__ import annotations

from pathlib import Path

from darkweb_enforcement.csvfiles import format_seeds
from darkweb_enforcement.validate import validate_package


def test_fmt_fixes_order_bom_crlf_and_quoting(package: Path):
    path = package / "seeds" / "agencies.csv"
    original = path.read_bytes()
    lines = original.decode().splitlines()
    shuffled = [lines[0], lines[3], lines[1], '"' + lines[2].replace(",", '","') + '"']
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(shuffled).encode() + b"\r\n")
    assert [p.code for p in validate_package(package).problems][:1] == ["encoding-error"]
    assert format_seeds(package, write=False) == ["seeds/agencies.csv"]
    assert format_seeds(package) == ["seeds/agencies.csv"]
    assert path.read_bytes() == original
    assert validate_package(package).problems == []
    assert format_seeds(package) == []
