from __future__ import annotations

import json

import pytest

from aigov.inventory.system.importer import (
    PayloadTooLarge,
    UnreadableFile,
    detect_format,
    parse,
)

CSV = (
    "name,intended_purpose,business_owner,roles,countries,tags,models,affects_employees\n"
    'CV ranker,rank applicants,hr,provider;deployer,de;FR,hr;cv,"[{""name"": ""ranker""}]",true\n'
    "Broken,,hr,,,,,\n"
    'Bad JSON,x,hr,,,,"[{oops",\n'
)


def test_csv_rows() -> None:
    rows = parse(CSV.encode(), "csv", max_rows=10)
    assert [r.number for r in rows] == [1, 2, 3]
    first = rows[0].data
    assert first is not None
    assert first["roles"] == ["provider", "deployer"]
    assert first["countries"] == ["de", "FR"]
    assert first["models"] == [{"name": "ranker"}]
    assert rows[1].data == {"name": "Broken", "business_owner": "hr"}
    assert rows[2].data is None
    assert rows[2].errors[0]["location"] == ["models"]


def test_json_and_yaml() -> None:
    doc = {"systems": [{"name": "a"}, 7]}
    rows = parse(json.dumps(doc).encode(), "json", max_rows=10)
    assert rows[0].data == {"name": "a"}
    assert rows[1].errors
    yaml_rows = parse(b"- name: a\n  roles: [provider]\n- name: b\n", "yaml", max_rows=10)
    assert [r.data for r in yaml_rows] == [{"name": "a", "roles": ["provider"]}, {"name": "b"}]


def test_unreadable_and_too_many() -> None:
    with pytest.raises(UnreadableFile):
        parse(b"{", "json", max_rows=10)
    with pytest.raises(UnreadableFile):
        parse(b'{"a": 1}', "yaml", max_rows=10)
    with pytest.raises(UnreadableFile):
        parse(b"\xff\xfe", "csv", max_rows=10)
    with pytest.raises(PayloadTooLarge):
        parse(json.dumps([{}] * 11).encode(), "json", max_rows=10)


def test_format_detection() -> None:
    assert detect_format("text/csv; charset=utf-8", None) == "csv"
    assert detect_format("application/x-yaml", None) == "yaml"
    assert detect_format("application/octet-stream", "json") == "json"
    with pytest.raises(UnreadableFile):
        detect_format("application/octet-stream", None)
