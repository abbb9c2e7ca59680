"""Human-readable output: a table for lists, `key: value` lines for objects; `--json` prints JSON instead."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

import simplejson

MAX_CELL = 40


def to_json(value: Any) -> str:
    return simplejson.dumps(value, use_decimal=True, ensure_ascii=False, indent=2)


def _pick(item: Any, path: str) -> Any:
    for key in path.split("."):
        item = item.get(key) if isinstance(item, dict) else None
    return item


def _cell(value: Any, width: int | None = MAX_CELL) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        text = simplejson.dumps(value, use_decimal=True, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def table(items: Sequence[Any], columns: Sequence[str], out: TextIO) -> None:
    if not columns:
        first = items[0] if items and isinstance(items[0], dict) else {}
        columns = [k for k, v in first.items() if not isinstance(v, dict | list)][:8]
    rows = [[_cell(_pick(item, column)) for column in columns] for item in items]
    widths = [max([len(column)] + [len(row[i]) for row in rows]) for i, column in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(), file=out)
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip(), file=out)


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        lines: list[tuple[str, Any]] = []
        for key, inner in value.items():
            lines += _flatten(inner, f"{prefix}{key}.")
        return lines
    return [(prefix.rstrip("."), value)]


def details(value: Any, out: TextIO) -> None:
    if not isinstance(value, dict):
        print(_cell(value, None), file=out)
        return
    lines = _flatten(value)
    width = max(len(key) for key, _ in lines)
    for key, inner in lines:
        print(f"{key.ljust(width)}  {_cell(inner, None)}", file=out)


def render(data: Any, columns: Sequence[str], out: TextIO) -> None:
    if isinstance(data, dict) and isinstance(data.get("items"), list) and "total" in data:
        items = data["items"]
        if items:
            table(items, columns, out)
        print(f"({len(items)} shown, {data['total']} in total)", file=out)
    else:
        details(data, out)
