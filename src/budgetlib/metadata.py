"""Document metadata from the text of a budget / final-accounts disclosure.

Takes the numbered, normalised lines of one document (:class:`budgetlib.read.Line`, as
given by :func:`budgetlib.read.load_lines`) and gives a :class:`DocMeta`: the unit's name,
its province / city / county and the 6-digit adcode of the most specific of them, the kind
of document (``"budget"`` for 预算, ``"final"`` for 决算, ``"adjusted_budget"`` for 调整预算), the fiscal year, and for each
field the line number it was read from. Nothing here looks at a file name: files arrive
with arbitrary names, so everything comes from the text.

* :func:`extract_metadata` — lines → :class:`DocMeta`;
* :func:`read_metadata` — bytes → :class:`DocMeta` (decode, split, extract);
* :func:`is_disclosure` — whether the text looks like a 预算/决算 disclosure at all;
* :func:`load_divisions` — the :class:`DivisionIndex` of ``reference/divisions.csv``
  (provinces, cities and counties; see ``reference/README.md``), cached.

How the fields are found:

* the **title** is the first short heading (one line, or up to three consecutive short lines
  such as ``2026 年度`` / ``福州市仓山生态环境局`` / ``单位预算``) that reads
  ``[unit] [year 年(度)] [部门|单位] 预算|决算|调整预算 [公开|说明|…] [（fiscal year）]``; it gives
  the year and the kind, and usually the unit name;
* the **unit name** comes from the title, else from a labelled field (部门名称:, 单位名称:,
  预算单位:, 编制部门:, …), else a page header ``473 元氏县医疗保障局``, else the sentence
  ``现将X2024年…预算公开如下``; numeric unit codes are stripped;
* **divisions** are looked up in the unit name first (longest name wins, so 岢岚县 is never
  read as 岚县), then in the title, and only then in the rest of the text. Duplicate names
  (普陀区 in 上海 and 舟山) are settled by the other division names in the unit name, then
  by the provinces and cities the text mentions; when that does not settle it, the adcode
  is left empty rather than guessed. A place that contradicts a city or province the unit
  name itself names is never taken (深圳市龙华区, missing from the table, is not 海口市's
  龙华区): the most specific place the name fits is. Province and city are filled from the adcode.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

from budgetlib.read import Line, load_lines

__all__ = [
    "DocMeta",
    "Division",
    "DivisionIndex",
    "extract_metadata",
    "is_disclosure",
    "load_divisions",
    "read_metadata",
]

LEVELS = ("province", "city", "county")
MUNICIPALITIES = frozenset(
    {"11", "12", "31", "50"}
)  # 北京 天津 上海 重庆: districts sit under the province code


# ---------------------------------------------------------------------------------------
# Administrative divisions


@dataclass(frozen=True, slots=True)
class Division:
    """One province-, city- or county-level division (a row of ``divisions.csv``)."""

    adcode: str
    name: str
    level: str  # "province" | "city" | "county"
    province: str
    city: str | None

    @property
    def depth(self) -> int:
        """0 for a province, 1 for a city, 2 for a county."""
        return LEVELS.index(self.level)

    def within(self, other: Division) -> bool:
        """True when ``other`` is this division or one that contains it (by code).

        >>> putuo = Division("310107", "普陀区", "county", "上海市", "上海市")
        >>> putuo.within(Division("310000", "上海市", "province", "上海市", None))
        True
        >>> putuo.within(Division("330900", "舟山市", "city", "浙江省", "舟山市"))
        False
        """
        if other.level == "province":
            return self.adcode[:2] == other.adcode[:2]
        if other.level == "city":
            return self.depth >= 1 and self.adcode[:4] == other.adcode[:4]
        return self.adcode == other.adcode


def related(a: Division, b: Division) -> bool:
    """True when one of the two contains the other (or they are the same)."""
    return a.within(b) or b.within(a)


@dataclass(frozen=True, slots=True)
class NameHit:
    """A division name found in a string at ``start``."""

    name: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.name)


@dataclass(frozen=True, slots=True)
class DivisionIndex:
    """Divisions by code and by name, with a longest-match name finder."""

    by_code: Mapping[str, Division]
    by_name: Mapping[str, tuple[Division, ...]]
    lengths: Mapping[str, tuple[int, ...]]  # first character -> name lengths, longest first
    ends: re.Pattern[str] = re.compile(r"(?!)")  # any last character of a name (县, 区, 市 …)
    longest: int = 0

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> DivisionIndex:
        """Build from mappings with the ``divisions.csv`` columns.

        >>> idx = DivisionIndex.from_rows([
        ...     {"adcode": "140000", "name": "山西省", "level": "province", "province": "山西省", "city": ""},
        ...     {"adcode": "141127", "name": "岚县", "level": "county", "province": "山西省", "city": "吕梁市"},
        ... ])
        >>> idx.by_name["岚县"][0].adcode
        '141127'
        """
        by_code: dict[str, Division] = {}
        by_name: dict[str, list[Division]] = {}
        for row in rows:
            div = Division(
                adcode=row["adcode"].strip(),
                name=row["name"].strip(),
                level=row["level"].strip(),
                province=row["province"].strip(),
                city=(row.get("city") or "").strip() or None,
            )
            by_code[div.adcode] = div
            by_name.setdefault(div.name, []).append(div)
        lengths: dict[str, set[int]] = {}
        for name in by_name:
            lengths.setdefault(name[0], set()).add(len(name))
        return cls(
            by_code=by_code,
            by_name={k: tuple(v) for k, v in by_name.items()},
            lengths={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()},
            ends=re.compile("[" + "".join(sorted({re.escape(name[-1]) for name in by_name})) + "]") if by_name else re.compile(r"(?!)"),
            longest=max(map(len, by_name), default=0),
        )

    def find(self, text: str) -> list[NameHit]:
        """Division names in ``text``, leftmost-longest, not overlapping.

        >>> idx = load_divisions()
        >>> [h.name for h in idx.find("岢岚县和吕梁市驻岚县办事处")]
        ['岢岚县', '吕梁市', '岚县']
        """
        hits: list[NameHit] = []
        i = 0
        # a name ends in one of a few characters (县, 区, 市 …): only the positions up to
        # ``longest`` before one can start a name, the rest of the text is skipped
        for end in self.ends.finditer(text):
            i = max(i, end.start() - self.longest + 1)
            while i <= end.start():
                for length in self.lengths.get(text[i], ()):
                    if text[i : i + length] in self.by_name:
                        hits.append(NameHit(text[i : i + length], i))
                        i += length
                        break
                else:
                    i += 1
        return hits

    def province_of(self, div: Division) -> Division | None:
        return self.by_code.get(div.adcode[:2] + "0000")

    def city_of(self, div: Division) -> Division | None:
        """The city-level division containing ``div`` (None under a municipality)."""
        return self.by_code.get(div.adcode[:4] + "00") if div.depth >= 1 else None

    def counties_under(self, div: Division) -> tuple[Division, ...]:
        """County-level divisions inside a province or city."""
        prefix = div.adcode[:2] if div.level == "province" else div.adcode[:4]
        return tuple(
            d for code, d in self.by_code.items() if d.level == "county" and code.startswith(prefix)
        )


@cache
def load_divisions() -> DivisionIndex:
    """The packaged ``reference/divisions.csv`` as a :class:`DivisionIndex` (read once)."""
    text = (resources.files("budgetlib") / "reference" / "divisions.csv").read_text(
        encoding="utf-8"
    )
    return DivisionIndex.from_rows(csv.DictReader(io.StringIO(text)))


_COUNTY_SUFFIX = re.compile(r"(?:自治县|自治旗|林区|区|县|市|旗)$")


def short_name(name: str) -> str | None:
    """A county name without its 区/县/市/旗 suffix, when two or more characters remain.

    >>> short_name("仓山区"), short_name("岚县"), short_name("城区")
    ('仓山', None, None)
    """
    short = _COUNTY_SUFFIX.sub("", name)
    return short if short != name and len(short) >= 2 else None


# ---------------------------------------------------------------------------------------
# Titles, unit names, years


_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0"}
_YEAR = r"(?:19|20)\d{2}|[一二][〇零○一二三四五六七八九]{3}"
_YEAR_RE = re.compile(rf"(?P<y>{_YEAR})\s*年\s*度?")
#: a fiscal year stated in brackets after the kind: 部门决算公开（2023年度）
_FISCAL_YEAR_AFTER = re.compile(rf"\(\s*(?P<y>{_YEAR})\s*年\s*度?\s*\)")
_KIND_RE = re.compile(r"(?:(?:[省市县区州旗]级|本级)?(?:部门|单位))?\s*(?P<k>调整预算|预算调整|预算|决算)")
_POST_OK = re.compile(
    r"(?:信息|公开|情况|说明|报告|表|目录|文本|附表|批复|公告|全文|材料|汇编|编制|的|书|及|和|与)*"
)
_SENTENCE_PUNCT = re.compile(r"[，。；;:：《》“”\"、!！?？]|\.{3}|…")
_NUMBERED_HEADING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十\d]+部分|[一二三四五六七八九十]+、|\(?[一二三四五六七八九十\d]+\)|\d+[、.])"
)
_UNIT_CODE = re.compile(r"^\s*\d+\s*")
_UNIT_END = re.compile(
    r"(?:[局委办院所站队处室部厅馆校社团府园场台组行庭科股署司宫库会联狱]|中心|学|街道|镇|乡|基地|公司|集团)"
    r"(?:\([^()]*\))?$"
)
_MAX_TITLE_LINE = 60
_MAX_UNIT = 40


def parse_year(text: str) -> int | None:
    """A year written in digits or Chinese numerals.

    >>> parse_year("2024"), parse_year("二〇二四"), parse_year("12")
    (2024, 2024, None)
    """
    digits = "".join(_CN_DIGITS.get(c, c) for c in text)
    return int(digits) if re.fullmatch(r"(?:19|20)\d{2}", digits) else None


def clean_unit(text: str) -> str:
    """Strip a unit name of numeric codes, 关于 (before it, or after it: X关于2023年度…), quotes
    and spaces.

    >>> clean_unit("364正定县医疗保险管理中心 "), clean_unit("473 元氏县医疗保障局"), clean_unit("元氏县医疗保障局关于")
    ('正定县医疗保险管理中心', '元氏县医疗保障局', '元氏县医疗保障局')
    """
    text = _UNIT_CODE.sub("", text).strip(" \t*#\"'“”《》「」【】[]")
    text = re.sub(r"^关于|关于$", "", text)
    return re.sub(r"\s+", "", text)


def looks_like_unit(text: str) -> bool:
    """True for a plausible organisation name (ends in 局/中心/院/委员会 …, no sentence).

    >>> looks_like_unit("岚县医疗保险服务中心"), looks_like_unit("部门机构设置情况"), looks_like_unit("上海市")
    (True, False, False)
    """
    return (
        3 <= len(text) <= _MAX_UNIT
        and not re.search(r"\d", text)
        and not _SENTENCE_PUNCT.search(text)
        and not _NUMBERED_HEADING.match(text)
        and "目录" not in text
        and not text.endswith(("预算", "决算"))
        and bool(_UNIT_END.search(text))
    )


@dataclass(frozen=True, slots=True)
class Title:
    """What a title says; line numbers of each part (0 when absent)."""

    kind: str  # "budget" | "final" | "adjusted_budget"
    kind_line: int
    year: int | None = None
    year_line: int = 0
    unit: str | None = None
    unit_line: int = 0
    line_nos: tuple[int, ...] = ()


def _title_ish(line: Line) -> bool:
    text = line.text.strip()
    return (
        0 < len(text) <= _MAX_TITLE_LINE
        and "\t" not in text
        and not re.search(r"[，。；]|\.{3}|…", text)
        and not _NUMBERED_HEADING.match(text)
    )


def parse_title(text: str) -> tuple[str, int | None, str, str, int, int] | None:
    """Split a title into (kind, year, pre, mid, year_pos, kind_pos) or None.

    ``pre`` is the text before the (first) year, ``mid`` the text between the year and the kind.
    The fiscal year is the one stated for the accounts: a year in brackets after the kind
    (``2024年部门决算公开（2023年度）``), else the last year before it (``2024年公开2023年度部门决算``);
    an earlier year is the year of publication.

    >>> parse_title("正定县医疗保险管理中心2018年部门预算信息公开")[:4]
    ('budget', 2018, '正定县医疗保险管理中心', '')
    >>> parse_title("2024 年度单位决算公开")[:4]
    ('final', 2024, '', '')
    >>> parse_title("2024年部门决算公开(2023年度)")[:2], parse_title("X局2024年公开2023年度部门决算")[:4]
    (('final', 2023), ('final', 2023, 'X局', ''))
    >>> parse_title("X局2023年部门调整预算")[:2], parse_title("X局2023年部门预算调整情况说明")[:2]
    (('adjusted_budget', 2023), ('adjusted_budget', 2023))
    >>> parse_title("2024年预算收入3714.62万元") is None
    True
    """
    for m in reversed(list(_KIND_RE.finditer(text))):
        post = re.sub(r"\([^()]*\)|\s", "", text[m.end() :])
        if not _POST_OK.fullmatch(post):
            continue
        head = text[: m.start()]
        years = list(_YEAR_RE.finditer(head))
        pre, mid = (head[: years[0].start()], head[years[-1].end() :]) if years else (head, "")
        if _SENTENCE_PUNCT.search(head) or len(pre) > _MAX_UNIT + 10 or len(mid) > _MAX_UNIT + 10:
            return None
        stated = _FISCAL_YEAR_AFTER.search(text, m.end())
        year, year_pos = (
            (parse_year(stated["y"]), stated.start("y")) if stated
            else (parse_year(years[-1]["y"]), years[-1].start()) if years
            else (None, -1)
        )
        kind = "final" if m["k"] == "决算" else "adjusted_budget" if "调整" in m["k"] else "budget"
        return kind, year, pre.strip(), mid.strip(), year_pos, m.start("k")
    return None



def _title_from_window(window: Sequence[Line]) -> Title | None:
    """Parse consecutive short lines joined together; map each part back to its line."""
    starts, joined = [], ""
    for ln in window:
        starts.append(len(joined))
        joined += ln.text.strip()
    parsed = parse_title(joined)
    if parsed is None:
        return None
    kind, year, pre, mid, year_pos, kind_pos = parsed

    def line_at(pos: int) -> int:
        return next(ln.no for ln, s in reversed(list(zip(window, starts, strict=True))) if s <= pos)

    unit, unit_pos = None, -1
    for part in (mid, pre):
        cand = clean_unit(part)
        if looks_like_unit(cand):
            unit, unit_pos = cand, joined.find(part)
            break
    return Title(
        kind=kind,
        kind_line=line_at(kind_pos),
        year=year,
        year_line=line_at(year_pos) if year is not None else 0,
        unit=unit,
        unit_line=line_at(unit_pos) if unit else 0,
        line_nos=tuple(ln.no for ln in window),
    )


def _score(t: Title) -> int:
    return (t.year is not None) * 2 + (t.unit is not None)


def _unit_below(title: Title, following: Sequence[Line]) -> Title:
    """A title without a unit may have it on the next line (2024年度部门预算 / X局)."""
    for ln in following:
        cand = clean_unit(ln.text)
        if _title_ish(ln) and looks_like_unit(cand):
            return replace(title, unit=cand, unit_line=ln.no, line_nos=(*title.line_nos, ln.no))
    return title


def find_title(lines: Sequence[Line], max_window: int = 3) -> Title | None:
    """The document title: the first short heading naming 预算/决算 with a year.

    Up to ``max_window`` consecutive short lines are read together, so a title broken over
    lines (unit / year / kind) is found whole, and a unit on the line just below a title
    without one is taken too. A heading with a unit but no year is kept
    only when no titled heading with a year exists.

    >>> t = find_title([Line(1, "怀来县医疗保险中心"), Line(2, "2024年部门预算信息公开情况说明")])
    >>> (t.unit, t.year, t.kind, t.unit_line, t.year_line)
    ('怀来县医疗保险中心', 2024, 'budget', 1, 2)
    """
    short = [ln for ln in lines if ln.text.strip()]
    fallback: Title | None = None
    for j, line in enumerate(short):
        if not _title_ish(line) or not re.search("预算|决算", line.text):
            continue
        best: Title | None = None
        for k in range(1, max_window + 1):
            window = short[max(0, j - k + 1) : j + 1]
            if len(window) < k or not all(_title_ish(ln) for ln in window):
                break
            t = _title_from_window(window)
            if t is not None and (best is None or _score(t) > _score(best)):
                best = t
        if best is None:
            continue
        if best.unit is None:
            best = _unit_below(best, short[j + 1 : j + 2])
        if best.year is not None:
            return best
        if fallback is None and best.unit is not None:
            fallback = best
    return fallback


_LABELLED_UNIT = re.compile(
    r"(?:部门名称|单位名称|预算单位|决算单位|编制部门|编制单位|填报单位)\s*[:：]\s*(?P<v>[^\t]+)"
)
_PAGE_HEADER_UNIT = re.compile(r"^\s*\d{3,}\s*(?P<v>[^\d\s\t]+)(?:\s|$)")
_SENTENCE_UNIT = re.compile(rf"现将(?P<v>[^，。；:]{{2,{_MAX_UNIT}}}?)\s*(?:{_YEAR})\s*年")


def _first_token(value: str) -> str:
    return clean_unit(_UNIT_CODE.sub("", value).split()[0]) if value.strip() else ""


def _unit_values(lines: Sequence[Line], pattern: re.Pattern[str]) -> list[tuple[str, int]]:
    """Plausible unit names matched by ``pattern``, with their lines, in text order."""
    found = []
    for line in lines:
        m = pattern.search(line.text)
        if m is not None:
            value = clean_unit(m["v"]) if pattern is _SENTENCE_UNIT else _first_token(m["v"])
            if looks_like_unit(value):
                found.append((value, line.no))
    return found


def find_unit(lines: Sequence[Line], title: Title | None) -> tuple[str, int] | None:
    """Unit name and its line: title, labelled field, page header, 现将X… sentence.

    A page header (``473 元氏县医疗保障局``) counts only when it recurs, so a single
    classification row such as ``2040101 武装警察部队`` is not taken for the unit.

    >>> find_unit([Line(9, "编制部门:364正定县医疗保险管理中心    截止时间:2017年12月31日")], None)
    ('正定县医疗保险管理中心', 9)
    """
    if title is not None and title.unit:
        return title.unit, title.unit_line
    if labelled := _unit_values(lines, _LABELLED_UNIT):
        return labelled[0]
    headers = _unit_values(lines, _PAGE_HEADER_UNIT)
    counts = Counter(value for value, _ in headers)
    if recurring := [h for h in headers if counts[h[0]] >= 2]:
        return recurring[0]
    sentences = _unit_values(lines, _SENTENCE_UNIT)
    return sentences[0] if sentences else None


_YEAR_LABEL = re.compile(rf"(?:预算|决算)年度\s*[:：]?\s*(?P<y>{_YEAR})")
_YEAR_KIND = re.compile(rf"(?P<y>{_YEAR})\s*年\s*度?\s*(?:部门|单位)?\s*(?:预算|决算)")
_KIND_PHRASE = re.compile(r"(?:部门|单位)(预算|决算)|(预算|决算)表")


def find_year(lines: Sequence[Line]) -> tuple[int, int] | None:
    """Fallback fiscal year: a 预算年度:/决算年度: label, else the commonest ``N年(度)预算``."""
    for line in lines:
        m = _YEAR_LABEL.search(line.text)
        if m and (year := parse_year(m["y"])):
            return year, line.no
    seen: Counter[int] = Counter()
    first: dict[int, int] = {}
    for line in lines:
        for m in _YEAR_KIND.finditer(line.text):
            if year := parse_year(m["y"]):
                seen[year] += 1
                first.setdefault(year, line.no)
    if not seen:
        return None
    year = max(seen, key=lambda y: (seen[y], y))
    return year, first[year]


def find_kind(lines: Sequence[Line]) -> tuple[str, int] | None:
    """Fallback kind from 部门/单位预算|决算 and 预算表/决算表 phrases (no title found)."""
    seen: Counter[str] = Counter()
    first: dict[str, int] = {}
    for line in lines:
        for m in _KIND_PHRASE.finditer(line.text):
            kind = "budget" if (m[1] or m[2]) == "预算" else "final"
            seen[kind] += 1
            first.setdefault(kind, line.no)
    if not seen:
        return None
    kind = max(seen, key=lambda k: (seen[k], k == "final"))
    return kind, first[kind]


# ---------------------------------------------------------------------------------------
# Resolving divisions


@dataclass(frozen=True, slots=True)
class Mention:
    """A division name found on a line, with every division of that name."""

    name: str
    line_no: int
    candidates: tuple[Division, ...]

    @property
    def depth(self) -> int:
        return max(d.depth for d in self.candidates)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_PARTY_PREFIX = re.compile(r"^(?:中国共产党|中共|共青团)")


def mentions_in(text: str, line_no: int, index: DivisionIndex) -> list[Mention]:
    """Division mentions in a unit name or title, including a county's short name right
    after its city (福州市仓山… → 仓山区, kept only when confirmed, see :func:`_confirmed`).

    >>> [m.name for m in mentions_in("中共和县县委宣传部", 1, load_divisions())]
    ['和县']
    """
    text = _PARTY_PREFIX.sub("", text)
    found: list[Mention] = []
    for hit in index.find(text):
        found.append(Mention(hit.name, line_no, index.by_name[hit.name]))
        for parent in index.by_name[hit.name]:
            if parent.level != "city" and parent.adcode[:2] not in MUNICIPALITIES:
                continue
            rest = text[hit.end :]
            for county in index.counties_under(parent):
                short = short_name(county.name)
                if short and rest.startswith(short) and not rest.startswith(county.name):
                    found.append(Mention("~" + county.name, line_no, (county,)))
    return found


def body_mentions(lines: Sequence[Line], index: DivisionIndex) -> list[Mention]:
    """All division mentions in the text. A two-character name (岚县, 和县, 城区) counts only
    at a word edge: after a non-Chinese character or right after another division name."""
    out: list[Mention] = []
    for line in lines:
        prev_end = -1
        for hit in index.find(line.text):
            before = line.text[hit.start - 1] if hit.start else ""
            edge = not before or not _CJK.match(before) or hit.start == prev_end
            if len(hit.name) > 2 or edge:
                out.append(Mention(hit.name, line.no, index.by_name[hit.name]))
            prev_end = hit.end
    return out


def support_of(mentions: Iterable[Mention]) -> Counter[str]:
    """How often each province- or city-level adcode is named (for disambiguation)."""
    counts: Counter[str] = Counter()
    for m in mentions:
        for d in m.candidates:
            if d.level != "county":
                counts[d.adcode] += 1
    return counts


def _confirmed(m: Mention, body: Sequence[Mention]) -> bool:
    """A short-name mention (``~仓山区``) stands only if the full name occurs in the text."""
    return not m.name.startswith("~") or any(b.name == m.name[1:] for b in body)


def narrow(
    target: Mention, others: Sequence[Mention], support: Mapping[str, int], index: DivisionIndex
) -> tuple[Division, ...]:
    """Candidates of ``target`` that fit the other head mentions best, then the text's
    provinces and cities best; several remain when nothing tells them apart.

    >>> idx = load_divisions()
    >>> putuo = Mention("普陀区", 1, idx.by_name["普陀区"])
    >>> [d.adcode for d in narrow(putuo, [], {"310000": 3}, idx)]
    ['310107']
    >>> len(narrow(putuo, [], {}, idx))
    2
    """
    cands = target.candidates
    if len(cands) > 1:
        fit = {
            d: sum(
                any(related(d, o) for o in m.candidates) for m in others if m.name != target.name
            )
            for d in cands
        }
        best = max(fit.values())
        cands = tuple(d for d in cands if fit[d] == best)
    if len(cands) > 1:

        def score(d: Division) -> int:
            up = [index.province_of(d), index.city_of(d)]
            return sum(support.get(u.adcode, 0) for u in up if u is not None and u != d)

        scores = {d: score(d) for d in cands}
        best = max(scores.values())
        if best > 0:
            cands = tuple(d for d in cands if scores[d] == best)
    return cands


def fits_the_name(d: Division, head: Sequence[Mention]) -> bool:
    """Whether ``d`` lies within one of the places of every higher-level name the unit name gives
    (龙华区 of 海口市 does not fit 深圳市龙华区医疗保障局).

    >>> idx = load_divisions()
    >>> head = mentions_in("深圳市龙华区医疗保障局", 1, idx)
    >>> [(d.adcode, fits_the_name(d, head)) for m in head for d in m.candidates]
    [('440300', True), ('460106', False)]
    """
    return all(any(d.within(o) for o in m.candidates) for m in head if m.depth < d.depth)


def _within_the_name(head: Sequence[Mention]) -> list[Mention]:
    """The unit name's mentions with only the candidates that fit its other names (a county missing
    from the division table is not its namesake elsewhere); a mention none of whose candidates
    fit is dropped, so the most specific place the name is consistent with is taken."""
    kept = ((m, tuple(d for d in m.candidates if fits_the_name(d, head))) for m in head)
    return [replace(m, candidates=cands) for m, cands in kept if cands]


def _deepest(mentions: Sequence[Mention]) -> Mention:
    return max(mentions, key=lambda m: (m.depth, -mentions.index(m)))


def _body_target(body: Sequence[Mention]) -> Mention | None:
    """Without names in unit/title: the commonest county named twice or more and more
    often than any other, else the commonest city, else the commonest province."""
    for depth in (2, 1, 0):
        counts = Counter(m.name for m in body if m.depth == depth)
        if not counts:
            continue
        (name, n), *rest = counts.most_common(2)
        if n >= (2 if depth == 2 else 1) and (not rest or rest[0][1] < n):
            return next(m for m in body if m.name == name)
    return None


@dataclass(frozen=True, slots=True)
class Place:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None
    line_no: int = 0


def place_of(cands: Sequence[Division], name: str, line_no: int) -> Place:
    """Place fields for a resolved (one candidate) or ambiguous (several) mention."""
    if len(cands) == 1:
        d = cands[0]
        return Place(
            province=d.province,
            city=d.city if d.level != "province" else None,
            county=d.name if d.level == "county" else None,
            adcode=d.adcode,
            line_no=line_no,
        )
    levels = {d.level for d in cands}
    provinces = {d.province for d in cands}
    cities = {d.city for d in cands}
    level = levels.pop() if len(levels) == 1 else None
    return Place(
        province=provinces.pop() if len(provinces) == 1 else None,
        city=name
        if level == "city"
        else (cities.pop() if level == "county" and len(cities) == 1 else None),
        county=name if level == "county" else None,
        adcode=None,
        line_no=line_no,
    )


def resolve_place(
    unit: tuple[str, int] | None, title: Title | None, lines: Sequence[Line], index: DivisionIndex
) -> Place:
    """Province/city/county/adcode: unit name first, then the title, then the text."""
    body = body_mentions(lines, index)
    head: list[Mention] = []
    if unit is not None:
        head = [m for m in mentions_in(unit[0], unit[1], index) if _confirmed(m, body)]
    context = list(head)
    if title is not None:
        by_no = {ln.no: ln for ln in lines}
        for no in title.line_nos:
            if no in by_no:
                context += [
                    m for m in mentions_in(by_no[no].text, no, index) if _confirmed(m, body)
                ]
    named = _within_the_name(head)
    target = _deepest(named) if named else (_deepest(context) if context else _body_target(body))
    if target is None:
        return Place()
    cands = narrow(target, context, support_of(body), index)
    return place_of(cands, target.name.lstrip("~"), target.line_no)


# ---------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True, slots=True)
class DocMeta:
    """Metadata of one disclosure; ``evidence`` maps each found field to its line number."""

    unit_name: str | None
    province: str | None
    city: str | None
    county: str | None
    adcode: str | None  # most specific division identified: county, else city, else province
    doc_kind: str | None  # "budget" | "final" | "adjusted_budget"
    year: int | None  # fiscal year
    evidence: dict[str, int] = field(default_factory=dict)


def extract_metadata(lines: Sequence[Line], divisions: DivisionIndex | None = None) -> DocMeta:
    """Read a document's metadata from its lines (never from a file name).

    >>> lines = [Line(1, "岚县医疗保险服务中心"), Line(2, "2024年度单位决算公开")]
    >>> m = extract_metadata(lines)
    >>> (m.unit_name, m.county, m.city, m.province, m.adcode, m.doc_kind, m.year)
    ('岚县医疗保险服务中心', '岚县', '吕梁市', '山西省', '141127', 'final', 2024)
    >>> m.evidence["unit_name"], m.evidence["year"]
    (1, 2)
    """
    index = divisions if divisions is not None else load_divisions()
    title = find_title(lines)
    unit = find_unit(lines, title)
    year = (title.year, title.year_line) if title and title.year is not None else find_year(lines)
    kind = (title.kind, title.kind_line) if title else find_kind(lines)
    place = resolve_place(unit, title, lines, index)
    evidence: dict[str, int] = {}
    if unit:
        evidence["unit_name"] = unit[1]
    if year:
        evidence["year"] = year[1]
    if kind:
        evidence["doc_kind"] = kind[1]
    for name in ("province", "city", "county", "adcode"):
        if getattr(place, name) is not None:
            evidence[name] = place.line_no
    return DocMeta(
        unit_name=unit[0] if unit else None,
        province=place.province,
        city=place.city,
        county=place.county,
        adcode=place.adcode,
        doc_kind=kind[0] if kind else None,
        year=year[0] if year else None,
        evidence=evidence,
    )


def read_metadata(data: bytes, divisions: DivisionIndex | None = None) -> DocMeta:
    """Bytes of a text disclosure → :class:`DocMeta` (see :func:`budgetlib.read.load_lines`)."""
    lines, _ = load_lines(data)
    return extract_metadata(lines, divisions)


_DISCLOSURE_TERMS = (
    "收支总表",
    "收入总表",
    "支出总表",
    "财政拨款收支",
    "一般公共预算",
    "基本支出",
    "项目支出",
    "三公",
    "机关运行经费",
    "政府采购",
    "国有资产",
    "人员经费",
    "公用经费",
    "政府性基金",
    "决算表",
    "预算表",
    "部门预算",
    "部门决算",
    "单位预算",
    "单位决算",
)
_OTHER_REPORT = re.compile(r"绩效(?:评价|自评|评估)|评价(?:报告|结果)|审计(?:报告|结果)")


def is_disclosure(lines: Sequence[Line], min_terms: int = 6) -> bool:
    """True when the text reads as a budget or final-accounts disclosure.

    A title naming 部门/单位 预算 or 决算 is enough; without one, at least ``min_terms``
    distinct terms of the disclosure tables must appear and the headline must not be a
    performance-evaluation or audit report.

    >>> is_disclosure([Line(1, "西乡县医疗保险业务经办中心"), Line(2, "2024 年单位预算公开说明")])
    True
    >>> is_disclosure([Line(1, "第一章 风雪山神庙"), Line(2, "林冲踏着那瑞雪，迎着北风。")])
    False
    """
    if find_title(lines) is not None:
        return True
    head = " ".join(ln.text for ln in [ln for ln in lines if ln.text.strip()][:15])
    if _OTHER_REPORT.search(head):
        return False
    text = "\n".join(ln.text for ln in lines)
    return sum(term in text for term in _DISCLOSURE_TERMS) >= min_terms
