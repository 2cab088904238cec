"""The registry behind backbones, exporters and query strategies."""

from __future__ import annotations

import pytest

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.registry import Registry


class UnknownThingError(LabelDeskError):
    pass


@pytest.fixture
def things() -> Registry[int]:
    reg: Registry[int] = Registry("thing")
    reg.register("one")(1)
    reg.register("two")(2)
    return reg


def test_register_returns_the_object_so_it_works_as_a_decorator(things):
    @things.register("double")
    def double(x: int) -> int:
        return 2 * x

    assert double(3) == 6
    assert things.get("double") is double


def test_reads_like_a_dict_in_registration_order(things):
    things.register("zero")(0)
    assert things.names() == ["one", "two", "zero"]
    assert list(things) == ["one", "two", "zero"]
    assert sorted(things) == ["one", "two", "zero"]
    assert len(things) == 3
    assert things["two"] == 2 == things.get("two")
    assert "one" in things and "three" not in things and 1 not in things
    things.register("one")(11)  # registering a name again replaces it
    assert things["one"] == 11 and len(things) == 3


def test_unknown_names_raise_a_readable_error_naming_the_known_ones(things):
    for attempt in (lambda: things.get("three"), lambda: things["three"]):
        with pytest.raises(LabelDeskError, match=r"unknown thing 'three'; use one of one, two"):
            attempt()


def test_the_error_type_can_be_chosen():
    reg: Registry[int] = Registry("thing", error=UnknownThingError)
    with pytest.raises(UnknownThingError):
        reg.get("nope")


def test_del_unregisters_and_unknown_names_raise(things):
    del things["one"]
    assert things.names() == ["two"] and "one" not in things
    with pytest.raises(LabelDeskError, match="unknown thing 'one'"):
        del things["one"]


def test_iterating_over_a_copy_allows_unregistering(things):
    for name in things:
        del things[name]
    assert len(things) == 0
