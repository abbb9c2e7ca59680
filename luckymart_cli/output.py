"""Human-readable output: a table for lists, `key: value` lines for objects, tables and sparklines for statistics;
`--json` prints JSON and `--csv` CSV instead."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
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


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[Any]) -> str:
    numbers = [Decimal(str(v or 0)) for v in values]
    top = max(numbers, default=Decimal(0))
    if top <= 0:
        return SPARKS[0] * len(numbers)
    return "".join(SPARKS[int(n / top * (len(SPARKS) - 1))] if n > 0 else SPARKS[0] for n in numbers)


def stats(data: dict[str, Any], out: TextIO) -> None:
    series = data.get("series") or []
    details({k: v for k, v in data.items() if k != "series"}, out)
    if not series:
        return
    print(file=out)
    table(series, list(series[0]), out)
    print(file=out)
    names = [name for name in series[0] if name != "day"]
    width = max(len(name) for name in names)
    for name in names:
        values = [row.get(name) for row in series]
        print(
            f"{name.ljust(width)}  {sparkline(values)}  total {sum(Decimal(str(v or 0)) for v in values)}",
            file=out,
        )


def render(data: Any, columns: Sequence[str], out: TextIO, view: str = "plain") -> None:
    if view == "stats" and isinstance(data, dict):
        stats(data, out)
    elif isinstance(data, dict) and isinstance(data.get("items"), list) and "total" in data:
        items = data["items"]
        if items:
            table(items, columns, out)
        print(f"({len(items)} shown, {data['total']} in total)", file=out)
        if data.get("totals"):
            print("totals:", file=out)
            if isinstance(data["totals"], list):
                table(data["totals"], (), out)
            else:
                details(data["totals"], out)
    else:
        details(data, out)


def _row(item: Any) -> dict[str, Any]:
    return {key: _cell(value, None) if value is not None else "" for key, value in _flatten(item)}


def write_csv(data: Any, out: TextIO) -> None:
    """A list's rows (nested objects as dotted columns), then its totals after an empty line; stats: the series."""
    if isinstance(data, dict) and "series" in data:
        rows = [_row(item) for item in data["series"]]
    elif isinstance(data, dict) and isinstance(data.get("items"), list):
        rows = [_row(item) for item in data["items"]]
    else:
        rows = [_row(data)]
    _csv_rows(rows, out)
    totals = data.get("totals") if isinstance(data, dict) else None
    if totals:
        print(file=out)
        _csv_rows([_row(t) for t in totals] if isinstance(totals, list) else [_row(totals)], out)


def _csv_rows(rows: list[dict[str, Any]], out: TextIO) -> None:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    writer = csv.DictWriter(out, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
