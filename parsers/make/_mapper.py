"""Read the field mappings a Make blueprint declares (``mapper`` expressions).

A mapper value is text with ``{{ ... }}`` blocks of Make's formula language:
``{{1.on_hand}}`` copies field ``on_hand`` of module 1; ``{{round(1.on_hand / 12)}}``
or ``{{1.qty * 12}}`` transform it; ``{{var.input.name}}`` and plain text name no
module output. The mapping detector needs the source field and, for a simple
ratio or offset, the operator and constant, so that is what is extracted; no
full formula parser is attempted (anything more complex keeps its references
but no operator).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Final

_BLOCK: Final = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_SEGMENT: Final = r"(?:`[^`]*`|[A-Za-z_$][\w$]*)(?:\[\d*\])?"
# A module output reference: `<module id>.<field path>`; `0.5` is a number, not one.
_REF: Final = re.compile(rf"(?<![\w.`])(\d+)\.({_SEGMENT}(?:\.{_SEGMENT})*)")
_VARIABLE: Final = re.compile(rf"[A-Za-z_][\w]*(?:\.{_SEGMENT})*")
_FUNCTION: Final = re.compile(r"([A-Za-z_][\w]*)\s*\(")
_QUOTED: Final = re.compile(r'"[^"]*"')
_NUMBER: Final = r"(\d+(?:\.\d+)?)"
_REF_OP_NUM: Final = re.compile(rf"R\s*([*/+-])\s*{_NUMBER}(?![\w.])")
_NUM_OP_REF: Final = re.compile(rf"(?<![\w.]){_NUMBER}\s*([*+])\s*R")
# Keys of a module that never hold nested modules.
_NOT_NESTED: Final = frozenset({"mapper", "parameters", "metadata", "filter"})


def iter_modules(flow: list[Any]) -> Iterator[dict[str, Any]]:
    """Yield every module of a flow, depth first, through routers and error handlers.

    Routers hold ``routes: [{"flow": [...]}]`` and error handlers ``onerror: [...]``;
    any list of modules or of sub-flows is followed. Iterative, so a deeply
    nested blueprint cannot exhaust the stack.
    """
    stack: list[Any] = list(reversed(flow))
    while stack:
        module = stack.pop()
        if type(module) is not dict:
            continue
        yield module
        nested: list[Any] = []
        for key, value in module.items():
            if key in _NOT_NESTED or type(value) is not list:
                continue
            for element in value:
                if type(element) is not dict:
                    continue
                if "module" in element:
                    nested.append(element)
                elif type(element.get("flow")) is list:
                    nested.extend(element["flow"])
        stack.extend(reversed(nested))


def iter_mapper(mapper: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Yield ``(dotted destination path, value)`` for every leaf of a mapper.

    Nested objects give dotted paths (``inventory.available``); list elements
    give their index (``lines.0.quantity``).
    """
    stack: list[tuple[str, Any]] = [(str(k), v) for k, v in reversed(mapper.items())]
    while stack:
        path, value = stack.pop()
        if type(value) is dict:
            stack.extend((f"{path}.{k}", v) for k, v in reversed(value.items()))
        elif type(value) is list:
            stack.extend((f"{path}.{i}", v) for i, v in reversed(list(enumerate(value))))
        else:
            yield path, value


def _field(path: str) -> str:
    return path.replace("`", "")


def parse_expression(value: Any) -> dict[str, Any]:
    """Describe one mapper value: its source references and simple arithmetic.

    Args:
        value: the mapper leaf (text, number, boolean or null).

    Returns:
        ``expression`` (the text), ``kind`` (``reference``: exactly one field;
        ``variable``: one scenario variable such as ``var.input.name``;
        ``formula``: one block with functions or operators; ``template``: text
        around blocks or several blocks; ``literal``: no block), ``sources``
        (``[{"module", "field"}]``), ``src_module`` / ``src_field`` when there is
        exactly one source, ``functions`` called, and ``operator`` / ``constant``
        when the value is ``src <op> c`` (or ``c * src`` / ``c + src``), a simple
        ratio or offset possibly inside wrappers such as ``round(...)``.
    """
    text = value if isinstance(value, str) else json.dumps(value)
    out: dict[str, Any] = {
        "expression": text,
        "kind": "literal",
        "sources": [],
        "src_module": None,
        "src_field": None,
        "functions": [],
        "operator": None,
        "constant": None,
    }
    if not isinstance(value, str):
        return out
    blocks = _BLOCK.findall(value)
    if not blocks:
        return out
    sources = [
        {"module": module, "field": _field(path)}
        for block in blocks
        for module, path in _REF.findall(block)
    ]
    functions = [name for block in blocks for name in _FUNCTION.findall(_QUOTED.sub("", block))]
    out.update(sources=sources, functions=functions)
    if len(sources) == 1:
        out.update(src_module=sources[0]["module"], src_field=sources[0]["field"])
    whole = len(blocks) == 1 and value.strip() == "{{" + blocks[0] + "}}"
    if not whole:
        out["kind"] = "template"
        return out
    block = blocks[0].strip()
    if _REF.fullmatch(block):
        out["kind"] = "reference"
        return out
    if not sources and _VARIABLE.fullmatch(block):
        # `var.input.name`, `now`: a scenario variable, not a module's output.
        out["kind"] = "variable"
        return out
    out["kind"] = "formula"
    if len(sources) == 1:
        out.update(_arithmetic(block))
    return out


def _arithmetic(block: str) -> dict[str, Any]:
    """Return operator and constant when the block applies one to its one reference."""
    masked = _REF.sub("R", _QUOTED.sub('""', block))
    if len(re.findall(r"[*/+-]", masked)) != 1:
        return {}
    match = _REF_OP_NUM.search(masked)
    if match:
        return {"operator": match.group(1), "constant": float(match.group(2))}
    # Only commutative operators can be turned around: c * src == src * c.
    match = _NUM_OP_REF.search(masked)
    if match:
        return {"operator": match.group(2), "constant": float(match.group(1))}
    return {}
