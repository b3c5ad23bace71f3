"""The impact report's three forms: JSON, CSV and a printable page. Each is made from the
suppressed report only (``domain.figures.Suppressed``): no exact small count reaches them."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from html import escape
from typing import Any

from homeward_dashboard.domain.figures import Hidden, Path, Suppressed

SECTIONS = {
    "investigation": "Investigation and legal action",
    "outreach": "Outreach",
    "recovery": "Recovery centres",
    "centres": "Per centre",
    "reintegration": "Reintegration and follow-up",
}

LABELS = {
    "signals_received": "Signals received",
    "investigations_opened": "Investigations opened",
    "reports_filed": "Investigative reports filed",
    "persons_identified": "Persons identified",
    "legal_referrals": "Legal referrals",
    "rescue_operations": "Rescue operations",
    "persons_rescued": "Persons rescued",
    "court_cases_charged": "Court cases with charges filed",
    "convictions": "Court cases ended in conviction",
    "persons_convicted": "Persons convicted",
    "entertainment_areas_visited": "Entertainment areas visited",
    "clinic_consultations": "Clinic consultations",
    "educational_contacts": "Educational contacts",
    "residents_cared_for": "Residents cared for",
    "admissions": "Admissions",
    "transfers_in": "Transfers in",
    "trainees": "Trainees",
    "trainings_completed": "Trainings completed",
    "certifications": "Government certifications",
    "internships": "Internships",
    "study_tours": "Study tours",
    "exits": "Exits",
    "reintegrated": "Reintegrated",
    "startup_kits": "Start-up kits",
    "other_support": "Other support given",
    "follow_up_visits": "Follow-up visits",
    "survivors_followed_up": "Survivors followed up",
    "closures": "Cases closed",
}

NOTE = {
    Hidden.BELOW_THRESHOLD: "fewer than {t}",
    Hidden.COMPLEMENTARY: "hidden so that a small count cannot be worked out",
    Hidden.WITH_ITS_COUNT: "hidden with its count",
}


def _plain(v: Decimal | None) -> int | float | None:
    if v is None:
        return None
    return int(v) if v == v.to_integral_value() else float(v)


def shown(report: Suppressed, path: Path) -> str:
    """A cell as people read it: the number, "<11" or "c" (confidential)."""
    v = report.values[path]
    if v is not None:
        n = _plain(v)
        return f"{n:,}" if isinstance(n, int) else f"{n:,.2f}"
    return f"<{report.threshold}" if report.hidden[path] is Hidden.BELOW_THRESHOLD else "c"


def as_json(report: Suppressed, *, generated_at: datetime, time_zone: str) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for path, value in report.values.items():
        node = figures
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = _plain(value)
    return {
        "year": report.year,
        "threshold": report.threshold,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "time_zone": time_zone,
        "figures": figures,
        "labels": {"sections": SECTIONS, "figures": LABELS},
        "suppressed": [
            {"cell": ".".join(p), "reason": why.value} for p, why in sorted(report.hidden.items())
        ],
    }


def _rows(report: Suppressed) -> list[tuple[str, str, str, str, str, Path]]:
    """(section, group, figure, breakdown, category, path) in the report's order."""
    out = []
    for path in report.values:
        section = path[0]
        group, rest = (path[1], path[2:]) if section == "centres" else ("", path[1:])
        figure = rest[0]
        breakdown, category = ("", "") if rest[1] == "total" else (rest[1], rest[2])
        out.append((section, group, figure, breakdown, category, path))
    return out


def as_csv(report: Suppressed) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["year", "section", "centre", "figure", "breakdown", "category", "value", "note"])
    for section, group, figure, breakdown, category, path in _rows(report):
        v = report.values[path]
        note = ""
        if v is None:
            note = "suppressed: " + NOTE[report.hidden[path]].format(t=report.threshold)
        value = "" if v is None else _plain(v)
        w.writerow([report.year, section, group, figure, breakdown, category, value, note])
    return buf.getvalue()


def _bars(report: Suppressed, paths: list[Path]) -> str:
    """A small SVG bar per category; a hidden cell is a hatched stub, never a length."""
    numbers = [report.values[p] for p in paths]
    top = max([v for v in numbers if v is not None] or [Decimal(1)]) or Decimal(1)
    rows = []
    for i, p in enumerate(paths):
        v = report.values[p]
        y = i * 18
        label = escape(p[-1].replace("_", " "))
        width = 4 if v is None else max(1, int(220 * v / top)) if v else 0
        fill = "url(#hatch)" if v is None else "#3b6ea5"
        rows.append(
            f'<text x="0" y="{y + 12}">{label}</text>'
            f'<rect x="170" y="{y + 2}" width="{width}" height="12" fill="{fill}"/>'
            f'<text x="{176 + width}" y="{y + 12}">{escape(shown(report, p))}</text>'
        )
    return (
        f'<svg class="bars" width="460" height="{18 * len(paths)}" role="img">'
        '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse">'
        '<path d="M0,4 l4,-4" stroke="#889"/></pattern></defs>' + "".join(rows) + "</svg>"
    )


def _centre_tables(report: Suppressed, rows: list[tuple[str, str, str, str, str, Path]]) -> str:
    """Issue 5's figures side by side: one column per centre, then the breakdowns (trainees
    per trade, exits per kind) as centre-by-category tables."""
    centres = list(dict.fromkeys(r[1] for r in rows))
    head = "<tr><th></th>" + "".join(f"<th>{escape(c)}</th>" for c in centres) + "</tr>"

    def table(title: str, lines: list[tuple[str, list[Path | None]]]) -> str:
        body = "".join(
            f"<tr><th>{escape(label)}</th>"
            + "".join(f"<td class='n'>{escape(shown(report, p)) if p else '0'}</td>" for p in cells)
            + "</tr>"
            for label, cells in lines
        )
        return f"<h3>{escape(title)}</h3><table>{head}{body}</table>"

    by_cell = {(r[1], r[2], r[3], r[4]): r[5] for r in rows}
    figures = list(dict.fromkeys(r[2] for r in rows))
    out = [
        table(
            "Each centre's figures",
            [
                (
                    LABELS.get(f, f.replace("_", " ")),
                    [by_cell.get((c, f, "", "")) for c in centres],
                )
                for f in figures
            ],
        )
    ]
    for figure, breakdown in dict.fromkeys((r[2], r[3]) for r in rows if r[3]):
        categories = sorted({r[4] for r in rows if (r[2], r[3]) == (figure, breakdown)})
        out.append(
            table(
                f"{LABELS.get(figure, figure)}, {breakdown.replace('_', ' ')}",
                [
                    (
                        cat.replace("_", " "),
                        [by_cell.get((c, figure, breakdown, cat)) for c in centres],
                    )
                    for cat in categories
                ],
            )
        )
    return "".join(out)


def as_html(report: Suppressed, *, generated_at: datetime, time_zone: str) -> str:
    """The printable page: tables, and bars where a breakdown is easier seen than read."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Homeward impact report {report.year}</title>",
        "<style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1d2430}"
        "h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #ccd}"
        "h3{font-size:1rem;margin:1rem 0 .3rem}table{border-collapse:collapse;margin:.3rem 0}"
        "td,th{padding:.15rem .6rem;text-align:left;border-bottom:1px solid #e3e6ea}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}"
        ".muted{color:#667;font-size:.85rem}svg.bars text{font-size:11px}"
        "section{break-inside:avoid}@media print{body{margin:1cm}}</style></head><body>",
        f"<h1>Impact report {report.year}</h1>",
        "<p class='muted'>Counted from events only; generated "
        f"{escape(generated_at.isoformat(timespec='seconds'))}"
        f" ({escape(time_zone)}). Counts from 1 to {report.threshold - 1} read "
        f"&lt;{report.threshold}; 'c' marks a cell hidden so that a small one cannot be worked"
        " out from a total. No personal data is held by this report.</p>",
    ]
    rows = _rows(report)
    for section, title in SECTIONS.items():
        mine = [r for r in rows if r[0] == section]
        if not mine:
            continue
        parts.append(f"<section><h2>{escape(title)}</h2>")
        if section == "centres":
            parts.append(_centre_tables(report, mine))
            parts.append("</section>")
            continue
        groups = list(dict.fromkeys(r[1] for r in mine))
        for group in groups:
            if group:
                parts.append(f"<h3>Centre {escape(group)}</h3>")
            in_group = [r for r in mine if r[1] == group]
            figures = list(dict.fromkeys(r[2] for r in in_group))
            parts.append("<table>")
            charts = []
            for figure in figures:
                fr = [r for r in in_group if r[2] == figure]
                total = next((r[5] for r in fr if not r[3]), None)
                label = escape(LABELS.get(figure, figure.replace("_", " ")))
                if total is not None:
                    parts.append(
                        f"<tr><th>{label}</th><td class='n'>{escape(shown(report, total))}</td>"
                        "</tr>"
                    )
                for breakdown in dict.fromkeys(r[3] for r in fr if r[3]):
                    cells = [r[5] for r in fr if r[3] == breakdown]
                    if breakdown == "value":
                        for p in cells:
                            parts.append(
                                f"<tr><td>&nbsp;&nbsp;value ({escape(p[-1])})</td>"
                                f"<td class='n'>{escape(shown(report, p))}</td></tr>"
                            )
                        continue
                    if len(cells) > 1:
                        charts.append(
                            f"<h3>{label}, {escape(breakdown.replace('_', ' '))}</h3>"
                            + _bars(report, cells)
                        )
                    else:
                        p = cells[0]
                        name = f"{breakdown.replace('_', ' ')}: {p[-1].replace('_', ' ')}"
                        parts.append(
                            f"<tr><td>&nbsp;&nbsp;{escape(name)}</td>"
                            f"<td class='n'>{escape(shown(report, p))}</td></tr>"
                        )
            parts.append("</table>")
            parts.extend(charts)
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)
