"""The folders the Export dialog's *Open folder* asks the desktop to open, recorded
instead of opened."""

from __future__ import annotations

from labeldesk.gui import export_dialog


def record_opened_folders(monkeypatch) -> list[str]:
    """From now on the Export dialog's QDesktopServices.openUrl appends the folder to the
    list returned (and opens nothing)."""
    opened: list[str] = []

    class Desktop:
        @staticmethod
        def openUrl(url) -> bool:
            opened.append(url.toLocalFile())
            return True

    monkeypatch.setattr(export_dialog, "QDesktopServices", Desktop)
    return opened
