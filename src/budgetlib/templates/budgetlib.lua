--[[
budgetlib.lua: the pandoc filter behind budgetlib's reports (see docs/rendering.md).

render.py hands pandoc a document whose notebook pieces are raw blocks of two private formats:
  budgetlib-markdown  markdown cells and text/markdown outputs
  budgetlib-html      text/html outputs (tables from polars, great_tables, IPython.display.HTML)
Pass 1 parses them here, with every way to smuggle raw HTML or Typst turned off: the markdown
reader runs without raw_html / raw_tex / raw_attribute, the HTML reader drops <script>, <style>
and anything it cannot parse, and any raw element left in the result is removed. Text from the
documents can therefore only ever become text, escaped by pandoc's HTML and Typst writers.
Pass 2 keeps the output offline, inert and tidy:
  * links are read as a browser reads them (control characters and spaces around the address,
    tabs and line breaks in it, do not count) and kept only when they are internal (#anchor)
    or relative; links to http, https and mailto addresses become their text followed by the
    address as plain text; links with any other scheme (javascript:, data:, …) become their text;
  * only presentational attributes are kept (style, title, lang, dir, align, valign, width,
    height, scope, abbr, headers): event handlers (onclick …) and addresses (src, formaction …)
    are dropped, and so are style attributes that could load something (url(), @import, expression());
  * images that are not embedded data (data: URIs, HTML only) become their description;
  * code classes that are not plain names are dropped (they become Typst raw language tags);
  * table columns whose cells are all numbers are aligned right.
In Typst, "= ", "- ", "+ ", "/ " and "1. " at the start of a line make a heading, a list item,
an enumeration or a term; pandoc escapes them at the start of a paragraph but not in a table
cell, list item or caption, so text starting that way (anywhere a line can start) gets the same
escape here: it stays text.
Pass 3 looks at the whole document: identifiers made by separately parsed cells are made unique
(pandoc's "-1", "-2" suffixes), and internal links to an identifier that does not exist become
plain text, since Typst refuses to compile a link to a missing label.
The raw "html" and "typst" blocks render.py writes itself (charts, images) are left alone.
]]

local MARKDOWN = table.concat({
  "markdown",
  "-raw_html", "-raw_tex", "-raw_attribute", "-latex_macros", "-tex_math_dollars",
  "-citations", "-example_lists", "-yaml_metadata_block", "-pandoc_title_block",
  "-implicit_figures", "-markdown_in_html_blocks",
})
local HTML = "html-raw_html"

local strip_raw = {
  RawBlock = function(_) return {} end,
  RawInline = function(_) return {} end,
}

local function parse(text, format)
  local doc = pandoc.read(text, format)
  return doc.blocks:walk(strip_raw)
end

local expand = {
  RawBlock = function(el)
    if el.format == "budgetlib-markdown" then
      return parse(el.text, MARKDOWN)
    elseif el.format == "budgetlib-html" then
      return parse(el.text, HTML)
    end
    return nil
  end,
}

-- A link's address as a browser reads it (the WHATWG URL parser): without the control
-- characters and spaces around it, and without tabs and line breaks anywhere in it.
local function browser_address(target)
  local t = target:gsub("^[%c ]+", ""):gsub("[%c ]+$", ""):gsub("[\t\n\r]", "")
  return t
end

-- Schemes whose links are shown as their address (as text: the report stays offline).
local SHOWN_SCHEMES = { http = true, https = true, mailto = true }

local function percent_decoded(text)
  local t = text:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end)
  return t
end

-- What a link is: "anchor" (#id), "relative", "shown" (an address of SHOWN_SCHEMES or a
-- protocol-relative one) or "unsafe" (any other scheme: javascript:, data:, vbscript:, file: …).
-- Decided on the address percent-decoded too (pandoc writes a space in it as %20): whichever
-- way it is read, a link is kept only when it names no scheme but SHOWN_SCHEMES.
local function link_kind(target)
  local t = browser_address(percent_decoded(target)):gsub("\\", "/") -- a browser reads \ as / in web addresses
  if t:match("^#") then
    return "anchor"
  elseif t:match("^//") then
    return "shown"
  end
  local scheme = t:match("^(%a[%w+.-]*):")
  if scheme == nil then
    return "relative"
  end
  return SHOWN_SCHEMES[scheme:lower()] and "shown" or "unsafe"
end

local function is_html()
  return FORMAT:match("html") ~= nil
end

local tidy = {}

local function unsafe_style(style)
  local s = style:lower():gsub("\\", "")
  return s:match("url%s*%(") or s:match("@import") or s:match("expression%s*%(") or s:match("image%-set")
end

local KEPT_ATTRIBUTES = {
  style = true, title = true, lang = true, dir = true, align = true, valign = true,
  width = true, height = true, scope = true, abbr = true, headers = true,
}

-- Drops every attribute but the presentational ones (and a style that could load something);
-- returns the element when it changed, nil otherwise (a pandoc filter's "unchanged").
local function clean(el)
  if not el.attributes then
    return nil
  end
  local kept, dropped = {}, false
  for name, value in pairs(el.attributes) do
    local key = name:lower()
    if KEPT_ATTRIBUTES[key] and not (key == "style" and unsafe_style(value)) then
      table.insert(kept, { name, value })
    else
      dropped = true
    end
  end
  if dropped then
    el.attributes = kept
    return el
  end
  return nil
end

local function plain_classes(el)
  local kept = pandoc.List()
  for _, class in ipairs(el.classes) do
    if class:match("^[%w_+-]+$") then
      kept:insert(class)
    end
  end
  local changed = #kept ~= #el.classes
  el.classes = kept
  return clean(el) or (changed and el) or nil
end

for _, name in ipairs({ "Div", "Span", "Header", "Figure" }) do
  tidy[name] = clean
end
tidy.CodeBlock = plain_classes
tidy.Code = plain_classes

function tidy.Link(el)
  local kind = link_kind(el.target)
  if kind == "anchor" or kind == "relative" then
    el.target = browser_address(el.target)
    clean(el)
    return el
  end
  local out = pandoc.List(el.content)
  if kind == "unsafe" then
    return pandoc.Span(out)
  end
  local address = browser_address(el.target)
  if pandoc.utils.stringify(el.content) ~= address then
    out:insert(pandoc.Space())
    out:insert(pandoc.Str("（" .. address .. "）"))
  end
  return pandoc.Span(out, pandoc.Attr("", { "link-address" }))
end

function tidy.Image(el)
  local src = browser_address(el.src):lower()
  if src:match("^data:image/") and is_html() then
    return clean(el)
  end
  local alt = pandoc.List(el.caption)
  if #alt == 0 then
    alt = pandoc.List({ pandoc.Str("［图片未嵌入］") })
  end
  return pandoc.Span(alt, pandoc.Attr("", { "image-placeholder" }))
end

local function is_number(text)
  local s = text:gsub("%s", ""):gsub("−", "-"):gsub("，", ",")
  if s == "" or s == "-" or s == "—" or s == "–" or s == "null" or s == "None" then
    return nil -- empty cells do not decide the column
  end
  return s:match("^[+%-]?[%d,]*%.?%d+%%?$") ~= nil or s:match("^%([%d,]*%.?%d+%)$") ~= nil
end

local function spans_cells(rows)
  for _, row in ipairs(rows) do
    for _, cell in ipairs(row.cells) do
      if cell.col_span > 1 or cell.row_span > 1 then
        return true
      end
    end
  end
  return false
end

local function clean_rows(rows)
  for _, row in ipairs(rows) do
    clean(row)
    for _, cell in ipairs(row.cells) do
      clean(cell)
    end
  end
end

local function right_align_numbers(tbl, rows)
  if #rows == 0 or spans_cells(rows) then
    return
  end
  for col = 1, #tbl.colspecs do
    local spec = tbl.colspecs[col]
    if spec[1] == "AlignDefault" then
      local seen, numeric = 0, true
      for _, row in ipairs(rows) do
        local cell = row.cells[col]
        if cell then
          local verdict = is_number(pandoc.utils.stringify(cell.contents))
          if verdict ~= nil then
            seen = seen + 1
            numeric = numeric and verdict
          end
        end
      end
      if seen > 0 and numeric then
        tbl.colspecs[col] = { "AlignRight", spec[2] }
      end
    end
  end
end

function tidy.Table(tbl)
  clean(tbl)
  clean_rows(tbl.head.rows)
  clean_rows(tbl.foot.rows)
  local rows = pandoc.List()
  for _, body in ipairs(tbl.bodies) do
    clean_rows(body.head)
    clean_rows(body.body)
    rows:extend(body.body)
  end
  right_align_numbers(tbl, rows)
  return tbl
end

local function starts_line_markup(inlines, i)
  local first, after = inlines[i], inlines[i + 1]
  if not (first and first.t == "Str" and after) then
    return false
  end
  local text = first.text
  local marker = text:match("^=+$") or text:match("^[-+/]$") or text:match("^%d+%.$")
  return marker ~= nil and (after.t == "Space" or after.t == "SoftBreak" or after.t == "LineBreak")
end

-- Typst only: a backslash before text that would start a heading, list, enumeration or term
-- (at the start of any inline content, and after a line break), as pandoc does in paragraphs.
local typst_line_starts = {
  Inlines = function(inlines)
    if FORMAT ~= "typst" then
      return nil
    end
    local out, changed = pandoc.List(), false
    for i, el in ipairs(inlines) do
      if (i == 1 or inlines[i - 1].t == "LineBreak") and starts_line_markup(inlines, i) then
        out:insert(pandoc.RawInline("typst", "\\"))
        changed = true
      end
      out:insert(el)
    end
    return changed and out or nil
  end,
}

local WITH_IDS = { "Header", "Div", "Span", "CodeBlock", "Code", "Figure", "Table", "Image", "Link" }

local links = {
  Pandoc = function(doc)
    local seen = {}
    local function unique(el)
      local id = el.identifier
      if id == nil or id == "" then
        return nil
      end
      if seen[id] then
        local n = 1
        while seen[id .. "-" .. n] do
          n = n + 1
        end
        el.identifier = id .. "-" .. n
      end
      seen[el.identifier] = true
      return el
    end
    local ids = {}
    for _, name in ipairs(WITH_IDS) do
      ids[name] = unique
    end
    doc = doc:walk(ids)
    return doc:walk({
      Link = function(el)
        local target = el.target:match("^#(.+)$")
        if target and not seen[target] then
          return pandoc.Span(el.content)
        end
        return nil
      end,
    })
  end,
}

return { expand, tidy, typst_line_starts, links }
