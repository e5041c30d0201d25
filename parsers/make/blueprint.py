"""Make scenario blueprints (format id ``make.blueprint``).

Shapes read (FORMATS.md "Make"): a bare blueprint ``{"name", "flow": [...],
"metadata": {...}}``, the API response ``{"response": {"blueprint": {...},
"scenarioId": N}}`` (``scenarioId`` may also sit at the top level) or
``{"blueprint": {...}, "scenarioId": N}``; a JSON list of these is read too.

A blueprint yields no rows: each document is one record, absorbed into Facts
(``absorbed`` = documents read). A document without a ``flow`` list is rejected
``missing_field``. The scenario id is the one stated beside the blueprint, else
one in the file or folder name (``scenario_<id>...``, ``scenarios/<id>/...``).

Facts emitted (line = the document's opening brace):

- ``make.scenario``, key = scenario id when known, else the blueprint name (else
  ``unknown``); values ``name`` (the flow name: blueprint name, else
  ``scenario:<id>``), ``scenarioId``, ``sequential`` and ``dlq``
  (``metadata.scenario``), ``instant`` (``metadata.instant``).
  **forensics**: ``sequential`` false lets runs overlap (out-of-order writes).
- ``make.hook``, key = ``parameters.hook`` of every ``gateway:CustomWebHook``
  module; values ``name`` (flow name), ``scenarioId``, ``module``.
- ``make.mapping``, one per mapper leaf of every module, through routers
  (``routes[].flow``) and error handlers; key = the ``make.scenario`` key; values
  ``flow``, ``scenarioId``, ``module`` (id), ``app`` (module type), ``dst_field``
  (dotted for nested objects, indexed for lists) and what
  ``parsers.make._mapper.parse_expression`` reads from the expression:
  ``expression``, ``kind``, ``sources``, ``src_module``, ``src_field``,
  ``functions``, ``operator``, ``constant``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from parsers._base import Fact, ParseContext, ParseResult
from parsers._payload import as_id
from parsers.make import _sniff
from parsers.make._common import id_from_name, walk_document
from parsers.make._mapper import iter_mapper, iter_modules, parse_expression

FORMAT_ID: Final = "make.blueprint"
WEBHOOK_MODULE: Final = "gateway:CustomWebHook"


def _dict(value: Any) -> dict[str, Any]:
    return value if type(value) is dict else {}


def blueprint_facts(
    blueprint: dict[str, Any], scenario_id: str | None, file: str, line: int
) -> list[Fact]:
    """Return the Facts one blueprint states (see the module docstring).

    Args:
        blueprint: the blueprint object, with a ``flow`` list.
        scenario_id: the scenario id, when known.
        file: the file that holds it.
        line: the line of the document's opening brace.
    """
    name = as_id(blueprint.get("name"))
    key = scenario_id or name or "unknown"
    flow = name or (f"scenario:{scenario_id}" if scenario_id else "blueprint:unknown")
    metadata = _dict(blueprint.get("metadata"))
    settings = _dict(metadata.get("scenario"))
    facts = [
        Fact(
            "make.scenario",
            key,
            {
                "name": flow,
                "scenarioId": scenario_id,
                "sequential": settings.get("sequential"),
                "dlq": settings.get("dlq"),
                "instant": metadata.get("instant"),
            },
            file,
            line,
        )
    ]
    for module in iter_modules(blueprint["flow"]):
        module_id = as_id(module.get("id"))
        app = as_id(module.get("module"))
        if app == WEBHOOK_MODULE:
            hook = as_id(_dict(module.get("parameters")).get("hook"))
            if hook is not None:
                values = {"name": flow, "scenarioId": scenario_id, "module": module_id}
                facts.append(Fact("make.hook", hook, values, file, line))
        mapper = module.get("mapper")
        if type(mapper) is not dict:
            continue
        for dst_field, expression in iter_mapper(mapper):
            values = {
                "flow": flow,
                "scenarioId": scenario_id,
                "module": module_id,
                "app": app,
                "dst_field": dst_field,
                **parse_expression(expression),
            }
            facts.append(Fact("make.mapping", key, values, file, line))
    return facts


class Blueprint:
    """Parser for Make scenario blueprints: no rows, only Facts."""

    id: str = FORMAT_ID
    source: str = "make"
    description: str = (
        "Make scenario blueprints, read into facts: the scenario name and settings, "
        "the webhooks it listens on and its declared field mappings."
    )

    def sniff(self, head: bytes, name: str) -> float:
        """Score a head by its blueprint keys (``flow`` with modules); the name is not used.

        Returns:
            0.95 for a decodable blueprint document, 0.6 from its text alone, else 0.
        """
        return _sniff.score(head, _sniff.BLUEPRINT)

    def read(self, data: bytes, ctx: ParseContext) -> ParseResult:
        """Read blueprint documents into Facts; every document read is absorbed.

        Args:
            data: the whole file.
            ctx: file name (may give the scenario id).

        Returns:
            No rows, the Facts, and the rejections of documents that are not blueprints.
        """
        walk = walk_document(data, ctx, ())
        named_id = id_from_name(ctx.file, "scenario", "scenarios")
        facts: list[Fact] = []
        absorbed = 0
        for item in walk.items:
            blueprint, stated_id = _sniff.unwrap_blueprint(item.value)
            if blueprint is None or type(blueprint.get("flow")) is not list:
                walk.reject(item, "missing_field", "the blueprint has no flow (list of modules).")
                continue
            absorbed += 1
            scenario_id = as_id(stated_id) or named_id
            facts.extend(blueprint_facts(blueprint, scenario_id, ctx.file, item.line))
        return walk.result(None, absorbed=absorbed, facts=facts)

    def finalize(self, events: pl.DataFrame, facts: Sequence[Fact] = ()) -> pl.DataFrame:
        """Return the rows unchanged: blueprints yield none."""
        return events


PARSER: Final = Blueprint()
