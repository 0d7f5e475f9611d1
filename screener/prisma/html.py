"""The PRISMA 2020 diagram as one self-contained, interactive HTML file.

Inline SVG laid out by layout.py (the same geometry as the static diagram), inline CSS and
JS, nothing fetched (a Content-Security-Policy forbids it). Each box explains itself on
hover (tooltip) and on click (side panel); each count links to a CSV of the records behind
it, written to a folder next to the page (`flow.html` → `flow_records/`), which a table
under the diagram lists too. Every string from the review is HTML-escaped.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from screener.prisma import wording
from screener.prisma.boxes import PAD_X, PAD_Y, Box
from screener.prisma.counts import PrismaFlow
from screener.prisma.layout import Layout, arrow_paths, compute_layout, printable
from screener.screening.review import Review

PT = 72.0  # SVG user units are points
FILL = {"plain": "#ffffff", "yellow": "#ffc000", "grey": "#d9d9d9", "phase": "#9dc3e6"}
# Record lists → the PRISMA2020 template key of the count (data-key in the page).
REF_KEYS = {
    "databases": "database_results", "registers": "register_results",
    "source.website": "website_results", "source.organisation": "organisation_results",
    "source.citation": "citations_results", "dbr.duplicates": "duplicates",
    "dbr.excluded_automatic": "excluded_automatic", "dbr.excluded_other": "excluded_other",
    "dbr.screened": "records_screened", "dbr.excluded": "records_excluded",
    "dbr.sought": "dbr_sought_reports", "dbr.not_retrieved": "dbr_notretrieved_reports",
    "other.sought": "other_sought_reports", "other.not_retrieved": "other_notretrieved_reports",
    "dbr.assessed": "dbr_assessed", "other.assessed": "other_assessed",
    "dbr.ft_excluded": "dbr_excluded", "other.ft_excluded": "other_excluded",
    "new_studies": "new_studies", "new_reports": "new_reports",
    "previous_studies": "previous_studies", "previous_reports": "previous_reports",
    "total_studies": "total_studies", "total_reports": "total_reports",
}  # fmt: skip
_N = re.compile(r"\(n = (\d+)\)")

CSS = """
body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:1.5em;color:#000;background:#fff}
h1{font-size:1.2em}.banner{color:#c00000;font-weight:bold}
.wrap{display:flex;gap:1.5em;align-items:flex-start}
svg{max-width:100%;height:auto;flex:1 1 auto}
.box{cursor:pointer}.box:hover rect,.box:focus rect,.box.on rect{stroke:#0055cc;stroke-width:2}
a tspan{fill:#0033aa;text-decoration:underline}
#panel{flex:0 0 18em;border:1px solid #999;padding:.8em;font-size:.9em;position:sticky;top:1em}
table{border-collapse:collapse;margin-top:1.5em;font-size:.9em}
td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left}td.n{text-align:right}
"""
JS = """
(function(){
  var panel=document.getElementById('panel');
  function show(g){
    document.querySelectorAll('.box.on').forEach(function(o){o.classList.remove('on');});
    g.classList.add('on');
    panel.querySelector('h2').textContent=g.getAttribute('data-title');
    panel.querySelector('p').textContent=g.getAttribute('data-tip');
    var ul=panel.querySelector('ul');ul.textContent='';
    g.querySelectorAll('a').forEach(function(a){
      var li=document.createElement('li'),l=document.createElement('a');
      l.setAttribute('href',a.getAttribute('href'));l.textContent=a.getAttribute('data-label');
      li.appendChild(l);ul.appendChild(li);
    });
  }
  document.querySelectorAll('.box').forEach(function(g){
    g.addEventListener('click',function(){show(g);});
    g.addEventListener('keydown',function(e){if(e.key==='Enter'){show(g);}});
  });
  document.body.setAttribute('data-ready','1');
})();
"""


def _e(text: str) -> str:
    return escape(printable(text), quote=True)


def _label(box: Box, i: int) -> str:
    """The words of the paragraph that line `i` ends ("Records screened (n = 12)")."""
    start = i
    while (
        start > 0 and box.refs[start - 1] == box.refs[i] and not _N.search(box.lines[start - 1][0])
    ):
        start -= 1
    return " ".join(t for t, _b, _o in box.lines[start : i + 1])


def _box_svg(box: Box, size: float, links: dict[str, str]) -> str:
    x, y, w, h = (v * PT for v in (box.x, box.top, box.w, box.h))
    rx = 0 if box.style == "plain" else 0.06 * PT
    stroke = "none" if box.style == "phase" else "#000"
    title = " ".join(t for t, _b, _o in box.lines if t)
    tip = wording.TOOLTIPS.get(box.key, "")
    out = [
        f'<g class="box" id="box-{_e(box.key)}" tabindex="0" data-title="{_e(title)}" '
        f'data-tip="{_e(tip)}"><title>{_e(tip)}</title>',
        f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" rx="{rx:.2f}" '
        f'fill="{FILL[box.style]}" stroke="{stroke}" stroke-width="0.8"/>',
    ]
    if box.style == "phase":
        cx, cy = x + w / 2, box.y * PT
        out.append(
            f'<text x="{cx:.2f}" y="{cy:.2f}" font-size="{size + 1}" font-weight="bold" '
            f'text-anchor="middle" dominant-baseline="central" '
            f'transform="rotate(-90 {cx:.2f} {cy:.2f})">{_e(box.lines[0][0])}</text>'
        )
        return "".join(out) + "</g>"
    lh = box.line_h * PT
    for i, ((text, bold, offset), ref) in enumerate(zip(box.lines, box.refs, strict=True)):
        if box.align == "center":
            tx, anchor = x + w / 2, "middle"
        else:
            tx, anchor = x + (PAD_X + offset) * PT, "start"
        ty = y + PAD_Y * PT + lh * (i + 0.5)
        m = _N.search(text)
        key = f' data-key="{REF_KEYS[ref]}" data-n="{m.group(1)}"' if m and ref in REF_KEYS else ""
        weight = ' font-weight="bold"' if bold else ""
        body = _e(text)
        if m and ref in links:  # the count itself links to the records behind it
            body = (
                f'{_e(text[: m.start()])}<a href="{_e(links[ref])}" '
                f'data-label="{_e(_label(box, i))}"><tspan>{_e(m.group(0))}</tspan></a>'
                f"{_e(text[m.end() :])}"
            )
        out.append(
            f'<text x="{tx:.2f}" y="{ty:.2f}" font-size="{size}" text-anchor="{anchor}" '
            f'dominant-baseline="central"{weight}{key}>{body}</text>'
        )
    return "".join(out) + "</g>"


def diagram_svg(layout: Layout, links: dict[str, str]) -> str:
    """The laid-out diagram as inline SVG (points as user units)."""
    top = (min(b.top for b in layout.boxes.values()) - 0.15) * PT  # the page shows the title
    width, height = layout.page[0] * PT, layout.page[1] * PT - top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 {top:.2f} {width:.2f} {height:.2f}" '
        f'width="{width * 4 / 3:.0f}" height="{height * 4 / 3:.0f}" role="img" '
        f'aria-label="PRISMA 2020 flow diagram" font-family="DejaVu Sans, Verdana, sans-serif">',
        '<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z"/></marker></defs>',
    ]
    for points in arrow_paths(layout):
        pts = " ".join(f"{px * PT:.2f},{py * PT:.2f}" for px, py in points)
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="#000" stroke-width="0.8" '
            'marker-end="url(#head)"/>'
        )
    parts += [_box_svg(box, layout.size, links) for box in layout.boxes.values()]
    return "\n".join(parts) + "\n</svg>"


def _table(layout: Layout, links: dict[str, str]) -> str:
    rows = []
    for box in layout.boxes.values():
        for i, ((text, _b, _o), ref) in enumerate(zip(box.lines, box.refs, strict=True)):
            m = _N.search(text)
            if not m or ref is None:
                continue
            label = re.sub(r"\s+([:;,.])", r"\1", _N.sub("", _label(box, i))).strip()
            cell = f'<a href="{_e(links[ref])}">CSV</a>' if ref in links else ""
            key = f' data-key="{REF_KEYS[ref]}"' if ref in REF_KEYS else ""
            rows.append(
                f'<tr{key}><td>{_e(label)}</td><td class="n">{m.group(1)}</td><td>{cell}</td></tr>'
            )
    head = "<tr><th>Box</th><th>n</th><th>Records</th></tr>"
    return f'<table id="counts"><caption>Every count</caption>{head}{"".join(rows)}</table>'


def to_html(flow: PrismaFlow, links: dict[str, str] | None = None) -> str:
    """The page; `links` maps a count's record-list key to its CSV's relative URL."""
    links = links or {}
    layout = compute_layout(flow)
    title = _e(flow.title) if flow.title else "PRISMA 2020 flow diagram"
    banner = f'<p class="banner">{_e(layout.banner)}</p>' if layout.banner else ""
    note = (
        "Click a box for what it counts; click a count for the records behind it (CSV)."
        if links
        else "Click a box for what it counts."
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PRISMA 2020 flow diagram: {title}</title><style>{CSS}</style></head>
<body><h1>PRISMA 2020 flow diagram: {title}</h1>{banner}<p>{note}</p>
<div class="wrap">{diagram_svg(layout, links)}
<aside id="panel"><h2>Boxes</h2><p>{_e(note)}</p><ul></ul></aside></div>
{_table(layout, links)}
<p><small>Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an updated
guideline for reporting systematic reviews. BMJ 2021;372:n71.</small></p>
<script>{JS}</script></body></html>
"""


def write_html(flow: PrismaFlow, path: Path, project: Review | None = None) -> Path:
    """Write the page; with a project, the record lists go to `<stem>_records/` beside it."""
    links: dict[str, str] = {}
    if project is not None and flow.members and not flow.hidden:
        from screener.prisma.boxes import build_boxes
        from screener.prisma.members import NOT_RECORDS, write_record_lists

        refs = [p.ref for b in build_boxes(flow).values() for p in b.paragraphs
                if p.ref and p.ref not in NOT_RECORDS and _N.search(p.text)]  # fmt: skip
        folder = path.with_name(f"{path.stem}_records")
        names = write_record_lists(project, flow, folder, refs)
        links = {ref: f"{folder.name}/{name}" for ref, name in names.items()}
    path.write_text(to_html(flow, links), encoding="utf-8")
    return path
