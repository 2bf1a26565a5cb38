"""Human-readable output: aligned tables and indented trees of JSON values."""
import json


def format_table(headers: list, rows: list) -> str:
    """Columns padded to their widest cell, two spaces apart."""
    cells = [[str(header) for header in headers]] + [[format_scalar(cell) for cell in row] for row in rows]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells)


def format_tree(value, indent: int = 0) -> list:
    """Lines of `key: value`, nested values indented; a list of flat objects becomes a table."""
    pad = " " * indent
    if isinstance(value, dict):
        width = max((len(str(key)) for key in value), default=0) + 1
        lines = []
        for key, item in value.items():
            if _is_scalar(item) or item == [] or item == {}:
                lines.append(f"{pad}{(str(key) + ':').ljust(width)} {format_scalar(item)}")
            else:
                lines.append(f"{pad}{key}:")
                lines.extend(format_tree(item, indent + 2))
        return lines
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        headers = list(dict.fromkeys(key for item in value for key in item))
        table = format_table(headers, [[item.get(key) for key in headers] for item in value])
        return [pad + line for line in table.splitlines()]
    return [pad + format_scalar(value)]


def format_scalar(value) -> str:
    """A cell: numbers to 6 significant digits, None as '-', small objects inline."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return " ".join(f"{key}={format_scalar(item)}" for key, item in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(format_scalar(item) for item in value) or "-"
    return str(value)


def format_time(iso: str) -> str:
    """'2024-05-01T12:00:03.123456Z' -> '2024-05-01 12:00:03' (the API's times are UTC)."""
    return iso.replace("T", " ").split(".")[0].removesuffix("Z").removesuffix("+00:00") if iso else "-"


def to_json(value) -> str:
    """Indented JSON for --json."""
    return json.dumps(value, indent=2)


def _is_scalar(value) -> bool:
    return not isinstance(value, (dict, list))
