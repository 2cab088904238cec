"""The README's table of contents leads somewhere: each of its links is the anchor of a
heading (as GitHub makes them: lower case, punctuation dropped, spaces to hyphens), and
every top-level section is listed. A heading renamed without its entry would leave a
dead link at the top of the page a new user reads first."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _anchor(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _contents(text: str) -> str:
    start = text.index("**Contents**")
    return text[start : text.index("\n\n", start)]


def test_every_contents_link_is_a_heading():
    text = README.read_text(encoding="utf-8")
    anchors = {_anchor(h) for h in re.findall(r"^#{2,4} (.+)$", text, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", _contents(text))
    assert len(links) > 10
    assert [link for link in links if link not in anchors] == []


def test_every_section_is_in_the_contents():
    text = README.read_text(encoding="utf-8")
    links = set(re.findall(r"\]\(#([^)]+)\)", _contents(text)))
    sections = [_anchor(h) for h in re.findall(r"^## (.+)$", text, re.M)]
    assert [s for s in sections if s not in links] == []
