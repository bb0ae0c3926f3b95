"""PDF reader: a PDF's bytes → lines of text, each with its page and line on the page.

Takes the bytes of a PDF and gives :class:`~budgetlib.read.SourceLine` objects in reading order,
the same kind of lines the text reader gives, so everything downstream is shared:

* **tables** drawn with ruling lines (nearly every disclosure: Word, WPS, Excel, ONLYOFFICE
  exports) are rebuilt from the positions of the rules and the characters: the rules give the
  grid, merged cells (a header spanning columns or rows) are found where a rule is missing,
  text wrapped onto two lines inside a cell is joined (a figure broken at a separator too),
  and a ruled band holding several unruled rows is split at its figures. Each row becomes
  one tab-separated line, with empty cells kept, so :mod:`budgetlib.tables` reads it like a
  text table;
* **tables without vertical rules** (三线表) are rebuilt from where their figure rows' cells
  stand, so empty cells stay empty (:func:`_unruled_rows`);
* **text outside tables** (titles, narrative) becomes one line per printed line; wide gaps
  become tabs, letter-spacing of justified Chinese text is dropped, page numbers are left out;
* text drawn at a slant (a diagonal watermark) is not read; a page whose text mostly runs
  sideways (a table turned on a portrait page) is read turned; fake bold is read once;
* every line keeps its location, ``p.3 l.12`` (page 3, 12th line read on that page);
* only text that shows is read: a character drawn white, or invisible (render mode 3; the
  pdfplumber backend cannot tell this mode), is read only where it stands on an image or on a
  filled shape in a colour (white on a dark header; the text layer of a scan made searchable),
  never on bare paper (a figure hidden in a spreadsheet cell, printed to PDF).

Two maintained libraries can supply the characters and rules (:class:`PdfSettings.backend`):
``pypdfium2`` (PDFium, the default — same text, about 20× faster; see
``docs/pdf-extraction.md``) and ``pdfplumber`` (pdfminer.six). Both feed the same layout code.

Pages without a text layer (scans, :func:`scanned_pages`), whether the whole PDF or a few
pages among text pages, make :func:`read_pdf` raise :class:`NeedsOcr` naming them, with the
lines of the other pages; :mod:`budgetlib.documents` OCRs them with :mod:`budgetlib.ocr`. An unreadable PDF, or one with a damaged page, raises :class:`PdfError`.
"""

from __future__ import annotations

import ctypes
import io
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from math import floor, inf
from statistics import median
from typing import Any

from budgetlib.read import SourceLine, cells_to_line

__all__ = [
    "PdfSettings",
    "PdfError",
    "NeedsOcr",
    "Glyph",
    "Rule",
    "PageContent",
    "read_pdf",
    "pages",
    "page_lines",
    "has_text_layer",
    "scanned_pages",
    "render_pages",
]


class PdfError(ValueError):
    """The bytes cannot be read as a PDF (damaged, truncated, encrypted)."""


class NeedsOcr(Exception):
    """Pages without a text layer (scans): only OCR can read them.

    ``pages`` are their numbers (1-based); ``text_pages`` holds the lines of every other page
    (page number → its lines), so a PDF with scans among text pages is read whole once its
    scans are OCR'd.
    """

    def __init__(self, pages: tuple[int, ...], text_pages: dict[int, list[SourceLine]] | None = None) -> None:
        super().__init__(f"{len(pages)} page(s) without a text layer: {', '.join(map(str, pages))}")
        self.pages = pages
        self.text_pages = text_pages or {}


@dataclass(frozen=True, slots=True)
class PdfSettings:
    """Knobs of the PDF reader, with their defaults. Distances are in points (1/72 inch)
    unless they say ``size`` (a multiple of the font size of the characters concerned).

    >>> PdfSettings(backend="pdfplumber").backend
    'pdfplumber'
    >>> PdfSettings(backend="poppler")
    Traceback (most recent call last):
    ...
    ValueError: backend must be one of pypdfium2, pdfplumber (got 'poppler')
    """

    backend: str = "pypdfium2"
    #: rules closer than this are one rule; a rule reaching this near another one touches it
    snap: float = 2.0
    #: a filled shape thinner than this is a rule; thicker ones are cell backgrounds
    rule_max_width: float = 2.0
    #: rules shorter than this are dots or corner marks
    rule_min_length: float = 3.0
    #: glyphs whose vertical centres differ by less than this (size) share a printed line
    line_tolerance: float = 0.45
    #: a gap wider than this (size) between Latin letters or digits is a space
    word_gap: float = 0.2
    #: outside ruled tables, a gap wider than this (size) separates two cells (a tab)
    cell_gap: float = 1.6
    #: pages with fewer characters than this are empty or scanned
    min_page_chars: int = 5

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)} (got {self.backend!r})")
        for name in ("snap", "rule_max_width", "rule_min_length", "line_tolerance", "word_gap", "cell_gap"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")


BACKENDS = ("pypdfium2", "pdfplumber")


# ---------------------------------------------------------------------------------------
# What a page holds: glyphs and rules, whatever library read them


@dataclass(frozen=True, slots=True)
class Glyph:
    """One printed character; ``top``/``bottom`` measured from the top of the page."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    ink: bool = True  # False: drawn white or invisible (render mode 3)
    #: clockwise quarter turns after which it reads left to right, when it is printed in another
    #: direction than the page's text (a label up the margin); its box is then its own box
    quarter: int = 0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal or vertical ruling line (a segment), from the top of the page."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


@dataclass(slots=True)
class PageContent:
    number: int  # 1-based
    width: float
    height: float
    glyphs: list[Glyph] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    images: int = 0  # image objects on the page
    #: boxes (x0, top, x1, bottom) of images and of filled shapes in a colour that shows
    backgrounds: list[tuple[float, float, float, float]] = field(default_factory=list)


def _glyph(text: str, x0: float, x1: float, baseline: float, size: float, ink: bool = True) -> Glyph:
    """A glyph whose box is drawn from its baseline and size (the same for every font)."""
    size = max(size, 1.0)
    return Glyph(text, x0, x1, baseline - 0.8 * size, baseline + 0.2 * size, size, ink)


def _turned_glyph(text: str, box: tuple[float, float, float, float], size: float, quarter: int, ink: bool) -> Glyph:
    """A glyph printed in another direction than the page's text, ``quarter`` clockwise
    quarter turns from it, with its own box (x0, top, x1, bottom)."""
    return Glyph(text, *_xy_box(box), max(size, 1.0), ink, quarter)


def _visible(rgb: Sequence[float] | None) -> bool:
    """A colour that shows on white paper (None = the default black)."""
    if rgb is None:
        return True
    values = [float(v) for v in rgb]
    if not values:
        return True
    if len(values) == 4:  # CMYK: white is no ink at all
        return any(v > 0.02 for v in values)
    return any(v < 0.98 for v in values[:3])


def _rules_from_box(x0: float, top: float, x1: float, bottom: float, filled: bool, stroked: bool,
                    settings: PdfSettings) -> list[Rule]:
    """A thin filled box is a rule; a stroked box gives its four edges."""
    w, h = x1 - x0, bottom - top
    if min(w, h) <= settings.rule_max_width:
        return [Rule(x0, top, x1, bottom)] if (filled or stroked) else []
    if stroked:
        return [Rule(x0, top, x1, top), Rule(x0, bottom, x1, bottom), Rule(x0, top, x0, bottom), Rule(x1, top, x1, bottom)]
    return []


Point = tuple[float, float]


def _display(rotation: int, width: float, height: float) -> Callable[[float, float], Point]:
    """User space (origin bottom left, unrotated page ``width`` × ``height``) → the page as
    displayed (origin top left, the page's /Rotate applied clockwise).

    >>> to = _display(90, 595.0, 842.0)
    >>> to(0.0, 0.0), to(0.0, 842.0), to(595.0, 0.0)
    ((0.0, 0.0), (842.0, 0.0), (0.0, 595.0))
    """
    if rotation == 90:
        return lambda x, y: (y, x)
    if rotation == 180:
        return lambda x, y: (width - x, y)
    if rotation == 270:
        return lambda x, y: (height - y, width - x)
    return lambda x, y: (x, height - y)


def _open_pdfium(data: bytes) -> Any:
    """The PDF opened with pypdfium2; a clear :class:`PdfError` when it cannot be."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if _has_no_pages(data):  # PDFium refuses a document without pages, with no reason
            raise PdfError("the PDF has no pages") from exc
        raise PdfError(_pdfium_reason(str(exc))) from exc


def _has_no_pages(data: bytes) -> bool:
    """Whether pdfminer opens the PDF and finds no page in it."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    try:
        return next(PDFPage.create_pages(PDFDocument(PDFParser(io.BytesIO(data)))), None) is None
    except Exception:  # pdfminer raises many kinds for what it cannot open: then PDFium's reason stands
        return False


def _damaged_page(number: int) -> str:
    """The error for a page that cannot be read (a figure on it must not vanish silently).

    >>> _damaged_page(3)
    'page 3 cannot be read: the PDF is damaged (download it again or ask for a new copy)'
    """
    return f"page {number} cannot be read: the PDF is damaged (download it again or ask for a new copy)"


def _pdfium_page(doc: Any, index: int) -> Any:
    """Page ``index`` (0-based) of a pypdfium2 document; :class:`PdfError` naming it when its
    page object is damaged (PDFium: "Failed to load page")."""
    import pypdfium2 as pdfium

    try:
        return doc[index]
    except pdfium.PdfiumError as exc:
        raise PdfError(_damaged_page(index + 1)) from exc


def _pdfium_pages(data: bytes, settings: PdfSettings) -> Iterator[PageContent]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc = _open_pdfium(data)
    try:
        for index in range(len(doc)):
            page = _pdfium_page(doc, index)
            width, height = page.get_size()  # as displayed
            rotation = page.get_rotation() % 360
            unrotated = (height, width) if rotation in (90, 270) else (width, height)
            to_display = _display(rotation, *unrotated)
            try:
                textpage = page.get_textpage()
            except pdfium.PdfiumError as exc:
                raise PdfError(_damaged_page(index + 1)) from exc
            chars = _pdfium_chars(textpage, to_display, raw)
            quarter = _page_turn([q for _, _, q in chars.values()])
            if quarter:
                to_display = _compose(to_display, _turn(quarter, width, height))
            content = PageContent(index + 1, *((height, width) if quarter % 2 else (width, height)))
            inkless = _pdfium_objects(page, content, to_display, settings, raw)
            x, y = ctypes.c_double(0), ctypes.c_double(0)
            for i, (ch, size, q) in chars.items():
                if q is None:
                    continue  # drawn at a slant: a watermark across the page
                left, bottom, right, top = textpage.get_charbox(i, loose=True)
                ink = not inkless or _address(raw.FPDFText_GetTextObject(textpage.raw, i)) not in inkless
                if q != quarter:
                    box = _bounds([to_display(px, py) for px in (left, right) for py in (bottom, top)])
                    content.glyphs.append(_turned_glyph(ch, box, size, (q - quarter) % 4, ink))
                    continue
                # the baseline (origin) and the size as printed: box heights differ by font
                # (some fonts have no ascent), and FPDFText_GetFontSize ignores the text matrix
                raw.FPDFText_GetCharOrigin(textpage.raw, i, ctypes.byref(x), ctypes.byref(y))
                baseline = to_display(x.value, y.value)[1]
                xs = [to_display(px, py)[0] for px in (left, right) for py in (bottom, top)]
                content.glyphs.append(_glyph(ch, min(xs), max(xs), baseline, size, ink))
            textpage.close()
            page.close()
            yield content
    finally:
        doc.close()


def _pdfium_chars(textpage: Any, to_display: Callable[[float, float], Point], raw: Any) -> dict[int, tuple[str, float, int | None]]:
    """The printed characters of a pypdfium2 text page: index → (character, size as printed:
    font size × text-matrix scale, its direction as :func:`_quarter` gives it)."""
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) != count:  # characters outside the BMP: ask one at a time
        text = "".join(textpage.get_text_range(i, 1) or " " for i in range(count))
    origin = to_display(0.0, 0.0)
    matrix = raw.FS_MATRIX()
    chars: dict[int, tuple[str, float, int | None]] = {}
    quarters: dict[tuple[float, float], int | None] = {}  # by direction: most characters share one
    for i, ch in enumerate(text):
        if ch.isspace() or raw.FPDFText_IsGenerated(textpage.raw, i) == 1:
            continue
        size = raw.FPDFText_GetFontSize(textpage.raw, i)
        quarter: int | None = 0
        if raw.FPDFText_GetMatrix(textpage.raw, i, ctypes.byref(matrix)):
            size *= abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
            direction = (matrix.a, matrix.b)
            if direction not in quarters:
                ax, ay = to_display(*direction)
                quarters[direction] = _quarter(ax - origin[0], ay - origin[1])
            quarter = quarters[direction]
        chars[i] = (ch, size, quarter)
    return chars


#: a baseline this far off an axis (tangent of the angle: about 6°) is drawn at a slant
_SLANT = 0.1
#: directions on the displayed page (y down) that read left to right after 0–3 clockwise quarter turns
_DIRECTIONS = ((1.0, 0.0), (0.0, -1.0), (-1.0, 0.0), (0.0, 1.0))


def _quarter(dx: float, dy: float) -> int | None:
    """The clockwise quarter turns of the displayed page (y down) after which a baseline
    running along (``dx``, ``dy``) reads left to right; None for a baseline at a slant (a
    diagonal watermark), which is not read.

    >>> _quarter(1.0, 0.0), _quarter(0.0, -2.0), _quarter(-1.0, 0.02), _quarter(0.0, 1.0), _quarter(0.87, -0.5)
    (0, 1, 2, 3, None)
    """
    for k, (ux, uy) in enumerate(_DIRECTIONS):
        along = dx * ux + dy * uy
        if along > 0 and abs(dx * uy - dy * ux) <= _SLANT * along:
            return k
    return None


def _page_turn(quarters: Sequence[int | None]) -> int:
    """How many clockwise quarter turns make a page read upright: those of most of its
    characters (a wide table printed sideways on a portrait page, without /Rotate), else 0.

    >>> _page_turn([1, 1, 1, 0]), _page_turn([0, 0, 3, None]), _page_turn([])
    (1, 0, 0)
    """
    counts = Counter(q for q in quarters if q)
    if counts:
        quarter, n = counts.most_common(1)[0]
        if n > len(quarters) / 2:
            return quarter
    return 0


def _turn(quarters: int, width: float, height: float) -> Callable[[float, float], Point]:
    """A point of the displayed page (``width`` × ``height``, origin top left) → the page
    turned ``quarters`` quarter turns clockwise (as a reader turns the paper).

    >>> _turn(1, 595.0, 842.0)(0.0, 0.0), _turn(3, 595.0, 842.0)(0.0, 0.0), _turn(2, 595.0, 842.0)(0.0, 0.0)
    ((842.0, 0.0), (0.0, 595.0), (595.0, 842.0))
    """
    if quarters == 1:
        return lambda x, y: (height - y, x)
    if quarters == 2:
        return lambda x, y: (width - x, height - y)
    if quarters == 3:
        return lambda x, y: (y, width - x)
    return lambda x, y: (x, y)


def _compose(first: Callable[[float, float], Point], then: Callable[[float, float], Point]) -> Callable[[float, float], Point]:
    return lambda x, y: then(*first(x, y))


def _container_transform(obj: object) -> Callable[[float, float], Point]:
    """Coordinates of an object inside form XObjects → page (user) space: the matrices of
    the forms holding it, innermost first."""
    matrices = []
    parent = getattr(obj, "container", None)
    while parent is not None:
        matrices.append(parent.get_matrix())
        parent = getattr(parent, "container", None)

    def transform(x: float, y: float) -> Point:
        for m in matrices:
            x, y = m.on_point(x, y)
        return x, y

    return transform


def _pdfium_reason(message: str) -> str:
    if "password" in message.lower():
        return "the PDF is encrypted with a password"
    if "format" in message.lower() or "file" in message.lower():
        return "the PDF is damaged or truncated and cannot be opened"
    return f"the PDF cannot be opened ({message})"


def _pdfium_objects(page: Any, content: PageContent, to_display: Callable[[float, float], Point], settings: PdfSettings,
                    raw: Any) -> set[int]:
    """What a page's objects add to ``content`` (images, rules, backgrounds), and the text
    objects drawn without ink (white, invisible), by address; usually none."""
    inkless: set[int] = set()
    for obj in page.get_objects(max_depth=4):
        if obj.type == raw.FPDF_PAGEOBJ_TEXT:
            if not _pdfium_text_ink(obj, raw):
                inkless.add(_address(obj.raw))
        elif obj.type == raw.FPDF_PAGEOBJ_IMAGE:
            content.images += 1
            content.backgrounds.append(_pdfium_box(obj, _compose(_container_transform(obj), to_display)))
        elif obj.type == raw.FPDF_PAGEOBJ_PATH:
            rules, background = _pdfium_path_rules(obj, _compose(_container_transform(obj), to_display), settings, raw)
            content.rules.extend(rules)
            if background:
                content.backgrounds.append(background)
    return inkless


def _address(handle: object) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0  # type: ignore[arg-type]


#: text render modes that draw nothing (3: invisible, 7: clip only) or only an outline (1, 5)
_INVISIBLE_MODES, _STROKE_MODES = (3, 7), (1, 5)


def _pdfium_text_ink(obj: Any, raw: Any) -> bool:
    """Whether a text object is drawn in a colour that shows (not white, not render mode 3)."""
    mode = raw.FPDFTextObj_GetTextRenderMode(obj.raw)
    if mode in _INVISIBLE_MODES:
        return False
    getter = raw.FPDFPageObj_GetStrokeColor if mode in _STROKE_MODES else raw.FPDFPageObj_GetFillColor
    return _visible(_pdfium_color(getter, obj.raw))


def _pdfium_box(obj: Any, to_display: Callable[[float, float], Point]) -> tuple[float, float, float, float]:
    """An object's bounding box on the displayed page: (x0, top, x1, bottom)."""
    left, bottom, right, top = obj.get_bounds()
    return _bounds([to_display(px, py) for px in (left, right) for py in (bottom, top)])


def _bounds(corners: Sequence[Point]) -> tuple[float, float, float, float]:
    """The box (x0, top, x1, bottom) around points."""
    return (min(c[0] for c in corners), min(c[1] for c in corners), max(c[0] for c in corners), max(c[1] for c in corners))


def _pdfium_path_rules(obj: object, to_display: Callable[[float, float], Point], settings: PdfSettings,
                       raw: object) -> tuple[list[Rule], tuple[float, float, float, float] | None]:
    """Rules drawn by one path object (thin filled shapes, stroked straight segments), and its
    box when it is a background (filled in a colour that shows, thicker than a rule).
    ``to_display`` maps the object's container coordinates to the displayed page."""
    handle = obj.raw  # type: ignore[attr-defined]
    fillmode, stroke = ctypes.c_int(0), ctypes.c_int(0)
    raw.FPDFPath_GetDrawMode(handle, ctypes.byref(fillmode), ctypes.byref(stroke))  # type: ignore[attr-defined]
    filled = fillmode.value != 0 and _visible(_pdfium_color(raw.FPDFPageObj_GetFillColor, handle))  # type: ignore[attr-defined]
    stroked = bool(stroke.value) and _visible(_pdfium_color(raw.FPDFPageObj_GetStrokeColor, handle))  # type: ignore[attr-defined]
    if not (filled or stroked):
        return [], None
    x0, y0, x1, y1 = box = _pdfium_box(obj, to_display)
    thin = min(x1 - x0, y1 - y0) <= settings.rule_max_width
    background = box if filled and not thin else None
    if thin or not stroked:
        return _rules_from_box(x0, y0, x1, y1, filled, stroked, settings), background
    # a stroked path wider than a rule: its straight axis-parallel segments
    matrix = obj.get_matrix()  # type: ignore[attr-defined]
    points: list[tuple[float, float, bool]] = []
    for k in range(raw.FPDFPath_CountSegments(handle)):  # type: ignore[attr-defined]
        seg = raw.FPDFPath_GetPathSegment(handle, k)  # type: ignore[attr-defined]
        x, y = ctypes.c_float(0), ctypes.c_float(0)
        raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))  # type: ignore[attr-defined]
        kind = raw.FPDFPathSegment_GetType(seg)  # type: ignore[attr-defined]
        px, py = to_display(*matrix.on_point(x.value, y.value))
        points.append((px, py, kind == raw.FPDF_SEGMENT_MOVETO))  # type: ignore[attr-defined]
        if raw.FPDFPathSegment_GetClose(seg):  # type: ignore[attr-defined]
            start = next((p for p in reversed(points) if p[2]), points[0])
            points.append((start[0], start[1], False))
    rules = []
    for (ax, ay, _), (bx, by, move) in zip(points, points[1:], strict=False):
        if move:
            continue
        if abs(ay - by) <= 0.5 or abs(ax - bx) <= 0.5:
            rules.append(Rule(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
    return rules, background


def _pdfium_color(getter: object, handle: object) -> tuple[float, float, float] | None:
    r, g, b, a = (ctypes.c_uint(0) for _ in range(4))
    if not getter(handle, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):  # type: ignore[operator]
        return None
    if a.value == 0:
        return (1.0, 1.0, 1.0)
    return (r.value / 255, g.value / 255, b.value / 255)


def _plumber_pages(data: bytes, settings: PdfSettings) -> Iterator[PageContent]:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PDFSyntaxError as exc:
        raise PdfError("the PDF is damaged or truncated and cannot be opened") from exc
    except Exception as exc:  # pdfminer raises many kinds for broken or encrypted files
        raise PdfError(_pdfium_reason(str(exc) or type(exc).__name__)) from exc
    with pdf:
        damaged = _skipped_pages(pdf.doc)
        if damaged:
            raise PdfError(_damaged_page(damaged[0]))
        for page in pdf.pages:
            width, height = float(page.width), float(page.height)
            chars = [(c, _quarter(float(c["matrix"][0]), -float(c["matrix"][1]))) for c in page.chars if c["text"].strip()]
            quarter = _page_turn([q for _, q in chars])
            turn = _turn(quarter, width, height)
            content = PageContent(page.page_number, *((height, width) if quarter % 2 else (width, height)))
            for c, q in chars:
                if q is None:
                    continue  # drawn at a slant: a watermark across the page
                box = _turned_box(turn, _plumber_box(c))
                ink = _visible(_plumber_color(c.get("non_stroking_color")))
                if q != quarter:
                    content.glyphs.append(_turned_glyph(c["text"], box, float(c["size"]), (q - quarter) % 4, ink))
                    continue
                baseline = turn(float(c["matrix"][4]), height - float(c["matrix"][5]))[1]
                content.glyphs.append(_glyph(c["text"], box[0], box[2], baseline, float(c["size"]), ink))
            content.images = len(page.images)
            content.backgrounds = [_turned_box(turn, _plumber_box(image)) for image in page.images]
            for line in page.lines:
                if _visible(_plumber_color(line.get("stroking_color"))):
                    pts = [turn(float(px), float(py)) for px, py in line["pts"]]
                    for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
                        content.rules.append(Rule(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
            for rect in page.rects:
                filled = bool(rect.get("fill")) and _visible(_plumber_color(rect.get("non_stroking_color")))
                stroked = bool(rect.get("stroke")) and _visible(_plumber_color(rect.get("stroking_color")))
                box = _turned_box(turn, _plumber_box(rect))
                if filled and min(box[2] - box[0], box[3] - box[1]) > settings.rule_max_width:
                    content.backgrounds.append(box)
                content.rules.extend(_rules_from_box(*box, filled, stroked, settings))
            page.flush_cache()
            yield content


def _plumber_box(obj: dict[str, Any]) -> tuple[float, float, float, float]:
    return (float(obj["x0"]), float(obj["top"]), float(obj["x1"]), float(obj["bottom"]))


def _turned_box(turn: Callable[[float, float], Point], box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box (x0, top, x1, bottom) on the page turned by ``turn`` (:func:`_turn`).

    >>> _turned_box(_turn(1, 100.0, 200.0), (10.0, 20.0, 30.0, 60.0))
    (140.0, 10.0, 180.0, 30.0)
    """
    return _bounds([turn(x, y) for x in (box[0], box[2]) for y in (box[1], box[3])])


def _skipped_pages(document: Any) -> list[int]:
    """Numbers (1-based) of the pages in a pdfminer document's page tree that pdfminer skips
    without a word: entries that are not a page (``/Type /Pxge``) or cannot be resolved.

    Walked like pdfminer walks it (depth first, each object once), without recursion.
    """
    from pdfminer.pdftypes import PDFException, PDFObjRef, resolve1
    from pdfminer.psparser import LIT, PSException

    page, pages = LIT("Page"), LIT("Pages")
    root = document.catalog.get("Pages")
    if root is None:
        return []  # pdfminer then looks for pages object by object
    skipped: list[int] = []
    number = 0
    seen: set[int] = set()
    stack = [root]
    while stack:
        entry = stack.pop()
        if isinstance(entry, PDFObjRef):
            if entry.objid in seen:
                continue
            seen.add(entry.objid)
        try:
            node = resolve1(entry)
            kind = (node.get("Type") or node.get("type")) if isinstance(node, dict) else None
            kids = resolve1(node.get("Kids")) if kind is pages else None
        except (PDFException, PSException):
            kind = kids = None
        if kind is pages:
            if isinstance(kids, list):
                stack.extend(reversed(kids))
            continue
        number += 1
        if kind is not page:
            skipped.append(number)
    return skipped


def _plumber_color(value: object) -> tuple[float, ...] | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return (float(value),) * 3
    try:
        values = tuple(float(v) for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None  # a pattern or a named colour: assume it shows
    if len(values) == 1:
        return values * 3
    return values


def pages(data: bytes, settings: PdfSettings | None = None) -> Iterator[PageContent]:
    """The glyphs and rules of every page, read with the configured backend. Only glyphs that
    show are kept (see :func:`_shown`)."""
    settings = settings or PdfSettings()
    reader = _pdfium_pages if settings.backend == "pypdfium2" else _plumber_pages
    for content in reader(data, settings):
        content.glyphs = _dedupe(_shown(content))
        yield content


def _shown(content: PageContent) -> list[Glyph]:
    """The glyphs of a page that show: those drawn with ink, and those drawn without (white
    text, render mode 3) that stand on a background — white on a dark cell, or the invisible
    text layer over the image of a scan made searchable. A white figure on white paper (a
    figure hidden in a spreadsheet, printed to PDF) is not read. In page order."""
    return [g for g in content.glyphs
            if g.ink or any(x0 <= g.cx <= x1 and top <= g.cy <= bottom for x0, top, x1, bottom in content.backgrounds)]


def _dedupe(glyphs: list[Glyph]) -> list[Glyph]:
    """Drop characters printed over themselves (fake bold: the same character drawn again a
    fraction of a point aside, :func:`_copy_of`), keeping the first. Kept glyphs are filed by
    text and square of the page (``_COPY_SQUARE`` wide), so each is compared only with those
    in its square and the nearest neighbouring ones."""
    kept: list[Glyph] = []
    squares: dict[tuple[str, int, int], list[Glyph]] = {}
    get = squares.get
    for g in glyphs:
        fx, fy = g.x0 / _COPY_SQUARE, g.top / _COPY_SQUARE
        x, y = floor(fx), floor(fy)
        nx, ny = (x - 1 if fx - x < 0.5 else x + 1), (y - 1 if fy - y < 0.5 else y + 1)
        text = g.text
        near = (get((text, x, y)) or []) + (get((text, nx, y)) or []) + (get((text, x, ny)) or []) + (get((text, nx, ny)) or [])
        if not any(_copy_of(g, k) for k in near):
            squares.setdefault((text, x, y), []).append(g)
            kept.append(g)
    return kept


#: a copy of a glyph stands less than this (size) above or below it, and less than this
#: (fraction of its width, at most of its size) to its side: two characters printed side by
#: side are a width apart; and at most half ``_COPY_SQUARE`` (points) away
_COPY_DRIFT, _COPY_SHIFT, _COPY_SQUARE = 0.2, 0.5, 8.0


def _copy_of(g: Glyph, k: Glyph) -> bool:
    """Whether ``g`` is ``k`` printed again over it (fake bold), not a character of its own.

    >>> one = Glyph("1", 10.0, 15.0, 0.0, 10.0, 10.0)
    >>> _copy_of(Glyph("1", 11.0, 16.0, 0.3, 10.3, 10.0), one), _copy_of(Glyph("1", 15.0, 20.0, 0.0, 10.0, 10.0), one)
    (True, False)
    """
    shift, drift = abs(g.x0 - k.x0), abs(g.top - k.top)
    return (g.text == k.text and shift < _COPY_SHIFT * min(max(k.x1 - k.x0, g.x1 - g.x0), k.size)
            and drift <= _COPY_DRIFT * max(g.size, k.size) and max(shift, drift) < _COPY_SQUARE / 2)


def has_text_layer(contents: Sequence[PageContent], settings: PdfSettings | None = None) -> bool:
    """True when some page has text; False for a scan (images, no characters)."""
    settings = settings or PdfSettings()
    return any(len(c.glyphs) >= settings.min_page_chars for c in contents)


def scanned_pages(contents: Sequence[PageContent], settings: PdfSettings | None = None) -> list[int]:
    """Numbers of the pages that are scans: images and (almost) no characters. Such a page
    among pages with text (a signed table scanned and merged into an exported report) is
    as much a part of the document as a wholly scanned PDF."""
    settings = settings or PdfSettings()
    return [c.number for c in contents if c.images and len(c.glyphs) < settings.min_page_chars]


# ---------------------------------------------------------------------------------------
# Rules → table grids


@dataclass(slots=True)
class _Segment:
    pos: float  # y of a horizontal segment, x of a vertical one
    start: float
    end: float


def _merge_segments(rules: Sequence[Rule], horizontal: bool, settings: PdfSettings) -> list[_Segment]:
    """Collinear rules joined: one segment per run of touching or overlapping rules."""
    raw = []
    for r in rules:
        if r.horizontal != horizontal:
            continue
        if horizontal:
            seg = _Segment((r.top + r.bottom) / 2, r.x0, r.x1)
        else:
            seg = _Segment((r.x0 + r.x1) / 2, r.top, r.bottom)
        if seg.end - seg.start >= settings.rule_min_length:
            raw.append(seg)
    raw.sort(key=lambda s: (s.pos, s.start))
    # cluster positions
    groups: list[list[_Segment]] = []
    for seg in raw:
        if groups and seg.pos - groups[-1][-1].pos <= settings.snap:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    merged: list[_Segment] = []
    for group in groups:
        pos = median(s.pos for s in group)
        run: _Segment | None = None
        for seg in sorted(group, key=lambda s: s.start):
            if run is not None and seg.start <= run.end + settings.snap:
                run.end = max(run.end, seg.end)
                continue
            run = _Segment(pos, seg.start, seg.end)
            merged.append(run)
    return merged


@dataclass(slots=True)
class _Grid:
    """A ruled table: row lines ``ys`` and column lines ``xs``; ``cell_of`` maps each slot
    (row, column) to the slot at the top left of its (possibly merged) cell."""

    xs: list[float]
    ys: list[float]
    cell_of: dict[tuple[int, int], tuple[int, int]]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def contains(self, x: float, y: float) -> bool:
        return self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]

    def slot(self, x: float, y: float) -> tuple[int, int]:
        col = min(max(bisect_right(self.xs, x) - 1, 0), len(self.xs) - 2)
        row = min(max(bisect_right(self.ys, y) - 1, 0), len(self.ys) - 2)
        return row, col


def _cluster(values: Sequence[float], tolerance: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tolerance:
            continue
        out.append(v)
    return out


def _grids(rules: Sequence[Rule], settings: PdfSettings) -> list[_Grid]:
    """Tables drawn with rules: groups of crossing horizontal and vertical segments."""
    hs = _merge_segments(rules, True, settings)
    vs = _merge_segments(rules, False, settings)
    snap = settings.snap
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h.start - snap <= v.pos <= h.end + snap and v.start - snap <= h.pos <= v.end + snap:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[_Segment], list[_Segment]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    grids = []
    for group_h, group_v in groups.values():
        if len(group_h) < 2 or len(group_v) < 2:
            continue
        grid = _grid(group_h, group_v, settings)
        if grid is not None:
            grids.append(grid)
    return grids


def _covers(segments: Sequence[_Segment], pos: float, at: float, snap: float) -> bool:
    return any(abs(s.pos - pos) <= snap and s.start - snap <= at <= s.end + snap for s in segments)


def _grid(hs: Sequence[_Segment], vs: Sequence[_Segment], settings: PdfSettings) -> _Grid | None:
    snap = settings.snap
    ys = _cluster([h.pos for h in hs], snap)
    xs = _cluster([v.pos for v in vs], snap)
    if len(xs) < 2 or len(ys) < 2:
        return None
    # the frame: rules may stop short of the outermost lines by a little
    parent: dict[tuple[int, int], tuple[int, int]] = {(r, c): (r, c) for r in range(len(ys) - 1) for c in range(len(xs) - 1)}

    def find(s: tuple[int, int]) -> tuple[int, int]:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    def union(a: tuple[int, int], b: tuple[int, int]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(len(ys) - 1):
        mid_y = (ys[r] + ys[r + 1]) / 2
        for c in range(len(xs) - 2):
            if not _covers(vs, xs[c + 1], mid_y, snap):
                union((r, c), (r, c + 1))
    for c in range(len(xs) - 1):
        mid_x = (xs[c] + xs[c + 1]) / 2
        for r in range(len(ys) - 2):
            if not _covers(hs, ys[r + 1], mid_x, snap):
                union((r, c), (r + 1, c))
    return _Grid(xs, ys, {s: find(s) for s in parent})


# ---------------------------------------------------------------------------------------
# Glyphs → printed lines → text

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’]")


def _text_lines(glyphs: Sequence[Glyph], settings: PdfSettings) -> list[list[Glyph]]:
    """Glyphs grouped into printed lines (top to bottom), each sorted left to right."""
    lines: list[list[Glyph]] = []
    centres: list[float] = []
    for g in sorted(glyphs, key=lambda g: (g.cy, g.x0)):
        tolerance = settings.line_tolerance * max(g.size, 1.0)
        if lines and abs(g.cy - centres[-1]) <= tolerance:
            lines[-1].append(g)
            n = len(lines[-1])
            centres[-1] += (g.cy - centres[-1]) / n
            continue
        lines.append([g])
        centres.append(g.cy)
    return [sorted(line, key=lambda g: g.x0) for line in lines]


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "%.,-+")


def _join(glyphs: Sequence[Glyph], settings: PdfSettings, cells: bool) -> list[str]:
    """Text of one printed line; with ``cells``, split into cells at wide gaps."""
    return [text for text, _, _ in _spans(glyphs, settings, cells)]


#: a cell of a printed line outside ruled tables: its text and its x extent
_Span = tuple[str, float, float]


def _spans(glyphs: Sequence[Glyph], settings: PdfSettings, cells: bool = True) -> list[_Span]:
    """The text of one printed line, with ``cells`` split into cells at gaps wider than
    ``cell_gap``, each with where it stands across the page."""
    parts: list[_Span] = []
    current = ""
    prev: Glyph | None = None
    start = glyphs[0].x0 if glyphs else 0.0
    for g in glyphs:
        if prev is not None:
            gap = g.x0 - prev.x1
            size = max(min(g.size, prev.size), 1.0)
            if cells and gap > settings.cell_gap * size:
                parts.append((current.strip(), start, prev.x1))
                current, start = "", g.x0
            elif gap > settings.word_gap * size and (_is_word_char(prev.text) or _is_word_char(g.text)) and not (
                _CJK.match(prev.text) and _CJK.match(g.text)
            ):
                current += " "
            elif gap > 1.0 * size and not cells:
                current += " "
        current += g.text
        prev = g
    parts.append((current.strip(), start, prev.x1 if prev else start))
    return parts


def _cell_text(glyphs: Sequence[Glyph], settings: PdfSettings) -> str:
    """Text of a table cell: its printed lines joined (a wrapped name is one name again)."""
    out = ""
    for line in _text_lines(glyphs, settings):
        out = _concat(out, " ".join(t for t in _join(line, settings, cells=False) if t))
    return out


def _concat(first: str, then: str) -> str:
    """Two lines of one cell joined: with a space between Latin words only.

    >>> _concat("一般行政管理事务（含", "信息化）"), _concat("Other", "expenses"), _concat("", "合计")
    ('一般行政管理事务（含信息化）', 'Other expenses', '合计')
    """
    if first and first[-1].isascii() and first[-1].isalpha() and then[:1].isascii() and then[:1].isalpha():
        return f"{first} {then}"
    return first + then


_FIGURE = re.compile(r"^[\s(（-]*[\d,，.．\s]+[)）]?$")


def _is_figure(text: str) -> bool:
    """A cell line holding an amount or a code (one row of a table has at most one per cell)."""
    return bool(_FIGURE.match(text)) and any(ch.isdigit() for ch in text)


# ---------------------------------------------------------------------------------------
# One page → lines


@dataclass(slots=True)
class _Item:
    """Something to print at height ``y``: a table row (cells) or a line of text (parts)."""

    y: float
    parts: list[str]
    row: bool


_PAGE_NUMBER = re.compile(r"^(?:[-—–\s]*\d{1,4}[-—–\s]*|第\s*\d+\s*页(?:\s*[/,，]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")


def _table_items(grid: _Grid, glyphs: Sequence[Glyph], settings: PdfSettings) -> list[_Item]:
    """The rows of one ruled table (empty columns dropped, wrapped cells joined)."""
    by_cell: dict[tuple[int, int], list[Glyph]] = {}
    for g in glyphs:
        by_cell.setdefault(grid.cell_of[grid.slot(g.cx, g.cy)], []).append(g)
    n_rows, n_cols = len(grid.ys) - 1, len(grid.xs) - 1
    if not by_cell:
        return []
    # every column is kept (a continued table keeps its column positions on each page),
    # except slivers with no text: gaps between double rules, not columns
    size = median(g.size for g in glyphs)
    filled = {c for (_, c) in by_cell}
    used_cols = [c for c in range(n_cols) if c in filled or grid.xs[c + 1] - grid.xs[c] >= 1.5 * size]
    items: list[_Item] = []
    for r in range(n_rows):
        cells_here = {c: by_cell[(r, c)] for c in range(n_cols) if (r, c) in by_cell}
        if not cells_here:
            continue
        for y, sub in _split_band(cells_here, grid.ys[r], settings):
            texts = {c: _cell_text(gs, settings) for c, gs in sub.items()}
            parts = [texts.get(c, "") for c in used_cols]
            if any(parts):
                items.append(_Item(y, parts, True))
    return items


def _split_band(cells: dict[int, list[Glyph]], top: float, settings: PdfSettings) -> list[tuple[float, dict[int, list[Glyph]]]]:
    """A ruled band is one row, unless a cell holds several figures on separate lines: then
    the band holds unruled rows, one per figure line, and each printed line goes to the
    nearest one (a wrapped label sits around its row's figures). A figure wrapped onto two
    lines of its cell is one figure (:func:`_cell_pieces`)."""
    pieces = {c: _cell_pieces(gs, settings) for c, gs in cells.items()}
    anchors: list[float] = []
    for lines in pieces.values():
        figures = [ln for ln in lines if _is_figure(_plain(ln))]
        if len(figures) >= 2:
            anchors.extend(median(g.cy for g in ln) for ln in figures)
    if not anchors:
        return [(top, cells)]
    size = median(g.size for gs in cells.values() for g in gs)
    anchors = _cluster(anchors, settings.line_tolerance * size)
    rows: list[dict[int, list[Glyph]]] = [{} for _ in anchors]
    for c, lines in pieces.items():
        for line in lines:
            cy = median(g.cy for g in line)
            k = min(range(len(anchors)), key=lambda i: abs(anchors[i] - cy))
            rows[k].setdefault(c, []).extend(line)
    return [(a, row) for a, row in zip(anchors, rows, strict=True) if row]


def _plain(glyphs: Sequence[Glyph]) -> str:
    return "".join(g.text for g in glyphs)


def _cell_pieces(glyphs: Sequence[Glyph], settings: PdfSettings) -> list[list[Glyph]]:
    """The printed lines of a cell, a figure wrapped onto the next line (``12,345,`` over
    ``678.90`` in a narrow column) joined into one piece (:func:`_one_figure`)."""
    pieces: list[list[Glyph]] = []
    for line in _text_lines(glyphs, settings):
        if pieces and _one_figure(_plain(pieces[-1]), _plain(line)):
            pieces[-1] = pieces[-1] + line
        else:
            pieces.append(line)
    return pieces


_WHOLE_FIGURE = re.compile(r"^[(（-]?(?:\d{1,3}(?:[,，]\d{3})+|\d+)(?:[.．]\d+)?[)）]?$")


def _one_figure(first: str, second: str) -> bool:
    """Whether two lines of a cell are one figure wrapped: together they read as one amount,
    and they are not two whole amounts (a part ends or starts with a separator, or breaks a
    group of thousands).

    >>> _one_figure("12,345,", "678.90"), _one_figure("12,34", "5,678.90"), _one_figure("1,234", ".56")
    (True, True, True)
    >>> _one_figure("1,000.00", "234.56"), _one_figure("12345", "678.90"), _one_figure("-", "1,234.00")
    (False, False, False)
    """
    if not (any(ch.isdigit() for ch in first) and any(ch.isdigit() for ch in second)):
        return False
    whole = _WHOLE_FIGURE.match
    return bool(whole(first + second)) and not (whole(first) and whole(second))


def page_lines(content: PageContent, settings: PdfSettings | None = None) -> list[tuple[str, bool]]:
    """One page → its lines in reading order: (text, is a table row). Table rows are
    tab-separated cells; page numbers are left out. Tables side by side are read one after
    the other, each with the text above it (:func:`_side_by_side`)."""
    settings = settings or PdfSettings()
    return _ordered_lines(content.glyphs, _grids(content.rules, settings), settings)


def _ordered_lines(glyphs: Sequence[Glyph], grids: Sequence[_Grid], settings: PdfSettings) -> list[tuple[str, bool]]:
    """The lines of ``glyphs`` and ``grids``: top to bottom, except that a band of tables side
    by side is read as the text above the band, its left part, its right part, then the rest."""
    band = _side_by_side(grids, glyphs, settings)
    if band is None:
        return _lines(glyphs, grids, settings)
    split, top, bottom = band

    def part(y: float, x: float) -> int:
        return 0 if y < top else 3 if y > bottom else 1 if x < split else 2

    parts: list[tuple[list[Glyph], list[_Grid]]] = [([], []) for _ in range(4)]
    for g in glyphs:
        parts[part(g.cy, g.cx)][0].append(g)
    for grid in grids:
        x0, y0, x1, y1 = grid.bbox
        parts[part((y0 + y1) / 2, (x0 + x1) / 2)][1].append(grid)
    return [line for part_glyphs, part_grids in parts for line in _ordered_lines(part_glyphs, part_grids, settings)]


def _side_by_side(grids: Sequence[_Grid], glyphs: Sequence[Glyph], settings: PdfSettings) -> tuple[float, float, float] | None:
    """Where two ruled tables stand side by side (one ends left of where the other starts, at
    heights that overlap): the x between them, and the top and bottom of their band. The band
    starts below the last line above the tables that runs across that x (a page title), so
    each table's own title and unit, printed above it, are read with it."""
    ordered = sorted(grids, key=lambda g: g.bbox[0])
    for i, left in enumerate(ordered):
        for right in ordered[i + 1:]:
            lx0, ly0, lx1, ly1 = left.bbox
            rx0, ry0, rx1, ry1 = right.bbox
            if lx1 < rx0 and ly0 < ry1 and ry0 < ly1:
                split = (lx1 + rx0) / 2
                top, bottom = min(ly0, ry0), max(ly1, ry1)
                above = [g for g in glyphs if g.cy < top and not any(gr.contains(g.cx, g.cy) for gr in grids)]
                across = [max(g.bottom for g in line) for line in _text_lines(above, settings) if _runs_across(line, split)]
                return split, max(across, default=0.0), bottom
    return None


def _runs_across(line: Sequence[Glyph], x: float) -> bool:
    """A line of text that runs across ``x`` without a gap there (a title across the page),
    not two texts, one each side."""
    left = [g for g in line if g.cx < x]
    right = [g for g in line if g.cx >= x]
    if not left or not right:
        return False
    gap = min(g.x0 for g in right) - max(g.x1 for g in left)
    return gap < 2 * max(g.size for g in line)


def _lines(glyphs: Sequence[Glyph], grids: Sequence[_Grid], settings: PdfSettings) -> list[tuple[str, bool]]:
    """The lines of one stretch of a page, top to bottom: table rows and text lines."""
    in_grid: dict[int, list[Glyph]] = {i: [] for i in range(len(grids))}
    free: list[Glyph] = []
    for g in glyphs:
        for i, grid in enumerate(grids):
            if grid.contains(g.cx, g.cy):
                in_grid[i].append(g)
                break
        else:
            free.append(g)
    items: list[_Item] = []
    for i, grid in enumerate(grids):
        items.extend(_table_items(grid, in_grid[i], settings))
    items.extend(_turned_items([g for g in free if g.quarter], settings))
    text_lines = _text_lines([g for g in free if not g.quarter], settings)
    spans = [_spans(line, settings) for line in text_lines]
    unruled = _unruled_rows(text_lines, spans)
    for k, line in enumerate(text_lines):
        if k in unruled:
            cells = unruled[k]
            if cells is not None:
                items.append(_Item(min(g.top for g in line), cells, True))
            continue
        parts = [text for text, _, _ in spans[k]]
        edge = k in (0, len(text_lines) - 1)
        if edge and _PAGE_NUMBER.match("".join(parts).strip()) and len(parts) == 1:
            continue
        items.append(_Item(min(g.top for g in line), parts, False))
    items.sort(key=lambda it: it.y)
    out: list[tuple[str, bool]] = []
    for item in items:
        if item.row:
            out.append((cells_to_line(item.parts), True))
        else:
            parts = [p for p in item.parts if p]
            out.append(("\t".join(parts), False))
    return out


def _is_figure_row(spans: Sequence[_Span]) -> bool:
    """A printed line that may be a row of a table without vertical rules: several cells, one
    of them a figure."""
    return len(spans) >= 2 and any(_is_figure(text) for text, _, _ in spans)


#: lines between two figure rows of one unruled table (a name wrapped around its figures)
_MAX_BETWEEN = 2


def _unruled_blocks(spans: Sequence[Sequence[_Span]]) -> list[list[int]]:
    """Runs of printed lines (indices) that may be one table without vertical rules: two or
    more figure rows, at most ``_MAX_BETWEEN`` other lines between two of them, with the
    lines next to the first and last."""
    rows = [k for k, line in enumerate(spans) if _is_figure_row(line)]
    blocks: list[list[int]] = []
    for k in rows:
        if blocks and k - blocks[-1][-1] <= _MAX_BETWEEN + 1:
            blocks[-1].append(k)
        else:
            blocks.append([k])
    return [list(range(max(b[0] - 1, 0), min(b[-1] + 2, len(spans)))) for b in blocks if len(b) >= 2]


def _columns(rows: Sequence[Sequence[_Span]]) -> list[tuple[float, float]]:
    """The columns of a table without vertical rules, from its figure rows: each the x range
    its cells cover, cells that overlap across rows in one column (figures aligned right,
    names aligned left), so a row's empty cell is told by where its other cells stand."""
    columns: list[tuple[float, float]] = []
    for _, x0, x1 in sorted((span for row in rows for span in row), key=lambda s: s[1]):
        if columns and x0 <= columns[-1][1]:
            columns[-1] = (columns[-1][0], max(columns[-1][1], x1))
        else:
            columns.append((x0, x1))
    return columns


def _column_of(x0: float, x1: float, columns: Sequence[tuple[float, float]]) -> int:
    """The column a cell from ``x0`` to ``x1`` stands in: the nearest, the most overlapped."""
    def away(i: int) -> tuple[float, float]:
        c0, c1 = columns[i]
        return max(0.0, c0 - x1, x0 - c1), max(x0, c0) - min(x1, c1)

    return min(range(len(columns)), key=away)


def _place(spans: Sequence[_Span], columns: Sequence[tuple[float, float]]) -> list[str] | None:
    """A printed line's cells put in their columns, empty cells kept; None when two cells
    fall in one column (the columns do not fit this line)."""
    cells = [""] * len(columns)
    last = -1
    for text, x0, x1 in spans:
        c = _column_of(x0, x1, columns)
        if c <= last:
            return None
        cells[c], last = text, c
    return cells


def _unruled_rows(lines: Sequence[Sequence[Glyph]], spans: Sequence[Sequence[_Span]]) -> dict[int, list[str] | None]:
    """Rows of tables drawn without vertical rules (三线表, or no rules at all), by line index:
    the cells of each figure row (and of each line of several cells above the last, a header)
    put in the columns found from the figure rows
    (:func:`_columns`), so an empty cell stays empty; a line of a name wrapped around its row's
    figures (:func:`_fragment_of`) joins that row and maps to None. A run whose figure rows do
    not fit one set of columns, or with fewer than three columns, is left as text lines."""
    out: dict[int, list[str] | None] = {}
    for block in _unruled_blocks(spans):
        rows = [k for k in block if _is_figure_row(spans[k])]
        columns = _columns([spans[k] for k in rows])
        placed = {k: _place(spans[k], columns) for k in block}
        if len(columns) < 3 or any(placed[k] is None for k in rows):
            continue
        cells = {k: list(placed[k] or []) for k in rows}
        centres = {k: median(g.cy for g in lines[k]) for k in block}
        for k in block:
            owner = _fragment_of(k, rows, placed, centres, median(g.size for g in lines[k]))
            if owner is not None:  # into cells empty in the row: the pieces in line order
                cells[owner] = [_concat(mine, piece) for mine, piece in zip(cells[owner], placed[k] or [], strict=True)]
                out[k] = None
            elif k < rows[-1] and k not in rows and len(spans[k]) >= 2 and placed[k] is not None:
                out[k] = placed[k]
        out.update(cells)
    return out


def _fragment_of(k: int, rows: Sequence[int], placed: dict[int, list[str] | None], centres: dict[int, float],
                 size: float) -> int | None:
    """The figure row that line ``k`` (of characters ``size``) is part of, when it is a piece
    of a name wrapped around that row's figures (Excel centres figures on a two-line name):
    its cells stand in columns empty in the row, and its centre is less than ``size`` from
    the row's."""
    cells = placed[k]
    if cells is None or k in rows:
        return None
    owner = min(rows, key=lambda r: abs(centres[r] - centres[k]))
    own = placed[owner] or []
    if abs(centres[owner] - centres[k]) >= size or any(c and own[i] for i, c in enumerate(cells)):
        return None
    return owner


def _turned_items(glyphs: Sequence[Glyph], settings: PdfSettings) -> list[_Item]:
    """Lines of text printed in another direction than the page's (a title left upright beside
    a table turned sideways, a label up the margin), each read in its own direction. They
    stand beside the page's lines, not among them, so they are read first."""
    items: list[_Item] = []
    for quarter in sorted({g.quarter for g in glyphs}):
        turn = _turn(quarter, 0.0, 0.0)  # where the turned page stands does not matter
        own = [Glyph(g.text, *_xy_box(_turned_box(turn, (g.x0, g.top, g.x1, g.bottom))), g.size, g.ink)
               for g in glyphs if g.quarter == quarter]
        items.extend(_Item(-inf, _join(line, settings, cells=True), False) for line in _text_lines(own, settings))
    return items


def _xy_box(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box (x0, top, x1, bottom) as a glyph takes it: (x0, x1, top, bottom)."""
    return box[0], box[2], box[1], box[3]


def read_pdf(data: bytes, settings: PdfSettings | None = None) -> list[SourceLine]:
    """Every line of a PDF with a text layer, located as ``p.N l.M``.

    Raises :class:`NeedsOcr` when some pages are scans (:func:`scanned_pages`), with the
    lines of the others, and :class:`PdfError` when the file cannot be read.
    """
    settings = settings or PdfSettings()
    contents = list(pages(data, settings))
    if not contents:
        raise PdfError("the PDF has no pages")
    scanned = scanned_pages(contents, settings)
    if not scanned and not has_text_layer(contents, settings):
        raise PdfError("the PDF has no text and no images: every page is empty")
    by_page = {
        c.number: [SourceLine(text, f"p.{c.number} l.{n}") for n, (text, _) in enumerate(page_lines(c, settings), start=1)]
        for c in contents if c.number not in scanned
    }
    if scanned:
        raise NeedsOcr(tuple(scanned), by_page)
    return [line for lines in by_page.values() for line in lines]


def render_pages(data: bytes, dpi: int = 200, numbers: Collection[int] | None = None) -> Iterator[tuple[int, object]]:
    """Each page (or each of the pages ``numbers``, 1-based) as a PIL image (for OCR), with
    its 1-based number.

    A scanned page is rendered at the resolution of its own image (resampling a 120 dpi scan
    to 300 dpi makes tesseract misread it), never above ``dpi``.
    """
    import pypdfium2.raw as raw

    doc = _open_pdfium(data)
    try:
        for index in range(len(doc)):
            if numbers is not None and index + 1 not in numbers:
                continue
            page = _pdfium_page(doc, index)
            scale = dpi / 72
            width = page.get_width()
            for obj in page.get_objects(max_depth=2):
                if obj.type != raw.FPDF_PAGEOBJ_IMAGE:
                    continue
                left, _, right, _ = obj.get_bounds()
                if right - left >= 0.8 * width:  # an image across the page: the scan itself
                    scale = min(scale, max(1.0, obj.get_px_size()[0] / (right - left)))
            image = page.render(scale=scale).to_pil()
            page.close()
            yield index + 1, image
    finally:
        doc.close()
