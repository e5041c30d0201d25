"""Hardened XML reading for Boomi exports, with the stdlib's expat only.

Boomi's Platform API answers in XML by default and the runtime writes
``process_log.xml``; both are read here. XML from a log folder is untrusted, so:

* any ``<!DOCTYPE`` is refused the moment expat reports it, before its internal
  subset is read: no entity is ever declared, so none can be expanded (billion
  laughs, quadratic blow-up) or fetched (external entities, XXE). Parameter
  entity parsing is off and no external-entity handler is installed. Boomi
  never writes a DTD, so refusing every one costs no real export;
* nesting is capped (``MAX_DEPTH``) and the tree is built by the expat
  callbacks, never by recursion;
* element and attribute names lose their namespace prefix by hand
  (``bns:result`` -> ``result``) instead of through namespace processing, so
  the prefixes vary freely between exports (FORMATS.md) and an undeclared
  prefix does not fail the whole file.

Records are the children of the root element whose local name is one of the
caller's record tags (``result`` of a ``QueryResult``, ``LogEvent`` of an
``ExecutionLogModel``); other children (``numberOfResults``, ``queryToken``)
are envelope metadata. Each record becomes a plain dict like its JSON twin:
attributes and child elements become keys, repeated children a list, a leaf
its text, and a prefixed ``xsi:type`` attribute the key ``@type`` with its
prefix removed. When the document breaks part-way, the records completed
before the damage are kept and the rest becomes one ``XmlFailure``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final
from xml.parsers import expat

# Boomi records nest three or four levels (trackedFields > trackedField > name).
MAX_DEPTH: Final = 64


@dataclass(frozen=True, slots=True)
class XmlRecord:
    """One record element converted to a dict.

    Attributes:
        value: attributes and children as a dict (see the module docstring).
        line: 1-based line of the record's start tag.
        offset: byte offset of the start tag in the data.
    """

    value: dict[str, Any]
    line: int
    offset: int


@dataclass(frozen=True, slots=True)
class XmlFailure:
    """Why the rest of a document could not be read.

    Attributes:
        line: 1-based line where the unreadable part starts.
        offset: byte offset of that point.
        reason: ``dtd_refused``, ``too_deep`` or ``invalid_xml``.
        detail: one sentence for the data-quality report.
    """

    line: int
    offset: int
    reason: str
    detail: str


@dataclass(slots=True)
class XmlDocument:
    """The records of one XML document and, when it broke, the failure.

    Attributes:
        root: local name of the root element, or None when none was reached.
        records: the records completed before any failure, in document order.
        failure: why the rest of the document was not read, if it was not.
    """

    root: str | None = None
    records: list[XmlRecord] = field(default_factory=list)
    failure: XmlFailure | None = None


class _RefusedError(Exception):
    """Raised from an expat callback to stop parsing; carries the failure."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _Builder:
    """Expat callbacks that build record dicts and refuse DTDs."""

    def __init__(self, parser: Any, record_tags: frozenset[str]) -> None:
        self.parser = parser
        self.record_tags = record_tags
        self.doc = XmlDocument()
        self.depth = 0
        # Open elements of the record being built: [tag, dict, texts].
        self.stack: list[tuple[str, dict[str, Any], list[str]]] = []
        self.record_at: tuple[int, int] | None = None

    def doctype(self, name: str, *_args: object) -> None:
        raise _RefusedError(
            "dtd_refused",
            f"the XML declares a DOCTYPE ({name}); DTDs are refused so that no entity "
            "is ever expanded or fetched (billion laughs, external entities).",
        )

    def entity(self, name: str, *_args: object) -> None:
        # NOTE: unreachable while doctype() refuses first; kept as a second lock.
        raise _RefusedError("dtd_refused", f"the XML declares the entity {name!r}; refused.")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _RefusedError("too_deep", f"the XML nests deeper than {MAX_DEPTH} elements.")
        tag = _local(name)
        if self.depth == 1:
            self.doc.root = tag
            return
        if not self.stack:
            if self.depth != 2 or tag not in self.record_tags:
                return
            self.record_at = (self.parser.CurrentLineNumber, self.parser.CurrentByteIndex)
        values: dict[str, Any] = {}
        for key, value in attrs.items():
            if key == "xmlns" or key.startswith("xmlns:"):
                continue
            local = _local(key)
            if local == "type" and ":" in key:
                values["@type"] = _local(value)
            else:
                values[local] = value
        self.stack.append((tag, values, []))

    def text(self, data: str) -> None:
        if self.stack:
            self.stack[-1][2].append(data)

    def end(self, _name: str) -> None:
        depth = self.depth
        self.depth -= 1
        # While a record is open every element inside it is on the stack.
        if not self.stack or len(self.stack) != depth - 1:
            return
        tag, values, texts = self.stack.pop()
        text = "".join(texts)
        value: Any = values if values else text
        if values and text.strip():
            values["#text"] = text
        if self.stack:
            parent = self.stack[-1][1]
            if tag in parent:
                existing = parent[tag]
                parent[tag] = (
                    [*existing, value] if isinstance(existing, list) else [existing, value]
                )
            else:
                parent[tag] = value
            return
        line, offset = self.record_at or (1, 0)
        self.record_at = None
        self.doc.records.append(XmlRecord(values if values else {"#text": text}, line, offset))


def read_records(data: bytes, record_tags: frozenset[str]) -> XmlDocument:
    """Read the record elements of an XML document, refusing any DTD.

    Args:
        data: the raw file; expat reads the encoding declaration and any BOM.
        record_tags: local names of the root's children that are records.

    Returns:
        The records completed before any failure and the failure, if any.
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    builder = _Builder(parser, record_tags)
    parser.StartDoctypeDeclHandler = builder.doctype
    parser.EntityDeclHandler = builder.entity
    parser.UnparsedEntityDeclHandler = builder.entity
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except _RefusedError as exc:
        line, offset = builder.record_at or (parser.CurrentLineNumber, parser.CurrentByteIndex)
        builder.doc.failure = XmlFailure(line, max(offset, 0), exc.reason, exc.detail)
    except expat.ExpatError as exc:
        where = f"line {exc.lineno} column {exc.offset + 1}"
        line, offset = builder.record_at or (exc.lineno, parser.ErrorByteIndex)
        detail = (
            f"not well-formed XML ({expat.ErrorString(exc.code)} at {where}); "
            "the records before it were read."
        )
        builder.doc.failure = XmlFailure(line, max(offset, 0), "invalid_xml", detail)
    except LookupError as exc:
        # The XML declaration names an encoding Python does not know.
        detail = f"the XML declares an unsupported encoding ({exc})."
        builder.doc.failure = XmlFailure(1, 0, "invalid_xml", detail)
    return builder.doc
