"""Persistent user preferences (QSettings): recent projects, theme, window layout, review,
and each recent project's place in the browser and last export (folder, format, options).

Every read goes through this module so keys are spelled once and tests can redirect
the storage with :func:`QSettings.setPath` for the INI format used here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from labeldesk.browse.review_session import QUEUE_REFRESH_EVERY

ORGANIZATION = "LabelDesk"
APPLICATION = "LabelDesk"
MAX_RECENT = 10

RECENT_KEY = "projects/recent"
THEME_KEY = "view/theme"
QUEUE_REFRESH_KEY = "review/queue_refresh_every"
EMBED_NEW_KEY = "projects/embed_new"
QUEUE_REFRESH_RANGE = (1, 1000)  # labels between two refreshes of the labeling queue
PLACES_GROUP = "project_places"  # one subgroup per recent project: its browser place
# one subgroup per recent project: its last export's folder, format and options
EXPORTS_GROUP = "project_exports"


def settings() -> QSettings:
    """The app's settings store (INI everywhere, so a user can read and reset it)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def _as_list(value: object) -> list[str]:
    # INI storage gives back a plain string for a one-element list, and None when unset.
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]  # type: ignore[attr-defined]


def recent_projects(*, existing_only: bool = True) -> list[Path]:
    """Recently opened project folders, newest first."""
    paths = [Path(p) for p in _as_list(settings().value(RECENT_KEY))]
    return [p for p in paths if p.is_dir()] if existing_only else paths


def add_recent_project(path: Path) -> None:
    path = Path(path).resolve()
    paths = [p for p in recent_projects(existing_only=False) if p != path]
    settings().setValue(RECENT_KEY, [str(p) for p in [path, *paths][:MAX_RECENT]])


def remove_recent_project(path: Path) -> None:
    path = Path(path).resolve()
    kept = [str(p) for p in recent_projects(existing_only=False) if p != path]
    settings().setValue(RECENT_KEY, kept)


def last_project() -> Path | None:
    """The most recently opened project if its folder still exists."""
    recent = recent_projects()
    return recent[0] if recent else None


def _place_group(project: Path, top: str = PLACES_GROUP) -> tuple[str, str]:
    """The settings group of ``project``'s place (a hash: a path is no INI key) and its
    resolved path, kept in the group so a person reading the file sees whose it is."""
    path = str(Path(project).resolve())
    return f"{top}/{hashlib.sha1(path.encode()).hexdigest()[:16]}", path


def _forget_others(store: QSettings, top: str, group: str) -> None:
    """Drop ``top``'s subgroups but ``group`` and the recent projects' (a small file)."""
    kept = {_place_group(p, top)[0] for p in recent_projects(existing_only=False)} | {group}
    store.beginGroup(top)
    for name in store.childGroups():
        if f"{top}/{name}" not in kept:
            store.remove(name)
    store.endGroup()


def project_place(project: Path) -> dict[str, str]:
    """What :func:`save_project_place` kept for ``project`` ({} if nothing)."""
    group, path = _place_group(project)
    store = settings()
    store.beginGroup(group)
    values = {key: str(store.value(key)) for key in store.childKeys()}
    store.endGroup()
    return values if values.pop("path", None) == path else {}


def save_project_place(project: Path, values: Mapping[str, str]) -> None:
    """Keep ``values`` (the browser's current image, filter, sort) for ``project``, in
    place of what was kept; only recent projects keep theirs, so the file stays small."""
    group, path = _place_group(project)
    store = settings()
    store.remove(group)
    store.beginGroup(group)
    store.setValue("path", path)
    for key, value in values.items():
        store.setValue(key, value)
    store.endGroup()
    _forget_others(store, PLACES_GROUP, group)


def last_export_folder(project: Path) -> Path | None:
    """The folder ``project`` was last exported into from the app (None if never)."""
    group, path = _place_group(project, EXPORTS_GROUP)
    store = settings()
    if store.value(f"{group}/path") != path:
        return None
    folder = store.value(f"{group}/folder")
    return Path(str(folder)) if folder else None


def last_export_choices(project: Path) -> dict[str, str]:
    """The format and options ``project`` was last exported with from the app ({} if
    never): "format", and the export form's choices by name (see
    :func:`save_last_export_folder`)."""
    group, path = _place_group(project, EXPORTS_GROUP)
    store = settings()
    if store.value(f"{group}/path") != path:
        return {}
    store.beginGroup(f"{group}/choices")
    values = {key: str(store.value(key)) for key in store.childKeys()}
    store.endGroup()
    return values


def save_last_export_folder(
    project: Path, folder: Path, choices: Mapping[str, str] | None = None
) -> None:
    """Keep ``folder`` as where ``project``'s next export from the app starts and, given,
    its ``choices`` (the format and options) as what the form starts with."""
    group, path = _place_group(project, EXPORTS_GROUP)
    store = settings()
    store.setValue(f"{group}/path", path)
    store.setValue(f"{group}/folder", str(Path(folder).resolve()))
    if choices is not None:
        store.remove(f"{group}/choices")
        for key, value in choices.items():
            store.setValue(f"{group}/choices/{key}", value)
    _forget_others(store, EXPORTS_GROUP, group)


def theme() -> str:
    value = settings().value(THEME_KEY, "light")
    return "dark" if value == "dark" else "light"


def theme_chosen() -> bool:
    """Whether the user has picked a theme (View → Dark theme); until then the app
    follows the desktop's."""
    return settings().value(THEME_KEY) in ("dark", "light")


def set_theme(name: str) -> None:
    settings().setValue(THEME_KEY, name)


def queue_refresh_every() -> int:
    """Labels between two background refreshes of the labeling queue (each refits the
    model on the current labels)."""
    stored = settings().value(QUEUE_REFRESH_KEY, QUEUE_REFRESH_EVERY)
    try:
        value = int(str(stored))  # INI storage gives back a string
    except ValueError:  # a hand-edited file
        return QUEUE_REFRESH_EVERY
    low, high = QUEUE_REFRESH_RANGE
    return min(max(value, low), high)


def set_queue_refresh_every(labels: int) -> None:
    low, high = QUEUE_REFRESH_RANGE
    settings().setValue(QUEUE_REFRESH_KEY, min(max(int(labels), low), high))


def embed_new_projects() -> bool:
    """Whether a project created in the app computes its embeddings right after indexing."""
    return str(settings().value(EMBED_NEW_KEY, "true")).lower() != "false"


def set_embed_new_projects(enabled: bool) -> None:
    settings().setValue(EMBED_NEW_KEY, "true" if enabled else "false")


def save_bytes(key: str, data: QByteArray) -> None:
    settings().setValue(key, data)


def load_bytes(key: str) -> QByteArray | None:
    value = settings().value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None
