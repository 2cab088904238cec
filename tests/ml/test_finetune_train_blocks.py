"""--train-blocks N counts the backbone's last N blocks: with more than it has, every
block learns (the stem stays frozen). A negative slice made 9 on the 7-block default
train only its last 5 (2 x 7 - 9)."""

from __future__ import annotations

import pytest

from labeldesk.ml.finetune_net import freeze

torch = pytest.importorskip("torch")


class _Net(torch.nn.Module):
    def __init__(self, n_blocks: int) -> None:
        super().__init__()
        self.stem = torch.nn.Linear(2, 2)
        self.blocks = torch.nn.Sequential(*(torch.nn.Linear(2, 2) for _ in range(n_blocks)))
        self.head = torch.nn.Linear(2, 2)


def _learning_blocks(net: _Net) -> list[int]:
    return [i for i, b in enumerate(net.blocks) if all(p.requires_grad for p in b.parameters())]


@pytest.mark.parametrize(("asked", "learning"), [(0, []), (2, [5, 6]), (7, list(range(7)))])
def test_the_last_n_blocks_learn(asked, learning):
    net = _Net(7)
    freeze(net, asked)
    assert _learning_blocks(net) == learning
    assert not any(p.requires_grad for p in net.stem.parameters())
    assert all(p.requires_grad for p in net.head.parameters())


@pytest.mark.parametrize("asked", [8, 9, 13, 100])
def test_more_blocks_than_the_backbone_has_means_all_of_them(asked):
    net = _Net(7)
    freeze(net, asked)
    assert _learning_blocks(net) == list(range(7))
    assert not any(p.requires_grad for p in net.stem.parameters())
