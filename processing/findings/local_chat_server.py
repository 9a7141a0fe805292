"""A small OpenAI-compatible chat-completions server on 127.0.0.1, for tests, benchmarks and demos.

Each request to `POST /v1/chat/completions` is answered by a Python callable (`Responder`) given
the request body and its 0-based call number; the default responder replies with the offline rule
extractor's findings of the report in the last user message, so GPT-IE can run end to end offline.
The server records every call (request, start and end time) and the highest number in flight.
Run standalone: `python -m processing.findings.local_chat_server --port 8000 --latency 0.1`.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from processing.findings.gpt_ie_prompt import report_of


@dataclass
class ScriptedReply:
    """One answer: HTTP status, the assistant text (or a raw JSON body), extra headers, a delay first."""

    content: str | None = None
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Responder = Callable[[dict[str, Any], int], ScriptedReply]


@dataclass
class RecordedCall:
    """A request the server received, with when it started and finished being answered."""

    request: dict[str, Any]
    started: float
    finished: float = 0.0
    status: int = 0

    @property
    def report(self) -> str:
        """The report text of the last user message (see `gpt_ie_prompt.user_message`)."""
        users = [message["content"] for message in self.request.get("messages", []) if message["role"] == "user"]
        return report_of(users[-1]) if users else ""


def rule_based_responder(latency: float = 0.0) -> Responder:
    """A responder answering like a well-behaved LLM, with the rule extractor's findings, after `latency` s."""
    from processing.findings.rule_extractor import RuleExtractor

    extractor = RuleExtractor()
    lock = threading.Lock()

    def respond(request: dict[str, Any], call_number: int) -> ScriptedReply:
        users = [message["content"] for message in request["messages"] if message["role"] == "user"]
        with lock:
            findings = [
                finding.model_dump()
                for finding in extractor.extract(report_of(users[-1]))
                if finding.category != "no finding"
            ]
        return ScriptedReply(content=json.dumps({"findings": findings}), delay=latency)

    return respond


def completion_body(content: str | None, model: str, call_number: int) -> dict[str, Any]:
    """A chat.completion response body carrying `content`, with token counts from word counts."""
    return {
        "id": f"chatcmpl-local-{call_number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {
            "prompt_tokens": 100,
            "completion_tokens": len((content or "").split()),
            "total_tokens": 100 + len((content or "").split()),
        },
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many clients connect at once

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that go away (killed, timed out) are normal here; anything else is reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalChatServer:
    """The server, running in a background thread while used as a context manager (or between start/stop)."""

    def __init__(self, responder: Responder | None = None, port: int = 0) -> None:
        self.responder = responder or rule_based_responder()
        self.calls: list[RecordedCall] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        """The URL to give an OpenAI client as `base_url`."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> LocalChatServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalChatServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _answer(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            call = RecordedCall(request=request, started=time.monotonic())
            call_number = len(self.calls)
            self.calls.append(call)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            reply = self.responder(request, call_number)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.body is not None:
                body = reply.body
            elif reply.status == 200:
                body = completion_body(reply.content, request.get("model", "local"), call_number)
            else:
                body = {"error": {"message": reply.content or f"scripted status {reply.status}", "type": "server"}}
            call.status = reply.status
            return reply.status, reply.headers, json.dumps(body).encode()
        finally:
            with self._lock:
                self._in_flight -= 1
                call.finished = time.monotonic()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    status, headers, body = 404, {}, b'{"error": {"message": "not found"}}'
                else:
                    try:
                        request = json.loads(raw)
                    except json.JSONDecodeError:
                        status, headers, body = 400, {}, b'{"error": {"message": "invalid JSON body"}}'
                    else:
                        status, headers, body = server._answer(request)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                """Silent: requests carry report text."""

        return Handler


def main() -> None:
    """Serve rule-based replies until interrupted."""
    parser = argparse.ArgumentParser(description="Local OpenAI-compatible chat-completions server (rule-based).")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each reply")
    args = parser.parse_args()
    server = LocalChatServer(rule_based_responder(args.latency), port=args.port)
    print(f"serving on {server.base_url}", flush=True)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        server._server.server_close()


if __name__ == "__main__":
    main()
