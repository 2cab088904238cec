"""What install.sh takes for its own outside its data folder: a file its manifest lists, or,
with the manifest gone (the data folder deleted by hand), one that carries the mark it
writes into every file it places there and is exactly what it writes. Before, any file of
the same bytes was taken: a copy of LabelDesk's icons or metainfo that the user had put
there was listed by the next install and deleted by --uninstall."""

from __future__ import annotations

import shutil
import subprocess
import zlib
from pathlib import Path

from PIL import Image

from .standin import DESKTOP, REPO, install, linux_only, stops, uninstall

pytestmark = linux_only

MARK = "X-LabelDesk-Installer=install.sh"
MADE = ".labeldesk-installer-made"  # in each folder it made


def _placed(data: Path) -> list[Path]:
    """The files it placed outside its data folder (not the note in each folder it made)."""
    return sorted(
        p for p in data.rglob("*") if p.is_file() and "labeldesk/" not in str(p) and p.name != MADE
    )


def test_copies_of_its_icons_and_metainfo_of_the_users_own_stay(tmp_path, fake_python):
    """The same bytes as the package's icon and metainfo, put there by hand (a checkout run
    with an entry of one's own): the install leaves them, and --uninstall keeps them."""
    home = tmp_path / "home"
    data = home / ".local/share"
    res = REPO / "resources"
    metainfo = "org.labeldesk.LabelDesk.metainfo.xml"
    own = {
        data / "icons/hicolor/48x48/apps/labeldesk.png": res / "icons/labeldesk-48.png",
        data / "icons/hicolor/scalable/apps/labeldesk.svg": res / "labeldesk.svg",
        data / "metainfo" / metainfo: res / metainfo,
    }
    for path, source in own.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
    said = install(home, fake_python)
    for path in own:
        assert f"note: {path} exists and is not LabelDesk's; left as it is" in said
    uninstall(home)
    for path, source in own.items():
        assert path.read_bytes() == source.read_bytes(), path
    assert not (data / "applications" / DESKTOP).exists()  # what it did write is gone
    assert not (data / "icons/hicolor/64x64/apps/labeldesk.png").exists()


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        crc = int.from_bytes(data[at + 8 + length : at + 12 + length], "big")
        assert zlib.crc32(kind + body) == crc, kind
        chunks.append((kind, body))
        at += 12 + length
    return chunks


def test_every_file_it_places_carries_the_mark_and_is_still_valid(tmp_path, fake_python):
    home = tmp_path / "home"
    data = home / ".local/share"
    install(home, fake_python)
    placed = _placed(data)
    assert len(placed) == 11  # the entry, 9 icons, the metainfo
    for path in placed:
        assert MARK.encode() in path.read_bytes(), path
    for png in (p for p in placed if p.suffix == ".png"):
        chunks = _png_chunks(png.read_bytes())
        assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
        assert (b"tEXt", b"Comment\0" + MARK.encode()) in chunks
        size = int(png.parent.parent.name.split("x")[0])
        with Image.open(png) as image:
            image.load()
            assert image.size == (size, size)
    entry = data / "applications" / DESKTOP
    assert entry.read_text().splitlines()[:2] == ["[Desktop Entry]", MARK]
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True)
        assert check.returncode == 0 and not check.stdout + check.stderr
    if shutil.which("appstreamcli"):
        metainfo = data / "metainfo/org.labeldesk.LabelDesk.metainfo.xml"
        check = subprocess.run(["appstreamcli", "validate", "--no-net", str(metainfo)],
                               capture_output=True, text=True)  # fmt: skip
        assert check.returncode == 0, check.stdout + check.stderr


def test_a_data_folder_deleted_by_hand_leaves_nothing_after_a_reinstall(tmp_path, fake_python):
    """`rm -rf ~/.local/share/labeldesk` took the manifest: --uninstall removes nothing and
    names all eleven files it left (before: the entry only); installing again takes them
    back (marked, and exactly what it writes), so that its --uninstall removes them. The
    command link has no room for a mark: no manifest lists it, so it is named and left
    (a link of the user's own to the same place is the same)."""
    home = tmp_path / "home"
    data = home / ".local/share"
    install(home, fake_python)
    placed = _placed(data)
    shutil.rmtree(data / "labeldesk")
    gone = stops(home, "--uninstall").stderr
    assert "nothing was removed" in gone
    marked = gone[gone.index("made by LabelDesk's installer but listed in no manifest") :]
    link = marked.index("the command link, which points into LabelDesk's")
    for path in placed:
        assert f"\n    {path}\n" in marked[:link], path
    assert f"\n    {home / '.local/bin/labeldesk'}\n" in marked[link:]
    assert "install again" in gone and "so no run removes it" in gone
    assert all(p.exists() for p in placed)
    said = install(home, fake_python)
    link = home / ".local/bin/labeldesk"
    notes = [line for line in said.splitlines() if "not LabelDesk's" in line or "left as" in line]
    assert notes == [f"  note: {link} exists and is not LabelDesk's; left as it is"]
    said = uninstall(home)
    assert [p for p in placed if p.exists()] == []
    assert f"kept {link}: no manifest line says LabelDesk made it" in said and link.is_symlink()


def test_uninstall_without_a_manifest_names_unmarked_files_as_not_its_own(tmp_path):
    home = tmp_path / "home"
    icon = home / ".local/share/icons/hicolor/48x48/apps/labeldesk.png"
    icon.parent.mkdir(parents=True)
    shutil.copyfile(REPO / "resources/icons/labeldesk-48.png", icon)
    gone = stops(home, "--uninstall").stderr
    assert "without LabelDesk's installer mark (yours, or an older installer's)" in gone
    assert f"\n    {icon}\n" in gone and "made by LabelDesk's installer" not in gone
    assert icon.read_bytes() == (REPO / "resources/icons/labeldesk-48.png").read_bytes()


def test_a_marked_entry_edited_after_the_data_folder_went_is_not_taken(tmp_path, fake_python):
    home = tmp_path / "home"
    entry = home / ".local/share/applications" / DESKTOP
    install(home, fake_python)
    shutil.rmtree(home / ".local/share/labeldesk")
    entry.write_text(entry.read_text().replace("Name=LabelDesk", "Name=LabelDesk (mine)"))
    said = install(home, fake_python)
    assert f"note: {entry} is not what this installer writes" in said
    uninstall(home)
    assert "LabelDesk (mine)" in entry.read_text()
