"""`medfilip extract`: inputs, outputs, both backends, and crash-resume with kill -9."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from itertools import islice

from medfilip.cli import main
from processing.findings.extraction_cache import report_hash
from processing.findings.local_chat_server import LocalChatServer, ScriptedReply, rule_based_responder
from processing.findings.report_sections import report_text

CHESTXRAY14 = [
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
    "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
]  # fmt: skip


def cached_hashes(cache):
    with sqlite3.connect(cache) as connection:
        try:
            return {row[0] for row in connection.execute("SELECT report_hash FROM replies")}
        except sqlite3.OperationalError:  # the table is not created yet
            return set()


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_rules_backend_jsonl_with_labels_and_bad_records(tmp_path, capsys):
    source = tmp_path / "reports.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "findings": "Small left effusion. No pneumothorax.", "impression": ""}),
                json.dumps({"id": "b", "findings": "", "impression": "   "}),
                "{not json",
                json.dumps({"findings": "Cardiomegaly."}),
                json.dumps({"id": 7, "findings": "Pneumonia cannot be excluded.", "impression": "Lungs clear."}),
            ]
        )
    )
    output = tmp_path / "out" / "findings.jsonl"
    assert main(["extract", str(source), "-o", str(output), "--label-set", "chestxray14", "--no-progress"]) == 0
    lines = read_jsonl(output)
    assert [line["id"] for line in lines] == ["a", "b", None, None, "7"]
    assert lines[0]["findings"] == [
        {
            "category": "pleural effusion",
            "severity": "small",
            "location": "left",
            "presence": "present",
            "evidence": "Small left effusion.",
        },
        {
            "category": "pneumothorax",
            "severity": None,
            "location": None,
            "presence": "absent",
            "evidence": "No pneumothorax.",
        },
    ]
    assert list(lines[0]["labels"]) == CHESTXRAY14
    assert lines[0]["labels"] == dict.fromkeys(CHESTXRAY14, 0) | {"Effusion": 1}
    assert lines[4]["labels"]["Pneumonia"] == -1
    assert "empty text" in lines[1]["error"] and "findings" not in lines[1]
    assert "invalid JSON" in lines[2]["error"] and "record 3" in lines[2]["error"]
    assert "no 'id' field" in lines[3]["error"]
    assert "5 records, 3 skipped" in capsys.readouterr().err


def test_rules_backend_csv_with_custom_fields(tmp_path):
    source = tmp_path / "reports.csv"
    source.write_text(
        'study,report\ns1,"FINDINGS: Large right pneumothorax. IMPRESSION: Pneumothorax."\ns2,Normal chest.\n'
    )
    output = tmp_path / "out.jsonl"
    arguments = ["extract", str(source), "-o", str(output), "--id-field", "study", "--text-fields", "report"]
    assert main([*arguments, "--label-set", "rsna", "--no-progress"]) == 0
    lines = read_jsonl(output)
    assert [(f["category"], f["severity"], f["location"]) for f in lines[0]["findings"]] == [
        ("pneumothorax", "large", "right"),
        ("pneumothorax", None, None),
    ]
    assert lines[1]["findings"] == [
        {"category": "no finding", "severity": None, "location": None, "presence": "present", "evidence": None}
    ]
    assert lines[1]["labels"] == {"Lung Opacity": 0, "Normal": 1}


def test_unusable_input_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "missing.jsonl"
    assert main(["extract", str(missing), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "missing.jsonl" in capsys.readouterr().err
    odd = tmp_path / "reports.xml"
    odd.write_text("<x/>")
    assert main(["extract", str(odd), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "unknown input format" in capsys.readouterr().err


def test_both_backends_agree_on_real_openi_reports(data_root, tmp_path):
    source = tmp_path / "openi.jsonl"
    with open(data_root / "openi_reports" / "reports.jsonl", encoding="utf-8") as handle:
        source.write_text("".join(islice(handle, 40)))
    rules_out, openai_out = tmp_path / "rules.jsonl", tmp_path / "openai.jsonl"
    assert main(["extract", str(source), "-o", str(rules_out), "--label-set", "chestxray14", "--no-progress"]) == 0
    with LocalChatServer(rule_based_responder()) as server:
        code = main(
            ["extract", str(source), "-o", str(openai_out), "--backend", "openai", "--base-url", server.base_url,
             "--model", "local-rules", "--concurrency", "8", "--cache", str(tmp_path / "cache.sqlite"),
             "--label-set", "chestxray14", "--no-progress"]
        )  # fmt: skip
    assert code == 0
    rules, gpt = read_jsonl(rules_out), read_jsonl(openai_out)
    assert len(rules) == len(gpt) == 40
    assert [line.get("labels") for line in gpt] == [line.get("labels") for line in rules]
    assert sum("labels" in line for line in gpt) >= 35
    assert sum(line["labels"]["Cardiomegaly"] == 1 for line in gpt if "labels" in line) >= 1


def test_kill_9_then_rerun_loses_nothing_and_sends_no_cached_report_again(tmp_path):
    records = [{"id": f"r{index}", "findings": f"Small left effusion number {index}."} for index in range(16)]
    source = tmp_path / "reports.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in records))
    texts = {report_text(record, ["findings"]): record["id"] for record in records}
    valid = json.dumps({"findings": [{"category": "pleural effusion", "severity": "small", "location": "left",
                                      "presence": "present", "evidence": "Small left effusion."}]})  # fmt: skip
    cache = tmp_path / "cache.sqlite"
    output = tmp_path / "out.jsonl"
    command = [
        sys.executable, "-m", "medfilip", "extract", str(source), "-o", str(output), "--backend", "openai",
        "--model", "m", "--concurrency", "2", "--cache", str(cache), "--text-fields", "findings", "--no-progress",
    ]  # fmt: skip
    environment = {key: value for key, value in os.environ.items() if key != "OPENAI_API_KEY"}
    with LocalChatServer(lambda request, number: ScriptedReply(content=valid, delay=0.15)) as server:
        process = subprocess.Popen(
            [*command, "--base-url", server.base_url], env=environment, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while not cache.exists() or len(cached_hashes(cache)) < 5:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the first run cached nothing"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stderr.close()
        first_run_calls = len(server.calls)
        assert not output.exists()
        cached = cached_hashes(cache)
        assert 5 <= len(cached) < 16

        rerun = subprocess.run(
            [*command, "--base-url", server.base_url], env=environment, capture_output=True, text=True
        )
        assert rerun.returncode == 0, rerun.stderr
        second_run = [call.report for call in server.calls[first_run_calls:]]

    assert not {report_hash(report) for report in second_run} & cached
    assert sorted(second_run) == sorted(text for text in texts if report_hash(text) not in cached)
    assert f"{16 - len(cached)} extracted, {len(cached)} from cache, 0 failed" in rerun.stderr
    lines = read_jsonl(output)
    assert [line["id"] for line in lines] == [record["id"] for record in records]
    assert all(line["findings"][0]["category"] == "pleural effusion" for line in lines)
