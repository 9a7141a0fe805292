"""GPT-IE: findings from reports through any OpenAI-compatible chat-completions server.

Requests ask for JSON-schema structured output; a server that rejects that is asked for JSON mode,
then for plain text read by the tolerant parser. At most `concurrency` reports are in flight. The
`openai` client retries rate limits (429), server errors (5xx), timeouts and dropped connections
with exponential backoff; a malformed reply is retried once with the parse error shown to the model
and then recorded as a failure of that report. Each reply is cached as it arrives (see
`ExtractionCache`), so a re-run only calls for reports without a cached reply. The API key comes
from `OPENAI_API_KEY` (or the `api_key` argument) and is never logged, cached or written.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel
from tqdm import tqdm

from processing.findings.extraction_cache import CachedReply, ExtractionCache, report_hash
from processing.findings.extraction_outcome import ExtractionOutcome
from processing.findings.gpt_ie_prompt import build_messages, prompt_version, repair_message
from processing.findings.reply_format import ReplyParseError, findings_json_schema, parse_reply
from processing.findings.report_findings import finalize_findings
from processing.findings.schema import Finding
from processing.knowledge import KnowledgeDictionary, load_knowledge_dictionary

RESPONSE_MODES = ("json_schema", "json_object", "text")
_FORMAT_REJECTION = re.compile(r"response_format|json_schema|json_object|schema|format|not supported|unsupported", re.I)
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9*_\-]{6,}")


class ExtractionSummary(BaseModel):
    """Counts for a run: reports newly extracted, taken from the cache, failed; tokens spent."""

    total: int = 0
    done: int = 0
    cached: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    response_mode: str = RESPONSE_MODES[0]
    unknown_categories: dict[str, int] = {}

    def line(self) -> str:
        """One human-readable line."""
        unknown = sum(self.unknown_categories.values())
        return (
            f"{self.total} reports: {self.done} extracted, {self.cached} from cache, {self.failed} failed; "
            f"tokens {self.prompt_tokens} prompt + {self.completion_tokens} completion; "
            f"response format {self.response_mode}; {unknown} findings with categories outside the dictionary"
        )


class _Failure(Exception):
    """A report that could not be extracted (message safe to show)."""


class GptIeExtractor:
    """Extracts findings with an LLM behind an OpenAI-compatible endpoint; see the module docstring."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        concurrency: int = 8,
        timeout: float = 60.0,
        max_retries: int = 4,
        cache: ExtractionCache | None = None,
        dictionary: KnowledgeDictionary | None = None,
        progress: bool = False,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.model = model
        self.base_url = base_url
        self._api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not self._api_key:
            if base_url is None:
                raise ValueError("GPT-IE needs OPENAI_API_KEY in the environment, or --base-url for a local server")
            self._api_key = "EMPTY"  # local servers (vLLM, llama.cpp, Ollama) accept any key
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.cache = cache
        self.dictionary = dictionary if dictionary is not None else load_knowledge_dictionary()
        self.prompt_version = prompt_version(self.dictionary)
        self.progress = progress
        self._mode = 0

    def __repr__(self) -> str:
        return f"GptIeExtractor(model={self.model!r}, base_url={self.base_url!r}, concurrency={self.concurrency})"

    def extract_all(self, texts: Sequence[str]) -> tuple[list[ExtractionOutcome], ExtractionSummary]:
        """Outcomes for `texts` in order, and the run's summary (runs its own event loop)."""
        return asyncio.run(self.aextract_all(texts))

    async def aextract_all(self, texts: Sequence[str]) -> tuple[list[ExtractionOutcome], ExtractionSummary]:
        """Async `extract_all`: identical texts are extracted once."""
        summary = ExtractionSummary(total=len(texts))
        semaphore = asyncio.Semaphore(self.concurrency)
        unique: dict[str, asyncio.Task[ExtractionOutcome]] = {}
        hashes = [report_hash(text) for text in texts]
        bar = tqdm(total=len(set(hashes)), desc="GPT-IE", unit="report", disable=not self.progress, file=sys.stderr)
        client = openai.AsyncOpenAI(
            api_key=self._api_key, base_url=self.base_url, timeout=self.timeout, max_retries=self.max_retries
        )
        async with client:
            for text, key in zip(texts, hashes, strict=True):
                if key not in unique:
                    unique[key] = asyncio.create_task(self._extract_one(client, semaphore, text, key, summary, bar))
            by_hash = {key: await task for key, task in unique.items()}
        bar.close()
        outcomes = [by_hash[key] for key in hashes]
        unknown: Counter[str] = Counter()
        for outcome in outcomes:
            if outcome.findings is None:
                summary.failed += 1
                continue
            summary.cached += outcome.cached
            summary.done += not outcome.cached
            unknown.update(f.category for f in outcome.findings if self.dictionary.lookup(f.category) is None)
        summary.unknown_categories = dict(unknown.most_common())
        summary.response_mode = RESPONSE_MODES[self._mode]
        return outcomes, summary

    async def _extract_one(
        self,
        client: openai.AsyncOpenAI,
        semaphore: asyncio.Semaphore,
        text: str,
        key: str,
        summary: ExtractionSummary,
        bar: tqdm,
    ) -> ExtractionOutcome:
        try:
            if self.cache is not None:
                cached = self.cache.get(self.model, self.prompt_version, key)
                if cached is not None:
                    return ExtractionOutcome(findings=finalize_findings(cached.findings, self.dictionary), cached=True)
            async with semaphore:
                findings = await self._call_until_parsed(client, text, key, summary)
            return ExtractionOutcome(findings=finalize_findings(findings, self.dictionary))
        except _Failure as failure:
            return ExtractionOutcome(error=str(failure))
        finally:
            bar.update(1)

    async def _call_until_parsed(
        self, client: openai.AsyncOpenAI, text: str, key: str, summary: ExtractionSummary
    ) -> list[Finding]:
        messages = build_messages(text, self.dictionary)
        prompt_tokens = completion_tokens = 0
        reply = None
        for attempt in range(2):
            reply, usage = await self._complete(client, messages)
            prompt_tokens += usage[0]
            completion_tokens += usage[1]
            summary.prompt_tokens += usage[0]
            summary.completion_tokens += usage[1]
            try:
                findings = parse_reply(reply)
            except ReplyParseError as error:
                if attempt == 1:
                    raise _Failure(f"malformed reply after one retry: {error}") from None
                messages = [*messages, {"role": "assistant", "content": reply or ""}, repair_message(str(error))]
                continue
            if self.cache is not None:
                self.cache.put(
                    self.model, self.prompt_version, key, CachedReply(findings, prompt_tokens, completion_tokens)
                )
            return findings
        raise AssertionError("unreachable")

    async def _complete(
        self, client: openai.AsyncOpenAI, messages: list[dict[str, str]]
    ) -> tuple[str | None, tuple[int, int]]:
        """One chat completion (the client retries transient errors), falling back to weaker JSON modes."""
        while True:
            mode = self._mode
            body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0}
            if RESPONSE_MODES[mode] == "json_schema":
                body["response_format"] = findings_json_schema()
            elif RESPONSE_MODES[mode] == "json_object":
                body["response_format"] = {"type": "json_object"}
            try:
                # The client's generic `post` (same retries, timeouts and errors as `chat.completions.create`)
                # sends the body as is; `create` re-walks every message and the JSON schema against its
                # typed parameters on each call, which costs more CPU than the rest of the call.
                completion = await client.post("/chat/completions", body=body, cast_to=ChatCompletion)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
                if RESPONSE_MODES[mode] != "text" and _FORMAT_REJECTION.search(str(error)):
                    self._mode = max(self._mode, mode + 1)
                    continue
                raise _Failure(self._describe(error)) from None
            except openai.OpenAIError as error:
                raise _Failure(self._describe(error)) from None
            usage = completion.usage
            tokens = (usage.prompt_tokens or 0, usage.completion_tokens or 0) if usage else (0, 0)
            content = completion.choices[0].message.content if completion.choices else None
            return content, tokens

    def _describe(self, error: Exception) -> str:
        """The error as text with anything key-like removed."""
        message = f"{type(error).__name__}: {error}"
        if self._api_key and self._api_key != "EMPTY":
            message = message.replace(self._api_key, "[redacted]")
        return _KEY_LIKE.sub("[redacted]", message)
