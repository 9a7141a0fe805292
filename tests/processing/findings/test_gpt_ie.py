"""GPT-IE against a real HTTP server on 127.0.0.1 speaking the chat-completions protocol, scripted per test."""

import json
import time

import pytest

from processing.findings.extraction_cache import ExtractionCache
from processing.findings.gpt_ie import GptIeExtractor
from processing.findings.local_chat_server import LocalChatServer, ScriptedReply
from processing.findings.schema import NO_FINDING

EFFUSION = {"category": "effusions", "severity": "small", "location": "left", "presence": "present", "evidence": "e"}
VALID = json.dumps({"findings": [EFFUSION]})
FAST_RETRY = {"retry-after-ms": "10"}


@pytest.fixture
def serve():
    servers = []

    def start(responder):
        server = LocalChatServer(responder).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def extractor_for(server, **options):
    options = {"timeout": 5.0, "max_retries": 2, **options}
    return GptIeExtractor("test-model", base_url=server.base_url, api_key="sk-test-key-1234567890", **options)


def test_valid_replies_are_normalized_cached_and_counted(serve, tmp_path):
    def respond(request, number):
        report = request["messages"][-1]["content"]
        return ScriptedReply(content=VALID if "effusion" in report else '{"findings": []}')

    server = serve(respond)
    cache = ExtractionCache(tmp_path / "cache.sqlite")
    reports = ["Small left effusion.", "Lungs are clear."]
    outcomes, summary = extractor_for(server, cache=cache).extract_all(reports)
    assert [[(f.category, f.severity, f.presence) for f in o.findings] for o in outcomes] == [
        [("pleural effusion", "small", "present")],
        [(NO_FINDING, None, "present")],
    ]
    assert (summary.done, summary.cached, summary.failed, summary.prompt_tokens) == (2, 0, 0, 200)
    assert summary.response_mode == "json_schema"
    request = server.calls[0].request
    assert request["model"] == "test-model" and request["temperature"] == 0
    assert request["response_format"]["type"] == "json_schema"
    assert len(cache) == 2

    outcomes_again, summary_again = extractor_for(server, cache=cache).extract_all(reports)
    assert len(server.calls) == 2
    assert (summary_again.done, summary_again.cached) == (0, 2)
    assert [o.findings for o in outcomes_again] == [o.findings for o in outcomes]
    assert b"sk-test-key" not in (tmp_path / "cache.sqlite").read_bytes()


def test_identical_reports_are_sent_once(serve):
    server = serve(lambda request, number: ScriptedReply(content=VALID))
    outcomes, summary = extractor_for(server).extract_all(["Small left effusion."] * 3)
    assert len(server.calls) == 1
    assert all(o.findings == outcomes[0].findings for o in outcomes)


def test_malformed_reply_is_retried_once_with_the_parse_error(serve):
    server = serve(lambda request, number: ScriptedReply(content="not json" if number == 0 else VALID))
    outcomes, summary = extractor_for(server).extract_all(["Small left effusion."])
    assert outcomes[0].findings[0].category == "pleural effusion"
    assert len(server.calls) == 2
    retry = server.calls[1].request["messages"]
    assert retry[-2] == {"role": "assistant", "content": "not json"}
    assert "not valid JSON" in retry[-1]["content"]
    assert summary.done == 1 and summary.failed == 0


def test_malformed_twice_is_a_failure_of_that_report_only(serve, tmp_path):
    def respond(request, number):
        report = [m for m in request["messages"] if m["role"] == "user"][-1]["content"]
        broken = "broken" in report or "Your reply could not be used" in report
        return ScriptedReply(content='{"findings": [{"presence": "maybe"}]}' if broken else VALID)

    server = serve(respond)
    cache = ExtractionCache(tmp_path / "cache.sqlite")
    outcomes, summary = extractor_for(server, cache=cache).extract_all(["A broken one.", "Small effusion."])
    assert outcomes[0].findings is None
    assert outcomes[0].error.startswith("malformed reply after one retry: the JSON does not match")
    assert outcomes[1].findings[0].category == "pleural effusion"
    assert (summary.done, summary.failed) == (1, 1)
    assert len(server.calls) == 3
    assert len(cache) == 1


def test_rate_limit_then_success(serve):
    def respond(request, number):
        if number == 0:
            return ScriptedReply(status=429, content="slow down", headers=FAST_RETRY)
        return ScriptedReply(content=VALID)

    server = serve(respond)
    outcomes, summary = extractor_for(server).extract_all(["Small left effusion."])
    assert outcomes[0].findings[0].category == "pleural effusion"
    assert [call.status for call in server.calls] == [429, 200]


def test_server_errors_are_retried_then_recorded_as_failure(serve):
    server = serve(lambda request, number: ScriptedReply(status=500, content="boom", headers=FAST_RETRY))
    outcomes, summary = extractor_for(server, max_retries=2).extract_all(["Small left effusion."])
    assert outcomes[0].findings is None
    assert "InternalServerError" in outcomes[0].error
    assert len(server.calls) == 3
    assert summary.failed == 1

    recovering = serve(
        lambda request, number: ScriptedReply(status=503 if number < 2 else 200, content=VALID, headers=FAST_RETRY)
    )
    outcomes, _ = extractor_for(recovering, max_retries=2).extract_all(["Small left effusion."])
    assert outcomes[0].findings is not None
    assert [call.status for call in recovering.calls] == [503, 503, 200]


def test_slow_replies_time_out_and_are_retried(serve):
    server = serve(lambda request, number: ScriptedReply(content=VALID, delay=1.0 if number == 0 else 0.0))
    outcomes, _ = extractor_for(server, timeout=0.3, max_retries=1).extract_all(["Small left effusion."])
    assert outcomes[0].findings is not None
    assert len(server.calls) == 2

    always_slow = serve(lambda request, number: ScriptedReply(content=VALID, delay=1.0))
    outcomes, summary = extractor_for(always_slow, timeout=0.2, max_retries=1).extract_all(["Small effusion."])
    assert outcomes[0].findings is None and "Timeout" in outcomes[0].error
    assert len(always_slow.calls) == 2


def test_concurrency_is_bounded_and_actually_concurrent(serve):
    server = serve(lambda request, number: ScriptedReply(content=VALID, delay=0.25))
    reports = [f"Report {index}: small effusion." for index in range(12)]
    started = time.perf_counter()
    outcomes, summary = extractor_for(server, concurrency=4).extract_all(reports)
    elapsed = time.perf_counter() - started
    assert summary.done == 12
    assert server.max_in_flight == 4
    assert elapsed < 12 * 0.25 / 2  # serial would take 3 s; 4 at a time about 0.75 s


def test_json_schema_rejection_falls_back_to_json_mode(serve):
    def respond(request, number):
        if request.get("response_format", {}).get("type") == "json_schema":
            return ScriptedReply(status=400, content="response_format json_schema is not supported")
        return ScriptedReply(content=VALID)

    server = serve(respond)
    outcomes, summary = extractor_for(server).extract_all(["Small left effusion.", "Large right effusion."])
    assert all(o.findings for o in outcomes)
    assert summary.response_mode == "json_object"
    assert server.calls[-1].request["response_format"] == {"type": "json_object"}


def test_plain_text_servers_are_read_by_the_tolerant_parser(serve):
    def respond(request, number):
        if "response_format" in request:
            return ScriptedReply(status=400, content="unsupported parameter: response_format")
        return ScriptedReply(content="Findings:\n```json\n" + VALID + "\n```")

    server = serve(respond)
    outcomes, summary = extractor_for(server).extract_all(["Small left effusion."])
    assert outcomes[0].findings[0].category == "pleural effusion"
    assert summary.response_mode == "text"


def test_the_key_never_appears_in_errors(serve):
    server = serve(
        lambda request, number: ScriptedReply(
            status=401, content="Incorrect API key provided: sk-test-key-1234567890 is wrong"
        )
    )
    outcomes, summary = extractor_for(server).extract_all(["Small left effusion."])
    assert "AuthenticationError" in outcomes[0].error
    assert "sk-test" not in outcomes[0].error and "[redacted]" in outcomes[0].error
    assert "sk-test" not in repr(extractor_for(server))


def test_a_key_is_required_for_the_default_endpoint(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        GptIeExtractor("gpt-4o-mini")
    with pytest.raises(ValueError, match="concurrency"):
        GptIeExtractor("m", base_url="http://127.0.0.1:9/v1", concurrency=0)
