import json
import sqlite3

import pytest

from processing.findings.extraction_cache import CachedReply, ExtractionCache, report_hash
from processing.findings.reply_format import ReplyParseError, findings_json_schema, parse_reply
from processing.findings.schema import Finding

ONE = {"category": "Effusions", "severity": "Small", "location": "left", "presence": "present", "evidence": "x"}


@pytest.mark.parametrize(
    "reply",
    [
        json.dumps({"findings": [ONE]}),
        json.dumps([ONE]),
        "Here you are:\n```json\n" + json.dumps({"findings": [ONE]}) + "\n```",
        "The findings are " + json.dumps({"findings": [ONE]}) + " as requested.",
    ],
)
def test_tolerant_parser(reply):
    assert parse_reply(reply) == [
        Finding(category="effusions", severity="small", location="left", presence="present", evidence="x")
    ]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("", "empty"),
        ("no JSON here", "not valid JSON"),
        ('{"findings": [{"category": "x", "presence": "maybe"}]}', "does not match"),
        ('{"findings": [{"severity": "small"}]}', "does not match"),
    ],
)
def test_parser_errors_say_what_is_wrong(reply, message):
    with pytest.raises(ReplyParseError, match=message):
        parse_reply(reply)


def test_json_schema_is_strict():
    schema = findings_json_schema()["json_schema"]
    assert schema["strict"] is True
    finding = schema["schema"]["$defs"]["Finding"]
    assert finding["required"] == ["category", "severity", "location", "presence", "evidence"]
    assert finding["additionalProperties"] is False
    assert finding["properties"]["presence"]["enum"] == ["present", "absent", "uncertain"]
    assert "default" not in json.dumps(schema)


def test_cache_round_trip_and_persistence(tmp_path):
    path = tmp_path / "cache.sqlite"
    cache = ExtractionCache(path)
    key = report_hash("Small left effusion.")
    assert cache.get("m", "v1", key) is None
    cache.put("m", "v1", key, CachedReply([Finding(category="pleural effusion")], 120, 30))
    cache.close()
    reopened = ExtractionCache(path)
    assert reopened.get("m", "v1", key) == CachedReply([Finding(category="pleural effusion")], 120, 30)
    assert reopened.get("m", "v2", key) is None and reopened.get("other", "v1", key) is None
    assert len(reopened) == 1
    reopened.close()
    rows = sqlite3.connect(path).execute("SELECT * FROM replies").fetchall()
    assert "Small left effusion." not in repr(rows)
