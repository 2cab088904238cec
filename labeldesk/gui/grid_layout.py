"""Arithmetic geometry of a grid of equal tiles in reading order.

Row ``r`` of the model sits in grid line ``r // columns``, column ``r % columns``; nothing
is stored per item, so placing, hit-testing or scrolling a million tiles costs the same as
ten. Coordinates here are *content* coordinates (the scroll offset not applied).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GridGeometry:
    count: int  # items
    columns: int  # tiles per line, >= 1
    cell_width: int
    cell_height: int

    @classmethod
    def fit(cls, count: int, width: int, tile_width: int, tile_height: int) -> GridGeometry:
        """As many tiles per line as fit in ``width``; cells widened to fill it exactly."""
        columns = max(1, width // max(1, tile_width))
        cell_width = max(tile_width, width // columns)
        return cls(count, columns, cell_width, tile_height)

    @property
    def lines(self) -> int:
        return -(-self.count // self.columns)

    @property
    def height(self) -> int:
        return self.lines * self.cell_height

    def cell(self, row: int) -> tuple[int, int, int, int]:
        """(x, y, width, height) of ``row``'s cell."""
        line, column = divmod(row, self.columns)
        return column * self.cell_width, line * self.cell_height, self.cell_width, self.cell_height

    def row_at(self, x: int, y: int) -> int:
        """The item under (x, y), or -1 (outside the tiles, or past the last item)."""
        if x < 0 or y < 0 or x >= self.columns * self.cell_width:
            return -1
        row = (y // self.cell_height) * self.columns + x // self.cell_width
        return row if row < self.count else -1

    def rows_in_band(self, top: int, bottom: int) -> range:
        """Items whose cells meet the horizontal band top..bottom (inclusive)."""
        if self.count == 0 or bottom < 0 or bottom < top:
            return range(0)
        first = max(0, top) // self.cell_height * self.columns
        stop = (bottom // self.cell_height + 1) * self.columns
        return range(min(first, self.count), min(stop, self.count))

    def block(self, left: int, top: int, right: int, bottom: int) -> list[tuple[int, int]]:
        """Item ranges (first, last) of the cells a rectangle touches, one per line, or a
        single range when the rectangle spans every column (a rubber band)."""
        if self.count == 0:
            return []
        width = self.columns * self.cell_width
        if right < 0 or left >= width or bottom < 0:
            return []
        c0 = max(0, left) // self.cell_width
        c1 = min(width - 1, right) // self.cell_width
        l0 = max(0, top) // self.cell_height
        l1 = min(self.lines - 1, bottom // self.cell_height)
        if c0 == 0 and c1 == self.columns - 1:
            first, last = l0 * self.columns, min(self.count - 1, l1 * self.columns + c1)
            return [(first, last)] if first <= last else []
        out = []
        for line in range(l0, l1 + 1):
            first, last = line * self.columns + c0, min(self.count - 1, line * self.columns + c1)
            if first <= last:
                out.append((first, last))
        return out

    def move(self, row: int, action: str, page_lines: int) -> int:
        """Where a navigation key takes the cursor from ``row`` (reading order: Right at
        the end of a line goes on to the next line's first tile)."""
        last = self.count - 1
        if last < 0:
            return -1
        if row < 0:
            return 0
        step = {
            "left": -1,
            "right": 1,
            "up": -self.columns,
            "down": self.columns,
            "page_up": -self.columns * max(1, page_lines),
            "page_down": self.columns * max(1, page_lines),
        }
        if action == "home":
            return 0
        if action == "end":
            return last
        target = row + step.get(action, 0)
        if action in ("up", "page_up") and target < 0:
            return row % self.columns if action == "page_up" else row
        if action in ("down", "page_down") and target > last:
            # a line below, shorter than this one: go to its last tile
            return last if (last // self.columns) > (row // self.columns) else row
        return max(0, min(last, target))
