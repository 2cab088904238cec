"""A drift report as one self-contained HTML file: charts as inline SVG, thumbnails as
base64 JPEGs, no script and no link to anything outside the file (it opens offline and
can be mailed)."""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.display import counted
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.same_folder import within

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .drift import DriftReport

# How every report LabelDesk writes begins (earlier versions' too): what lets a later run
# replace one without --overwrite, and nothing else.
HEAD = "<!doctype html><html><head><meta charset='utf-8'><title>Drift report</title>"
GALLERY = 48
THUMB = 112
REF_COLOUR, NEW_COLOUR = "#7a8ca3", "#e8590c"
STYLE = f"""
body{{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}}
h1{{font-size:22px}}h2{{font-size:17px;margin-top:28px}}
.verdict{{font-size:16px;padding:10px 14px;border-radius:6px;background:#eef3f8}}
.shift{{background:#fde8de}}.grid{{display:flex;flex-wrap:wrap;gap:8px}}
figure{{margin:0;width:{THUMB}px;font-size:11px;text-align:center;word-break:break-all}}
figure img{{width:{THUMB}px;height:{THUMB}px;object-fit:cover;border-radius:4px}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:3px 8px}}
.key span{{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}}
"""


def _thumb(path: Path) -> str:
    """A small JPEG data URI of the image at ``path`` ('' when it cannot be read)."""
    from PIL import Image

    try:
        with Image.open(path) as opened:
            img = opened.convert("RGB")
        img.thumbnail((THUMB * 2, THUMB * 2))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80)
    except (OSError, ValueError):
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _bars(groups: list[str], ref: np.ndarray, new: np.ndarray, title: str) -> str:
    """Grouped bar chart of two share vectors, as SVG."""
    w, h, pad = 760, 220, 34
    n = max(len(groups), 1)
    top = max(float(np.max(ref, initial=0)), float(np.max(new, initial=0)), 1e-9)
    slot = (w - 2 * pad) / n
    parts = [f'<svg width="{w}" height="{h + 40}" role="img" aria-label="{html.escape(title)}">']
    parts.append(f'<line x1="{pad}" y1="{h}" x2="{w - pad}" y2="{h}" stroke="#999"/>')
    for i, name in enumerate(groups):
        for j, (values, colour) in enumerate(((ref, REF_COLOUR), (new, NEW_COLOUR))):
            bh = (h - 20) * float(values[i]) / top
            x = pad + i * slot + j * slot * 0.42 + slot * 0.08
            parts.append(
                f'<rect x="{x:.1f}" y="{h - bh:.1f}" width="{slot * 0.4:.1f}" '
                f'height="{bh:.1f}" fill="{colour}"><title>{html.escape(name)}: '
                f"{float(values[i]):.1%}</title></rect>"
            )
        if n <= 24:
            parts.append(
                f'<text x="{pad + (i + 0.5) * slot:.1f}" y="{h + 14}" font-size="10" '
                f'text-anchor="middle">{html.escape(name[:12])}</text>'
            )
    parts.append(f'<text x="{pad}" y="12" font-size="11">max {top:.0%}</text></svg>')
    return "".join(parts)


def _scatter(ref: np.ndarray, new: np.ndarray, novelty: np.ndarray) -> str:
    """2-D map: reference points grey, new points orange (bigger when more novel)."""
    w = h = 420
    both = np.concatenate([ref, new]) if len(ref) + len(new) else np.zeros((1, 2))
    lo, hi = both.min(axis=0), both.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)

    def xy(p: np.ndarray) -> tuple[float, float]:
        q = (p - lo) / span
        return 10 + q[0] * (w - 20), h - 10 - q[1] * (h - 20)

    parts = [f'<svg width="{w}" height="{h}" role="img" aria-label="2-D map">']
    parts.append(f'<rect width="{w}" height="{h}" fill="#fafafa" stroke="#ddd"/>')
    for p in ref:
        x, y = xy(p)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{REF_COLOUR}" opacity=".5"/>')
    for p, s in zip(new, novelty, strict=False):
        x, y = xy(p)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{2 + 3 * float(s):.1f}" '
            f'fill="{NEW_COLOUR}" opacity=".75"/>'
        )
    return "".join(parts) + "</svg>"


def render_html(
    report: DriftReport,
    thumbs: Path | None = None,
    project_thumb: Callable[[str], Path] | None = None,
) -> str:
    """The report as HTML. ``thumbs``: the content-addressed thumbnail folder the new
    images' thumbnails were written to; ``project_thumb(path)``: a project image's
    thumbnail (for the copies table). Without them the images are left out."""
    from labeldesk.core.indexed_files import thumbnail_path

    e = html.escape
    out = [HEAD]
    out.append(f"<style>{STYLE}</style></head><body>")
    out.append(f"<h1>Drift report: {e(report.folder)}</h1>")
    css = "verdict shift" if report.shift else "verdict"
    out.append(f"<p class='{css}'>{e(report.summary)}</p>")
    out.append(
        f"<p>{report.images:,} new images against {report.reference:,} labeled project images "
        f"(model {e(report.model)}), {report.created}.{_copies_line(report)}</p>"
    )
    key = (
        f"<p class='key'><span style='background:{REF_COLOUR}'></span>project (labeled)"
        f"<span style='background:{NEW_COLOUR}'></span>new</p>"
    )
    out.append("<h2>Novelty: new images against the project's own spread</h2>" + key)
    bins = np.linspace(0, 1, 21)
    new_scores = np.array(list(_distinct_scores(report)))
    ref_hist = np.histogram(report.reference_novelty, bins)[0] / max(
        len(report.reference_novelty), 1
    )
    new_hist = np.histogram(new_scores, bins)[0] / max(len(new_scores), 1)
    out.append(_bars([f"{b:.2f}" for b in bins[:-1]], ref_hist, new_hist, "novelty histogram"))
    outputs = report.outputs
    if outputs is not None:
        out.append("<h2>Predicted classes</h2>" + key)
        ref_counts = np.array(outputs.reference_counts, float)
        new_counts = np.array(outputs.new_counts, float)
        out.append(
            _bars(
                outputs.classes,
                ref_counts / max(ref_counts.sum(), 1),
                new_counts / max(new_counts.sum(), 1),
                "predicted classes",
            )
        )
        low = outputs.low_confidence_share
        out.append(
            f"<p>Chi-square p = {outputs.p_value:.3g}. "
            + (
                f"{low:.0%} of new images (project: {outputs.reference_low_share:.0%}) are below "
                f"confidence {outputs.threshold:.2f}, where the model was 90% right on its "
                f"{e(outputs.threshold_source)} images.</p>"
                if low is not None and outputs.threshold is not None
                else "The model was never 90% right on its evaluation images.</p>"
            )
        )
    if len(report.map_new):
        out.append("<h2>Map (first two principal axes)</h2>" + key)
        ordered = list(_distinct_scores(report))  # the map's rows: one per content
        out.append(_scatter(report.map_reference, report.map_new, np.array(ordered)))
    out.append(f"<h2>Most novel new images (first {min(GALLERY, len(report.novel))})</h2>")
    out.append("<div class='grid'>")
    for item in report.novel[:GALLERY]:
        digest = report.new_hashes.get(item["path"], "")
        src = _thumb(thumbnail_path(thumbs, digest)) if digest and thumbs else ""
        extra = f"<br>{e(str(item.get('predicted', '')))}" if "predicted" in item else ""
        out.append(
            f"<figure><img src='{src}' alt=''><figcaption>{item['score']:.2f} "
            f"{e(item['path'])}{extra}</figcaption></figure>"
        )
    out.append("</div>")
    if report.duplicates:
        out.append(f"<h2>Copies of project images ({len(report.duplicates)})</h2><table>")
        out.append("<tr><th>new</th><th>project</th><th>kind</th><th>split / label</th></tr>")
        for d in report.duplicates:
            digest = report.new_hashes.get(d["path"], "")
            ours = _thumb(thumbnail_path(thumbs, digest)) if digest and thumbs else ""
            theirs = _project_thumb(project_thumb, d["project_path"])
            out.append(
                f"<tr><td><img src='{ours}' width='64'> {e(d['path'])}</td>"
                f"<td><img src='{theirs}' width='64'> {e(d['project_path'])}</td>"
                f"<td>{e(d['kind'])} ({d['similarity']:.2f})</td>"
                f"<td>{e(str(d['split']))} / {e(str(d['label']))}</td></tr>"
            )
        out.append("</table>")
    if report.unreadable:
        out.append(f"<h2>Unreadable files ({len(report.unreadable)})</h2><ul>")
        out += [f"<li>{e(u['path'])}: {e(u['reason'])}</li>" for u in report.unreadable]
        out.append("</ul>")
    return "".join(out) + "</body></html>"


def _project_thumb(project_thumb: Callable[[str], Path] | None, path: str) -> str:
    if project_thumb is None:
        return ""
    try:
        return _thumb(project_thumb(path))
    except Exception:  # gone since the report: the row stays, without its picture
        return ""


class ReportTargetError(LabelDeskError):
    """The file given for an HTML report cannot be written safely."""


def is_drift_report(path: Path) -> bool:
    """Is ``path`` a file LabelDesk wrote as an HTML drift report (it begins with HEAD)?"""
    try:
        with open(path, "rb") as f:
            return f.read(len(HEAD)) == HEAD.encode("utf-8")
    except OSError:
        return False


def check_html_target(
    target: Path | str, project: Project, *, overwrite: bool, checked: Path | str | None = None
) -> Path:
    """The resolved file to write a report to, or ReportTargetError saying why not: never
    inside the image folder, the project or the folder ``checked`` (a source image, the
    database, a new image the check only reads), never over a
    file that is not an earlier drift report unless ``overwrite``, and its folder must
    exist and be writable (named here, not as a temporary file later)."""
    given = Path(target).expanduser()
    path = given.resolve()  # a link is judged by where it leads
    places = [("image folder", project.root), ("project", project.path)]
    if checked is not None:
        places.append(("folder checked", Path(checked).expanduser()))
    for name, protected in places:
        protected = Path(protected).resolve()
        if within(path, protected):
            raise ReportTargetError(
                f"{path} is inside the {name} ({protected}); write the HTML report to a file "
                "outside the image folder, the project and the folder checked"
            )
    if path.is_dir():
        raise ReportTargetError(f"{path} is a folder; name a file for the HTML report")
    if not path.parent.is_dir():
        raise ReportTargetError(
            f"the folder {path.parent} does not exist; create it or pick another place"
        )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ReportTargetError(f"the folder {path.parent} is not writable")
    exists = path.exists() or given.is_symlink()
    if exists and not overwrite and not is_drift_report(path):
        raise ReportTargetError(
            f"{path} already exists and is not a LabelDesk drift report; pick a new file "
            "name (or pass --overwrite to replace it)"
        )
    return path


def write_html(report: DriftReport, target: Path, project: Project) -> Path:
    """Write the HTML report for ``report`` (made from ``project``) to ``target``."""
    from .cachefiles import remove_stale_temporaries, write_bytes_atomically

    text = render_html(report, project.thumbs_dir, project.thumbnail)
    # The folder is the person's: of its files, only the temporaries of this report that
    # a killed run left go (named for this file, by a process of this computer that is gone)
    remove_stale_temporaries(Path(target).parent, of=Path(target).name)
    write_bytes_atomically(Path(target), text.encode("utf-8"), sweep=False)
    return Path(target)


def _distinct_scores(report: DriftReport) -> list[float]:
    """Novelty of each distinct content of the new folder, in the tests' row order (the
    first file with each content, by path): copies are not drawn twice."""
    by_path = {n["path"]: n["score"] for n in report.novel}
    first: dict[str, float] = {}
    for path, digest in report.new_hashes.items():
        first.setdefault(digest, by_path[path])
    return list(first.values())


def _copies_line(report: DriftReport) -> str:
    """Copies inside the folder and among the labeled images, which the tests count once."""
    parts = []
    if report.copies_within_folder:
        parts.append(
            f"{counted(report.copies_within_folder, 'new file')} "
            f"{_are(report.copies_within_folder)} of another file in the folder: the tests "
            f"compare {report.distinct_images:,} distinct images"
        )
    if report.reference_copies:
        parts.append(
            f"{counted(report.reference_copies, 'labeled image')} "
            f"{_are(report.reference_copies)} of another labeled one and "
            f"{'is' if report.reference_copies == 1 else 'are'} counted once"
        )
    return "".join(f" {p[0].upper()}{p[1:]}." for p in parts)


def _are(n: int) -> str:
    return "is a copy" if n == 1 else "are copies"
