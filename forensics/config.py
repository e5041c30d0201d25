"""forensics.toml: optional configuration with a default for everything (SPEC section 4).

The file is looked up in the analysed folder, or given with ``--config``. Unknown
sections or keys are errors, because a misspelt threshold silently ignored would
change findings without anyone noticing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forensics.errors import ConfigError

CONFIG_NAME: Final = "forensics.toml"


@dataclass(frozen=True, slots=True)
class PayloadKeys:
    """Where record-level fields are found in payloads; the first key present wins."""

    sku: tuple[str, ...] = (
        "sku",
        "SKU",
        "item_sku",
        "variant_sku",
        "ItemNumber",
        "inventory_item_id",
    )
    location: tuple[str, ...] = ("location", "location_id", "warehouse", "site", "LocationCode")
    quantity: tuple[str, ...] = (
        "quantity",
        "qty",
        "available",
        "on_hand",
        "available_to_promise",
        "QuantityOnHand",
    )
    occurred_at: tuple[str, ...] = (
        "occurred_at",
        "updated_at",
        "event_time",
        "timestamp",
        "created_at",
    )
    event_id: tuple[str, ...] = ("event_id", "movement_id", "message_id")
    idempotency_key: tuple[str, ...] = (
        "idempotency_key",
        "idempotency-key",
        "x-idempotency-key",
    )


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Detector thresholds; durations are kept as timedelta."""

    gap_missed: int = 6
    gap_min: timedelta = timedelta(minutes=15)
    delay_warn: timedelta = timedelta(minutes=15)
    delay_critical: timedelta = timedelta(hours=24)
    debt_share: float = 0.02


@dataclass(frozen=True, slots=True)
class FlowSystems:
    """Which systems a flow joins, e.g. wms -> erp."""

    source: str
    destination: str


@dataclass(frozen=True, slots=True)
class Config:
    """The effective configuration of one analysis."""

    payload: PayloadKeys = field(default_factory=PayloadKeys)
    thresholds: Thresholds = field(default_factory=Thresholds)
    source_of_truth: str = "wms"
    flows: tuple[tuple[str, FlowSystems], ...] = ()
    tz: str = "UTC"
    origin: str = "defaults"

    @property
    def zone(self) -> ZoneInfo:
        """The zone naive timestamps are read in."""
        return ZoneInfo(self.tz)

    def to_json(self) -> dict[str, Any]:
        """Return the effective configuration as plain JSON values, durations as text."""
        thresholds = {
            name: format_duration(value) if isinstance(value, timedelta) else value
            for name, value in asdict(self.thresholds).items()
        }
        return {
            "origin": self.origin,
            "tz": self.tz,
            "payload": {name: list(keys) for name, keys in asdict(self.payload).items()},
            "thresholds": thresholds,
            "systems": {"source_of_truth": self.source_of_truth},
            "flows": {
                name: {"from": systems.source, "to": systems.destination}
                for name, systems in self.flows
            },
        }


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNIT_SECONDS: Final = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | int | float, *, name: str) -> timedelta:
    """Parse "15m", "1h30m", "24h" or a number of seconds into a timedelta.

    Raises:
        ConfigError: the text is not a duration.
    """
    if isinstance(text, bool):
        raise ConfigError(f"{name} must be a duration such as '15m', not {text!r}.")
    if isinstance(text, int | float):
        return timedelta(seconds=text)
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ConfigError(f"{name} must be a duration such as '15m' or '1h30m', not {text!r}.")
    return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))


def format_duration(value: timedelta) -> str:
    """Format a timedelta the way config files write it: 1h30m, 15m, 45s."""
    seconds = round(value.total_seconds())
    if seconds == 0:
        return "0s"
    out = []
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


def _keys(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[payload] {name} must be a non-empty list of key names.")
    return tuple(value)


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise ConfigError(f"{where} has unknown key(s) {', '.join(unknown)}; allowed: {known}.")


def _thresholds(table: dict[str, Any]) -> Thresholds:
    base = Thresholds()
    _check_keys(table, set(asdict(base)), "[thresholds]")
    values: dict[str, Any] = {}
    for name, raw in table.items():
        if isinstance(getattr(base, name), timedelta):
            values[name] = parse_duration(raw, name=f"thresholds.{name}")
        elif name == "gap_missed":
            if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
                raise ConfigError("thresholds.gap_missed must be a whole number of at least 1.")
            values[name] = raw
        else:
            if not isinstance(raw, int | float) or isinstance(raw, bool) or not 0 <= raw <= 1:
                raise ConfigError(f"thresholds.{name} must be a share between 0 and 1.")
            values[name] = float(raw)
    return replace(base, **values)


def _flows(table: dict[str, Any]) -> tuple[tuple[str, FlowSystems], ...]:
    flows = []
    for name, spec in sorted(table.items()):
        if not isinstance(spec, dict) or not {"from", "to"} <= set(spec):
            raise ConfigError(f'[flows."{name}"] needs both from = "..." and to = "...".')
        _check_keys(spec, {"from", "to"}, f'[flows."{name}"]')
        flows.append((name, FlowSystems(str(spec["from"]).lower(), str(spec["to"]).lower())))
    return tuple(flows)


def from_mapping(data: dict[str, Any], *, origin: str, tz: str = "UTC") -> Config:
    """Build a Config from a parsed TOML document.

    Raises:
        ConfigError: an unknown section or key, or a value of the wrong kind.
    """
    _check_keys(data, {"payload", "thresholds", "systems", "flows"}, origin)
    payload_table = data.get("payload", {})
    _check_keys(payload_table, set(asdict(PayloadKeys())), "[payload]")
    payload = replace(
        PayloadKeys(), **{name: _keys(value, name) for name, value in payload_table.items()}
    )
    systems = data.get("systems", {})
    _check_keys(systems, {"source_of_truth"}, "[systems]")
    return Config(
        payload=payload,
        thresholds=_thresholds(data.get("thresholds", {})),
        source_of_truth=str(systems.get("source_of_truth", "wms")).lower(),
        flows=_flows(data.get("flows", {})),
        tz=check_zone(tz),
        origin=origin,
    )


def check_zone(tz: str) -> str:
    """Return tz if it names an IANA zone.

    Raises:
        ConfigError: the zone is unknown.
    """
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"--tz {tz!r} is not a known time zone; use an IANA name such as 'Europe/Berlin'."
        ) from exc
    return tz


def load_config(analysed: Path, explicit: Path | None = None, *, tz: str = "UTC") -> Config:
    """Load ``--config`` or ``forensics.toml`` from the analysed folder, else defaults.

    Raises:
        ConfigError: the file cannot be read or is not valid TOML or configuration.
    """
    path = explicit
    if path is None:
        candidate = analysed / CONFIG_NAME if analysed.is_dir() else None
        if candidate is None or not candidate.is_file():
            return Config(tz=check_zone(tz))
        path = candidate
    # NOTE: only the name goes into findings.json; absolute paths break determinism.
    origin = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: the configuration file does not exist.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: the configuration file cannot be read ({exc}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file or pass another.") from exc
    try:
        return from_mapping(data, origin=origin, tz=tz)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
