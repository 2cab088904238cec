"""First-run checks of ``labeldesk gui``: a missing display or a missing xcb library gets a
message naming what to install, before Qt (which would abort) is imported."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labeldesk.cli import first_run
from labeldesk.cli.first_run import install_commands, missing_libraries, problems

X11 = {"DISPLAY": ":0"}


@pytest.fixture(scope="module")
def broken_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real shared library linked against ``libldfoo.so.1``, which is then deleted: what
    a Qt plugin looks like on a system that lacks one of its libraries."""
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc to build a shared library")
    d = tmp_path_factory.mktemp("plugin")
    (d / "foo.c").write_text("int foo(void) { return 1; }\n")
    (d / "bar.c").write_text("extern int foo(void);\nint bar(void) { return foo(); }\n")
    gcc = ["gcc", "-shared", "-fPIC"]
    subprocess.run(
        [*gcc, "-o", "libldfoo.so.1", "-Wl,-soname,libldfoo.so.1", "foo.c"], cwd=d, check=True
    )
    os.symlink("libldfoo.so.1", d / "libldfoo.so")
    subprocess.run([*gcc, "-o", "libqxcb.so", "bar.c", "-L.", "-lldfoo"], cwd=d, check=True)
    (d / "libldfoo.so").unlink()
    (d / "libldfoo.so.1").unlink()
    return d / "libqxcb.so"


def test_known_libraries_map_to_debian_and_fedora_packages() -> None:
    lines = install_commands(["libxcb-cursor.so.0", "libxkbcommon-x11.so.0", "libxcb-xkb.so.1"])
    assert lines[0] == (
        "  Debian/Ubuntu: sudo apt install libxcb-cursor0 libxcb-xkb1 libxkbcommon-x11-0"
    )
    assert lines[1] == "  Fedora:        sudo dnf install libxcb libxkbcommon-x11 xcb-util-cursor"


def test_an_unknown_library_gets_a_way_to_find_its_package() -> None:
    lines = install_commands(["libweird.so.3"])
    assert len(lines) == 1
    assert "apt-file search libweird.so.3" in lines[0]
    assert "dnf provides '*/libweird.so.3'" in lines[0]


def test_ldd_names_every_missing_library(tmp_path: Path) -> None:
    fake = tmp_path / "ldd"
    fake.write_text(
        "#!/bin/sh\n"
        "printf '\\tlinux-vdso.so.1 (0x0)\\n'\n"
        "printf '\\tlibxcb-cursor.so.0 => not found\\n'\n"
        "printf '\\tlibQt6Gui.so.6 => /x/libQt6Gui.so.6 (0x1)\\n'\n"
        "printf '\\tlibxcb-icccm.so.4 => not found\\n'\n"
        "printf '\\tlibxcb-cursor.so.0 => not found\\n'\n"
    )
    fake.chmod(0o755)
    assert missing_libraries(tmp_path / "libqxcb.so", ldd=str(fake)) == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
    ]


def test_a_real_library_with_a_missing_dependency(broken_plugin: Path) -> None:
    if shutil.which("ldd") is None:
        pytest.skip("no ldd here")
    assert missing_libraries(broken_plugin) == ["libldfoo.so.1"]
    # Without ldd the library is loaded, and the loader's error names the first one.
    assert missing_libraries(broken_plugin, ldd="") == ["libldfoo.so.1"]


def test_the_installed_xcb_plugin_is_found_without_importing_qt() -> None:
    code = (
        "import sys; from labeldesk.cli.first_run import xcb_plugin; p = xcb_plugin(); "
        "print(p is not None and p.name, 'PySide6' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["libqxcb.so", "False"]


def test_no_display_is_reported_and_nothing_else_is_probed() -> None:
    def finder() -> Path:
        raise AssertionError("the plugin is not probed without a display")

    found = problems(env={}, platform="linux", plugin_finder=finder)
    assert len(found) == 1
    assert "neither DISPLAY nor WAYLAND_DISPLAY" in found[0]


def test_missing_xcb_libraries_are_reported_with_the_command(broken_plugin: Path) -> None:
    found = problems(env=X11, platform="linux", plugin_finder=lambda: broken_plugin)
    assert len(found) == 1
    assert "missing: libldfoo.so.1" in found[0]
    assert "apt-file search libldfoo.so.1" in found[0]


@pytest.mark.parametrize(
    "env, platform",
    [
        ({}, "darwin"),
        ({}, "win32"),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
        ({**X11, "LABELDESK_SKIP_CHECKS": "1"}, "linux"),
        ({**X11, "QT_QPA_PLATFORM": "wayland"}, "linux"),
        ({**X11, "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux"),
    ],
)
def test_where_xcb_is_not_used_nothing_is_reported(
    broken_plugin: Path, env: dict[str, str], platform: str
) -> None:
    assert problems(env=env, platform=platform, plugin_finder=lambda: broken_plugin) == []


def test_xcb_asked_for_in_a_wayland_session_is_checked(broken_plugin: Path) -> None:
    env = {**X11, "WAYLAND_DISPLAY": "w", "XDG_SESSION_TYPE": "wayland", "QT_QPA_PLATFORM": "xcb"}
    assert first_run.uses_xcb(env)
    assert problems(env=env, platform="linux", plugin_finder=lambda: broken_plugin) != []


def test_gui_stops_before_importing_qt_and_says_why() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    code = (
        "import sys; from labeldesk.cli import main; rc = main(['gui']); "
        "print(rc, 'PySide6' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == ["1", "False"]
    assert "no display is set" in out.stderr


def test_smoke_with_json_says_why_the_app_cannot_start_in_one_document() -> None:
    """An installation check with `gui --smoke --json` where there is no display: one
    error document on stdout (the reason on stderr too), exit 1, Qt never loaded."""
    import json

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    code = (
        "import sys; from labeldesk.cli import main; rc = main(['gui', '--smoke', '--json']); "
        "print(rc, 'PySide6' in sys.modules, file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    error = json.loads(out.stdout)
    assert error["kind"] == "AppCannotStart" and "no display is set" in error["error"]
    assert out.stderr.split()[-2:] == ["1", "False"] and "error: " in out.stderr


def test_qt_libraries_that_ship_with_pyside_are_not_reported(tmp_path: Path) -> None:
    """In a bundle ldd may miss Qt's own libraries (moved next to the executable); only the
    system's are the user's to install."""
    plugin = tmp_path / "PySide6/Qt/plugins/platforms/libqxcb.so"
    plugin.parent.mkdir(parents=True)
    plugin.write_bytes(b"")
    (tmp_path / "PySide6/Qt/lib").mkdir()
    (tmp_path / "PySide6/Qt/lib/libQt6XcbQpa.so.6").write_bytes(b"")
    fake = tmp_path / "ldd"
    fake.write_text(
        "#!/bin/sh\n"
        "printf '\\tlibQt6XcbQpa.so.6 => not found\\n'\n"
        "printf '\\tlibxcb-cursor.so.0 => not found\\n'\n"
    )
    fake.chmod(0o755)
    found = problems(env=X11, platform="linux", plugin_finder=lambda: plugin, ldd=str(fake))
    assert len(found) == 1
    assert "missing: libxcb-cursor.so.0." in found[0]
    assert "libQt6XcbQpa" not in found[0]


def test_a_display_no_x_server_answers_is_reported(tmp_path: Path) -> None:
    """A stale DISPLAY passed the old check (only "is it set?") and Qt then aborted."""
    found = first_run.x_display_problem(":7", x11_dir=tmp_path)
    assert found is not None
    assert f"cannot connect to display :7 (no X server listens on {tmp_path / 'X7'})" in found
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(tmp_path / "X7"))
        server.listen(1)
        assert first_run.x_display_problem(":7.0", x11_dir=tmp_path) is None
        assert first_run.x_display_problem("unix:7", x11_dir=tmp_path) is None
    (tmp_path / "X7").unlink()  # a socket file left by an X server that died
    (tmp_path / "X7").write_bytes(b"")
    assert first_run.x_display_problem(":7", x11_dir=tmp_path) is not None


def test_a_tcp_display_is_reached_by_its_port() -> None:
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        display = f"127.0.0.1:{port - 6000}.0"
        assert first_run.x_display_problem(display) is None
    found = first_run.x_display_problem(display, timeout=2)
    assert found is not None and f"127.0.0.1 port {port}" in found


def test_an_unreachable_display_stops_the_gui_when_xcb_is_used() -> None:
    seen: list[str] = []

    def unreachable(display: str) -> str:
        seen.append(display)
        return f"cannot connect to display {display}"

    env = {"DISPLAY": ":99"}
    found = problems(env=env, platform="linux", plugin_finder=lambda: None, x_display=unreachable)
    assert found == ["cannot connect to display :99"] and seen == [":99"]
    wayland = {"DISPLAY": ":99", "WAYLAND_DISPLAY": "w", "XDG_SESSION_TYPE": "wayland"}
    assert problems(env=wayland, platform="linux", x_display=unreachable) == []  # not xcb


@pytest.mark.parametrize("requested", ["offscreen;xcb", "xcb;offscreen", "minimal:opt;xcb"])
def test_a_headless_platform_anywhere_in_the_list_needs_no_display(requested: str) -> None:
    env = {"QT_QPA_PLATFORM": requested}
    assert problems(env=env, platform="linux", x_display=lambda d: "unreachable") == []


def test_xcb_asked_for_without_display_is_reported() -> None:
    env = {"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}
    found = problems(env=env, platform="linux", plugin_finder=lambda: None)
    assert len(found) == 1 and "QT_QPA_PLATFORM=xcb) but DISPLAY is not set" in found[0]


def test_gui_with_a_stale_display_stops_before_qt_and_says_why() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = ":987"  # no X server there
    if problems(env=env, platform=sys.platform, x_display=lambda d: None):
        pytest.skip("Qt's xcb plugin lacks system libraries here (reported first)")
    code = (
        "import sys; from labeldesk.cli import main; rc = main(['gui']); "
        "print(rc, 'PySide6' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.stdout.split() == ["1", "False"], out.stderr[-2000:]
    assert "cannot connect to display :987" in out.stderr


def fake_notify_send(folder: Path) -> Path:
    """A ``notify-send`` on PATH that writes its arguments, one a line, to ``folder/said``."""
    folder.mkdir()
    script = folder / "notify-send"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{folder}/said"\n')
    script.chmod(0o755)
    return folder / "said"


@pytest.mark.skipif(sys.platform != "linux", reason="the checks run on Linux only")
def test_started_from_the_menu_the_reason_is_a_desktop_notification(tmp_path: Path) -> None:
    """The menu entry starts ``labeldesk gui`` with no terminal: the reason it could not
    start went to a stderr nobody reads, and the click did nothing visible."""
    said = fake_notify_send(tmp_path / "bin")
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = ":987"  # no X server there (or, first, missing xcb libraries)
    env["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    code = "import sys; from labeldesk.cli import main; sys.exit(main(['gui']))"
    out = subprocess.run(  # no terminal on any stream, as for a menu entry
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 1
    lines = said.read_text().splitlines()
    assert lines[:3] == ["--app-name=LabelDesk", "--icon=labeldesk", "LabelDesk cannot start"]
    assert "\n".join(lines[3:]) == out.stderr.strip()


def test_in_a_terminal_no_notification_is_sent(tmp_path: Path, monkeypatch) -> None:
    from labeldesk.cli.app import tell_the_desktop

    said = fake_notify_send(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    tell_the_desktop("LabelDesk cannot open a window")
    assert not said.exists()


def test_the_installer_can_ask_for_the_libraries_alone(broken_plugin: Path) -> None:
    """installer/install.sh asks this at its end, where there may be no display."""
    from labeldesk.cli.first_run import missing_libraries_problem

    said = missing_libraries_problem(lambda: broken_plugin)
    assert said is not None and "missing: libldfoo.so.1" in said
    assert missing_libraries_problem(lambda: None) is None


def test_after_installing_the_libraries_the_installer_says_how_to_start_it(
    broken_plugin: Path,
) -> None:
    """The installer's note ended "(then start LabelDesk again; LABELDESK_SKIP_CHECKS=1
    skips this check)": LabelDesk had not been started yet, and no check runs there."""
    from labeldesk.cli.first_run import missing_libraries_problem

    start = "LabelDesk in your applications menu, or run: labeldesk gui"
    said = missing_libraries_problem(lambda: broken_plugin, start=start)
    assert said is not None and said.endswith(
        "\nThen start it: LabelDesk in your applications menu, or run: labeldesk gui "
        "(nothing of LabelDesk needs installing again)."
    )
    assert "again;" not in said and "LABELDESK_SKIP_CHECKS" not in said
    at_start = missing_libraries_problem(lambda: broken_plugin)  # the app's own check
    assert at_start is not None
    assert at_start.endswith(
        "(then start LabelDesk again; LABELDESK_SKIP_CHECKS=1 skips this check)"
    )
