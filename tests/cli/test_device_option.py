"""`--device` of the commands that run a model (embed, issues --crossfit, train, drift)
offers the devices LabelDesk can choose, and refuses others as a usage error."""

from __future__ import annotations

import pytest

from labeldesk.cli import build_parser
from labeldesk.cli._base import DEVICES
from labeldesk.ml.device import DEVICES as ML_DEVICES


def test_the_command_lines_devices_are_the_ones_labeldesk_chooses_from():
    assert DEVICES == ML_DEVICES  # (the CLI keeps its own list: ml.device loads numpy)


@pytest.mark.parametrize("command", ["embed", "issues", "train", "drift"])
def test_every_device_option_offers_them(command):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    device = next(a for a in sub._actions if a.dest == "device")
    assert tuple(device.choices) == ML_DEVICES
    assert device.default == "auto"
