"""forensics.toml: defaults, overrides, and one-sentence errors for mistakes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from forensics.config import Config, format_duration, load_config, parse_duration
from forensics.errors import ConfigError


def test_defaults_apply_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config()
    assert config.thresholds.gap_min == timedelta(minutes=15)
    assert config.payload.sku[0] == "sku"
    assert config.to_json()["thresholds"]["delay_critical"] == "24h"


def test_file_in_the_analysed_folder_overrides_defaults(tmp_path: Path) -> None:
    (tmp_path / "forensics.toml").write_text(
        '[payload]\nsku = ["item"]\n[thresholds]\ndelay_warn = "5m"\ngap_missed = 3\n'
        '[systems]\nsource_of_truth = "ERP"\n'
        '[flows."WMS to ERP"]\nfrom = "wms"\nto = "erp"\n'
    )
    config = load_config(tmp_path, tz="Europe/Berlin")
    assert config.payload.sku == ("item",)
    assert config.payload.location[0] == "location"
    assert config.thresholds.delay_warn == timedelta(minutes=5)
    assert config.thresholds.gap_missed == 3
    assert config.source_of_truth == "erp"
    assert config.to_json()["flows"] == {"WMS to ERP": {"from": "wms", "to": "erp"}}
    assert config.origin == "forensics.toml"
    assert config.tz == "Europe/Berlin"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[thresholds]\ngap_mins = 3\n", "unknown key(s) gap_mins"),
        ("[thresholds]\ndelay_warn = 'soon'\n", "must be a duration"),
        ("[thresholds]\ndebt_share = 2\n", "share between 0 and 1"),
        ("[payload]\nsku = []\n", "non-empty list"),
        ("[extra]\n", "unknown key(s) extra"),
        ("not toml = = 1", "not valid TOML"),
    ],
)
def test_mistakes_are_one_sentence_config_errors(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "forensics.toml").write_text(toml)
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        load_config(tmp_path)
    assert "\n" not in str(info.value)


def test_explicit_config_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path, tmp_path / "nope.toml")


def test_unknown_time_zone_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a known time zone"):
        load_config(tmp_path, tz="Mars/Olympus")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("24h", 86400), ("1h30m", 5400), ("45s", 45), ("2d", 172800), (90, 90)],
)
def test_durations_parse(text: str | int, seconds: int) -> None:
    assert parse_duration(text, name="x") == timedelta(seconds=seconds)


def test_durations_format_back_compactly() -> None:
    assert format_duration(timedelta(minutes=90)) == "1h30m"
    assert format_duration(timedelta(0)) == "0s"
