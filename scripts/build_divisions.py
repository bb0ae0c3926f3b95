"""Build ``src/budgetlib/reference/divisions.csv`` from the ``cpca`` package's adcode table.

Takes ``cpca/resources/adcodes.csv`` from the PyPI package ``cpca`` (MIT licence; columns
``adcode`` (12 digits), ``name``, ``longitude``, ``latitude``) and writes one row per
province-, city- or county-level division with the columns::

    adcode,name,level,province,city,source

* ``adcode`` — the first 6 digits (``PPCCXX``), kept as a string;
* ``level`` — ``province`` (``PP0000``), ``city`` (``PPCC00``) or ``county`` (anything else);
* ``province`` — the name of the ``PP0000`` row;
* ``city`` — for a county, the name of its ``PPCC00`` row; for a district or county of a
  municipality (北京/天津/上海/重庆, whose ``PPCC00`` rows are the placeholders 市辖区/县)
  the municipality itself (e.g. 上海市); empty for a county-level unit under a
  省直辖县级行政区划 placeholder (e.g. 仙桃市), and for province rows; a city row carries
  its own name;
* ``source`` — where the row came from (``cpca <version> adcodes.csv``).

The placeholder rows themselves (市辖区, 县, 省直辖县级行政区划, 自治区直辖县级行政区划) are not
divisions and are left out. Output is sorted by adcode, so a rebuild gives identical bytes.

Usage::

    python scripts/build_divisions.py [--adcodes PATH] [--version X.Y.Z] [--out PATH]

Without ``--adcodes`` the file is taken from an installed ``cpca`` package, else from
``/tmp/x/cp/cpca/resources/adcodes.csv`` (an unpacked wheel: ``pip download --no-deps cpca``).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "budgetlib" / "reference" / "divisions.csv"
FALLBACK_ADCODES = Path("/tmp/x/cp/cpca/resources/adcodes.csv")

MUNICIPALITIES = frozenset({"11", "12", "31", "50"})  # 北京 天津 上海 重庆
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
FIELDS = ("adcode", "name", "level", "province", "city", "source")


@dataclass(frozen=True, slots=True)
class DivisionRow:
    adcode: str
    name: str
    level: str
    province: str
    city: str
    source: str


def level_of(code: str) -> str:
    """Level of a 6-digit code.

    >>> level_of("130000"), level_of("130700"), level_of("130730")
    ('province', 'city', 'county')
    """
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def read_adcodes(path: Path) -> dict[str, str]:
    """6-digit adcode → name, from cpca's 12-digit table (only rows ending in 000000)."""
    names: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            code12 = rec["adcode"].strip()
            if not re.fullmatch(r"\d{12}", code12) or code12[6:] != "000000":
                continue  # township level or malformed: not ours
            code = code12[:6]
            if code in names and names[code] != rec["name"].strip():
                raise ValueError(f"adcode {code} has two names: {names[code]} / {rec['name']}")
            names[code] = rec["name"].strip()
    return names


def city_of(code: str, names: dict[str, str]) -> str:
    """City name for a 6-digit code (see module docstring for the rules)."""
    level = level_of(code)
    if level == "province":
        return ""
    if level == "city":
        return names[code]
    parent = names.get(code[:4] + "00", "")
    if parent in PLACEHOLDERS:
        return names.get(code[:2] + "0000", "") if code[:2] in MUNICIPALITIES else ""
    return parent


def build_rows(names: dict[str, str], source: str) -> list[DivisionRow]:
    """All non-placeholder divisions with their level, province and city, sorted by code."""
    rows: list[DivisionRow] = []
    for code in sorted(names):
        name = names[code]
        if name in PLACEHOLDERS:
            continue
        province = names.get(code[:2] + "0000")
        if province is None:
            raise ValueError(f"{code} {name}: no province row {code[:2]}0000")
        rows.append(DivisionRow(code, name, level_of(code), province, city_of(code, names), source))
    return rows


def write_rows(rows: Iterable[DivisionRow], out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(FIELDS)
        for row in rows:
            writer.writerow([getattr(row, f) for f in FIELDS])
            n += 1
    return n


def locate_adcodes() -> tuple[Path, str | None]:
    """Path of cpca's adcodes.csv and the package version, if it can be found."""
    try:
        from importlib import metadata, resources

        path = Path(str(resources.files("cpca") / "resources" / "adcodes.csv"))
        return path, metadata.version("cpca")
    except Exception:  # noqa: BLE001 - cpca not installed: use the unpacked wheel
        return FALLBACK_ADCODES, version_beside(FALLBACK_ADCODES)


def version_beside(path: Path) -> str | None:
    """Version from a ``cpca-X.Y.Z.dist-info`` folder next to an unpacked ``cpca`` package."""
    for parent in path.parents:
        for info in parent.glob("cpca-*.dist-info"):
            return info.name[len("cpca-") : -len(".dist-info")]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adcodes", type=Path, help="cpca/resources/adcodes.csv")
    ap.add_argument("--version", help="cpca version, for the source column")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if args.adcodes:
        path, version = args.adcodes, args.version or version_beside(args.adcodes)
    else:
        path, version = locate_adcodes()
        version = args.version or version
    if not path.is_file():
        print(
            f"not found: {path} (pip download --no-deps cpca, unzip, pass --adcodes)",
            file=sys.stderr,
        )
        return 2
    source = f"cpca {version or '?'} adcodes.csv"
    rows = build_rows(read_adcodes(path), source)
    n = write_rows(rows, args.out)
    print(f"wrote {n} rows to {args.out} from {path} ({source})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
