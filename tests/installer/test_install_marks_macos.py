"""install.sh on macOS (run here with a `uname` that says Darwin) after its data folder,
manifest included, was deleted by hand. The bundle's .icns has no place for the installer's
mark; inside a bundle whose Info.plist carries the mark, an .icns that is exactly what the
installer writes is its own. Before, it was left as "not LabelDesk's" by a reinstall, so
that the reinstall's --uninstall left it and the app folder it was in."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .standin import FAKE_PYTHON, REPO, install, linux_only, run, stand_in, stops

pytestmark = linux_only

# The stand-in Python, as on a Mac: its venv has the .icns, and it does the os.replace
# that install.sh asks of Python there (older macOS mv has no -h).
MAC_PYTHON = FAKE_PYTHON.replace(
    'cp "$res"/labeldesk.svg ', 'cp "$res"/labeldesk.svg "$res"/labeldesk.icns '
).replace(
    "#!/bin/bash\n",
    "#!/bin/bash\n"
    f'if [[ "$1" == -c && "$2" == *os.replace* ]]; then exec {sys.executable} "$@"; fi\n',
)
ICNS = REPO / "resources/labeldesk.icns"
DATA = "Library/Application Support"  # the installer's data folder is DATA/LabelDesk
MARK = "X-LabelDesk-Installer=install.sh"


def _mac(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in(bin_dir / "uname", "#!/bin/sh\necho Darwin\n")
    assert "labeldesk.icns" in MAC_PYTHON and "os.replace" in MAC_PYTHON
    python = stand_in(tmp_path / "macpy", MAC_PYTHON)
    return tmp_path / "home", python, {"PATH": f"{bin_dir}:/usr/bin:/bin"}


def test_a_reinstall_takes_back_the_icns_of_its_own_bundle(tmp_path):
    home, python, env = _mac(tmp_path)
    app = home / "Applications/LabelDesk.app"
    data = home / DATA
    install(home, python, **env)
    icns = app / "Contents/Resources/labeldesk.icns"
    assert icns.read_bytes() == ICNS.read_bytes()
    shutil.rmtree(data / "LabelDesk")
    gone = stops(home, "--uninstall", **env).stderr
    marked = gone[gone.index("made by LabelDesk's installer but listed in no manifest") :]
    assert f"\n    {icns}\n" in marked and "without LabelDesk's installer mark" not in gone
    said = install(home, python, **env)
    notes = [line for line in said.splitlines() if "not LabelDesk's" in line or "left as" in line]
    link = home / ".local/bin/labeldesk"  # (no manifest lists it: left, see test_install_link)
    assert notes == [f"  note: {link} exists and is not LabelDesk's; left as it is"], said
    run(home, "--uninstall", script=data / "LabelDesk/install.sh", **env)
    assert not app.exists()  # the whole bundle, folders included


def test_an_icns_in_a_bundle_without_the_mark_stays(tmp_path):
    """A LabelDesk.app of one's own (Info.plist without the mark) with LabelDesk's icon: the
    install leaves both, and its --uninstall too."""
    home, python, env = _mac(tmp_path)
    app = home / "Applications/LabelDesk.app"
    icns = app / "Contents/Resources/labeldesk.icns"
    plist = app / "Contents/Info.plist"
    icns.parent.mkdir(parents=True)
    shutil.copyfile(ICNS, icns)
    plist.write_text("<plist><dict/></plist>\n")
    said = install(home, python, **env)
    assert f"note: {icns} exists and is not LabelDesk's; left as it is" in said
    run(home, "--uninstall", script=home / DATA / "LabelDesk/install.sh", **env)
    assert icns.read_bytes() == ICNS.read_bytes() and plist.exists()


def test_applications_made_by_the_installer_goes_with_it_even_without_the_manifest(tmp_path):
    """~/Applications, made by the installer (a Mac has none at first), is removed by
    --uninstall when empty. Its manifest line went with a data folder deleted by hand:
    before, the reinstall that took the bundle back did not list it, and it stayed."""
    home, python, env = _mac(tmp_path)
    home.mkdir()
    install(home, python, **env)
    plist = home / "Applications/LabelDesk.app/Contents/Info.plist"
    assert f"<!-- {MARK} (it made ~/Applications) -->" in plist.read_text()
    shutil.rmtree(home / DATA / "LabelDesk")
    install(home, python, **env)
    run(home, "--uninstall", script=home / DATA / "LabelDesk/install.sh", **env)
    assert not (home / "Applications").exists()


def test_applications_that_was_there_before_stays_even_empty(tmp_path):
    home, python, env = _mac(tmp_path)
    (home / "Applications").mkdir(parents=True)
    install(home, python, **env)
    plist = home / "Applications/LabelDesk.app/Contents/Info.plist"
    assert "made ~/Applications" not in plist.read_text()
    shutil.rmtree(home / DATA / "LabelDesk")
    install(home, python, **env)  # without the manifest, too
    run(home, "--uninstall", script=home / DATA / "LabelDesk/install.sh", **env)
    assert (home / "Applications").is_dir() and not any((home / "Applications").iterdir())


def test_applications_made_by_the_installer_stays_while_an_app_of_yours_is_in_it(tmp_path):
    """A folder the installer made is removed only when empty: an app of one's own put in
    ~/Applications since keeps it."""
    home, python, env = _mac(tmp_path)
    home.mkdir()
    install(home, python, **env)
    mine = home / "Applications/Mine.app"
    mine.mkdir()
    run(home, "--uninstall", script=home / DATA / "LabelDesk/install.sh", **env)
    assert mine.is_dir() and not (home / "Applications/LabelDesk.app").exists()
