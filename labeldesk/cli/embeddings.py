"""Commands over embeddings: similar, duplicates, outliers (embed: :mod:`.embed`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from labeldesk.cli._base import (
    IMAGE_PATH_HELP,
    PROJECT_HELP,
    Output,
    TerminalProgress,
    image_path,
    non_negative_int,
    open_existing,
    path_arg,
    positive_int,
    print_note,
    similarity,
)
from labeldesk.cli.cluster_text import cluster_line
from labeldesk.cli.gone_files import gone_note
from labeldesk.core.display import counted, format_percent, format_similarity, shown_path
from labeldesk.core.gone_files import FILE_MISSING
from labeldesk.core.vocab import EXCLUDED

SHOWN_GROUPS = 50  # duplicate groups the text output lists by default (--limit)

if TYPE_CHECKING:
    from labeldesk.core.project import Project
    from labeldesk.ml.ray_graph import ClusterGraphReport


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    from labeldesk.ml.near_defaults import DEFAULT_HASH_DISTANCE, DEFAULT_THRESHOLD

    p = add("similar", "images most like one image, nearest first")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument("path", help=IMAGE_PATH_HELP)
    p.add_argument("-k", type=positive_int, default=10, help="how many (default 10)")
    p.set_defaults(handler=cmd_similar)

    p = add("duplicates", "exact and near-duplicate groups, and train/val/test leakage")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "--threshold",
        metavar="COSINE",
        type=similarity,
        default=DEFAULT_THRESHOLD,
        help=f"cosine similarity for near duplicates, -1 to 1 (default {DEFAULT_THRESHOLD})",
    )
    p.add_argument(
        "--hash-distance",
        metavar="BITS",
        type=hash_bits,
        default=DEFAULT_HASH_DISTANCE,
        help="most perceptual-hash bits (0-64) a near duplicate may differ in "
        f"(default {DEFAULT_HASH_DISTANCE}; -1: similarity alone decides)",
    )
    ray = p.add_argument_group("the neighbour search on a Ray cluster (very large projects)")
    ray.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="compute the near-duplicate pass's kNN graph on the cluster at ADDRESS "
        "(HOST:PORT, ray://HOST:10001 or auto, as for embed) into this project's cache; "
        "the groups are then found here from it. Nodes read the embeddings from the same "
        "path when they see this project's folder (shared storage), else they are sent",
    )
    ray.add_argument(
        "--workers",
        metavar="N",
        type=positive_int,
        help="search workers (default: one per node, with all its CPUs)",
    )
    p.add_argument(
        "--limit",
        metavar="N",
        type=non_negative_int,
        default=SHOWN_GROUPS,
        help=f"groups the text lists, leaking ones first (default {SHOWN_GROUPS}; 0: all; "
        "--json always has every group)",
    )
    p.set_defaults(handler=cmd_duplicates)

    p = add("outliers", "images least like any other (junk, rare classes), most unusual first")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument("-n", type=non_negative_int, default=20, help="how many (default 20; 0 for all)")
    p.set_defaults(handler=cmd_outliers)


def cmd_similar(args: argparse.Namespace) -> Output:
    from labeldesk import api

    with open_existing(args.project) as project:
        asked = image_path(project, args.path)
        rows = api.records(api.similar(project, asked, k=args.k))
        gone = gone_note(project, asked, [r["path"] for r in rows])
    if gone is not None:  # (stored vectors outlive their files until a scan)
        print_note(gone, args.project)
    head = f"{counted(len(rows), 'image')} most like {shown_path(args.path)}, nearest first: "
    head += "similarity, path, [label]"
    lines = (
        f"{format_similarity(r['score']):>5}  {shown_path(r['path'])}  "
        f"[{r['label'] or 'unlabeled'}]" + (f"  ({FILE_MISSING})" if r["file_missing"] else "")
        for r in rows
    )
    return Output(rows, "\n".join([head, *lines]) if rows else "no other embedded images")


def hash_bits(value: str) -> int:
    """--hash-distance: bits of 64, or -1 (similarity alone decides)."""
    if value.strip() == "-1":
        return -1
    bits = non_negative_int(value)
    if bits > 64:
        raise argparse.ArgumentTypeError(f"{value!r} is more than the 64 bits of a hash")
    return bits


def cmd_duplicates(args: argparse.Namespace) -> Output:
    from labeldesk.ml.duplicates import find_duplicates

    cluster = None
    with open_existing(args.project) as project:
        distance = None if args.hash_distance < 0 else args.hash_distance
        if args.ray:
            cluster = _graph_on_ray(args, project)
        groups = find_duplicates(project, threshold=args.threshold, max_hash_distance=distance)
        missing = _note_unembedded(
            project,
            args.project,
            lambda one: ": checked for identical files only, not for near duplicates",
        )
    leaking = [g for g in groups if g.leaks]
    data = {
        "threshold": args.threshold,
        "hash_distance": args.hash_distance,
        "groups": [g.to_json() for g in groups],
        "exact_groups": sum(g.kind == "exact" for g in groups),
        "near_groups": sum(g.kind == "near" for g in groups),
        "leakage": [g.to_json() for g in leaking],
        "not_embedded": missing,
    }
    still = [g for g in groups if not g.resolved]  # Statistics counts these
    data["resolved_groups"] = len(groups) - len(still)
    data["open_exact_groups"] = sum(g.kind == "exact" for g in still)
    data["open_near_groups"] = sum(g.kind == "near" for g in still)
    lines = [
        f"{len(groups)} duplicate groups ({data['exact_groups']} exact, "
        f"{data['near_groups']} near, threshold {args.threshold})"
        + _resolved_text(data)
        + f"; {len(leaking)} span more than one split"
    ]
    if cluster is not None:
        data["cluster"] = cluster.to_json()
        lines.insert(0, cluster_line(cluster))
    shown = groups if args.limit == 0 else groups[: args.limit]
    for g in shown:
        flags = ("  LEAK" if g.leaks else "") + ("  labels differ" if g.conflicting_labels else "")
        flags += "  resolved (the rest excluded)" if g.resolved else ""
        alike = f"{g.kind} ({format_similarity(g.similarity)} alike)"
        lines.append(f"group {g.number} · {alike}{flags}")
        statuses = g.to_json()["statuses"]
        lines += [
            f"  {shown_path(p)}  [{s or 'no split'} / {lab or 'unlabeled'}]"
            + ("  excluded" if st == EXCLUDED else "")
            for p, s, lab, st in zip(g.paths, g.splits, g.labels, statuses, strict=True)
        ]
    if len(shown) < len(groups):
        lines.append(
            f"… and {counted(len(groups) - len(shown), 'more group')} "
            "(--limit 0 lists every group; --json has them all)"
        )
    return Output(data, "\n".join(lines))


def _note_unembedded(project: Project, shown_as: str, what_then: Callable[[bool], str]) -> int:
    """How many usable images have no embedding yet; when some, a note on stderr that
    says so, what that leaves out (``what_then(one)``, ``one``: a single image) and the
    command that embeds them."""
    from labeldesk.ml.store import unembedded

    missing = unembedded(project)
    if missing:
        one = missing == 1
        print_note(
            f"{counted(missing, 'image')} {'has' if one else 'have'} no embedding yet"
            f"{what_then(one)}; run `labeldesk embed {project.path}`",
            shown_as,
        )
    return missing


def _resolved_text(data: dict[str, Any]) -> str:
    """ ", 1 resolved (…): 13 exact and 32 near still open", the counts the app's
    Statistics shows; "" while none is resolved (then every group is open)."""
    resolved = data["resolved_groups"]
    if not resolved:
        return ""
    return (
        f", {resolved:,} resolved (copies excluded): "
        f"{data['open_exact_groups']:,} exact and {data['open_near_groups']:,} near still open"
    )


def _graph_on_ray(args: argparse.Namespace, project: Project) -> ClusterGraphReport:
    from labeldesk.ml.errors import NoEmbeddings
    from labeldesk.ml.ray_graph import graph_on_ray

    with TerminalProgress() as progress:
        try:
            return graph_on_ray(project, address=args.ray, workers=args.workers, progress=progress)
        except NoEmbeddings as exc:  # exact groups need no embeddings; near ones cannot be
            from labeldesk.ml.ray_graph import ClusterGraphReport

            report = ClusterGraphReport(args.ray, mode="none")
            report.note = str(exc)
            return report


def cmd_outliers(args: argparse.Namespace) -> Output:
    from labeldesk import api

    with open_existing(args.project) as project:
        rows = api.records(api.outliers(project, args.n))
        # (images added since embed: often the odd ones)
        _note_unembedded(
            project, args.project, lambda one: f" and {'is' if one else 'are'} not ranked"
        )
    # what the list is, as `similar`, `issues` and `queue` say (it began with its first row)
    head = f"{counted(len(rows), 'image')} least like any other, most unusual first: how "
    head += "unlike its nearest neighbours, path, [label]"
    return Output(
        rows,
        "\n".join(
            [head]
            + [
                f"{format_percent(min(1.0, r['score'])):>5} unlike its neighbours  "
                f"{shown_path(r['path'])}  "
                f"[{r['label'] or 'unlabeled'}]"
                for r in rows
            ]
        ),
    )
