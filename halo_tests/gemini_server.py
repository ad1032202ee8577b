"""A local HTTP server that speaks the Gemini REST API the way google-genai 3.4.0 calls it.

Endpoints (paths as the SDK builds them, see google/genai/models.py, caches.py, batches.py;
3.4.0 defaults to api version "v1", GOOGLE_GENAI_API_VERSION=beta gives "v1beta": both served):
  POST   /{v}/models/{model}:generateContent
  POST   /{v}/models/{model}:countTokens
  POST   /{v}/cachedContents              GET/DELETE /{v}/cachedContents/{id}
  POST   /{v}/models/{model}:batchGenerateContent     GET /{v}/batches/{id}

Tokens are counted deterministically (text: ceil(chars/4) per part, image: 258, or 66 when
generationConfig.mediaResolution is MEDIA_RESOLUTION_LOW), itemised per modality in
promptTokensDetails / cacheTokensDetails, and every usageMetadata the server reports is
appended to ``server.reported`` so tests can check the ledger against it to the token.
``server.faults`` is a list of faults consumed one per request ("429", "500", "503", "timeout",
"malformed", "no_usage", "echo_key", and billed non-answers: "safety" = candidate stopped by
SAFETY, "empty" = empty candidate, "prompt_blocked" = promptFeedback.blockReason, no candidate;
and "prose" = a plain-text answer where JSON was asked for).
``server.served_as`` reroutes a model ({asked: served}) the way Google routes a retired model:
the response's modelVersion names the model that served. With ``server.implicit_min_tokens``
set, a request whose leading parts (system instruction, then contents) repeat those of an
earlier request to the same model by at least that many tokens reports them as cached
(implicit caching).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IMAGE_TOKENS = 258
IMAGE_TOKENS_LOW = 66
THOUGHTS = 3
NON_ANSWERS = ("safety", "empty", "prompt_blocked")
RESPONSE_FAULTS = NON_ANSWERS + ("prose",)  # billed responses shaped by the generate handler
PROSE = "The meeting covered the remote control design and its budget."


def _text_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _part_list(contents: list | None, system: dict | None = None, low_res: bool = False) -> list[tuple[str, str, int]]:
    """(modality, identity, tokens) per part, system instruction first (as the model reads it)."""
    out = []
    for content in ([system] if system else []) + (contents or []):
        for part in content.get("parts", []):
            if "text" in part:
                out.append(("TEXT", part["text"], _text_tokens(part["text"])))
            elif "inlineData" in part:
                out.append(("IMAGE", part["inlineData"].get("data", "")[:64],
                            IMAGE_TOKENS_LOW if low_res else IMAGE_TOKENS))
    return out


def _parts_tokens(contents: list | None, system: dict | None = None, low_res: bool = False) -> int:
    return sum(n for _, _, n in _part_list(contents, system, low_res))


def _by_modality(parts: list[tuple[str, str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for m, _, n in parts:
        out[m] = out.get(m, 0) + n
    return out


def _details(counts: dict[str, int]) -> list[dict]:
    return [{"modality": m, "tokenCount": n} for m, n in sorted(counts.items()) if n]


def _prompt_text(contents: list | None) -> str:
    return "\n".join(p.get("text", "") for c in contents or [] for p in c.get("parts", []))


def _answer(body: dict) -> str:
    """A deterministic answer: JSON summary+chapters in JSON mode, else the prompt's first words."""
    text = _prompt_text(body.get("contents"))
    cfg = body.get("generationConfig") or {}
    if cfg.get("responseMimeType") == "application/json":
        starts = [float(s) for s in re.findall(r"start=([0-9.]+)", text)]
        chapters = [{"start": s, "title": f"Part {i + 1}"} for i, s in enumerate(starts)]
        return json.dumps({"summary": "A meeting about " + " ".join(text.split()[-12:]), "chapters": chapters})
    words = text.split("TRANSCRIPT:")[-1].split()
    return "Summary: " + " ".join(words[:25])


class GeminiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0, batch_polls_before_done: int = 1, timeout_sleep_s: float = 3.0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.lock = threading.Lock()
        self.reported: list[dict] = []  # every usageMetadata sent, with kind + model
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self.headers_seen: list[dict] = []
        self.faults: list[str] = []
        self.caches: dict[str, dict] = {}
        self.batches: dict[str, dict] = {}
        self.batch_polls_before_done = batch_polls_before_done
        self.batch_get_failures = 0  # GET batches/... answers 500 this many times (resumption tests)
        self.timeout_sleep_s = timeout_sleep_s
        self.generate_delay_s = 0.0  # every generateContent waits this long (calls overlap in flight)
        self.served_as: dict[str, str] = {}
        self.implicit_min_tokens = 0  # 0 = no implicit caching
        self._seen: dict[str, list[list[tuple[str, str, int]]]] = {}  # model -> earlier prompts
        self.pending_non_answer: list[str] = []  # non-answer faults for the next generate calls
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> "GeminiServer":
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def count(self, fragment: str) -> int:
        return sum(fragment in p for _, p in self.requests)

    # usage -------------------------------------------------------------------------------
    def _implicit_prefix(self, model: str, parts: list[tuple[str, str, int]]) -> dict[str, int]:
        """Tokens of the longest run of leading parts shared with an earlier prompt (implicit cache)."""
        best: list[tuple[str, str, int]] = []
        for earlier in self._seen.get(model, []):
            n = 0
            while n < min(len(earlier), len(parts)) and earlier[n][:2] == parts[n][:2]:
                n += 1
            if sum(p[2] for p in parts[:n]) > sum(p[2] for p in best):
                best = parts[:n]
        self._seen.setdefault(model, []).append(parts)
        if self.implicit_min_tokens and sum(p[2] for p in best) >= self.implicit_min_tokens:
            return _by_modality(best)
        return {}

    def usage_for(self, body: dict, kind: str, model: str, non_answer: str = "") -> dict:
        served = self.served_as.get(model, model)
        low = (body.get("generationConfig") or {}).get("mediaResolution") == "MEDIA_RESOLUTION_LOW"
        parts = _part_list(body.get("contents"), body.get("systemInstruction"), low)
        prompt_by = _by_modality(parts)
        name = body.get("cachedContent")
        with self.lock:
            cached_by = dict(self.caches[name]["by_modality"]) if name else self._implicit_prefix(served, parts)
        if name:
            for m, n in cached_by.items():
                prompt_by[m] = prompt_by.get(m, 0) + n
        prompt, cached = sum(prompt_by.values()), sum(cached_by.values())
        out = PROSE if non_answer == "prose" else "" if non_answer else _answer(body)
        um = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": _text_tokens(out),
            "thoughtsTokenCount": THOUGHTS,
            "totalTokenCount": prompt + _text_tokens(out) + THOUGHTS,
            "promptTokensDetails": _details(prompt_by),
        }
        if cached:
            um["cachedContentTokenCount"] = cached
            um["cacheTokensDetails"] = _details(cached_by)
        with self.lock:
            self.reported.append({**um, "kind": kind, "model": served, "requested": model})
        response = {"usageMetadata": um, "modelVersion": served}
        if non_answer == "prompt_blocked":
            response["promptFeedback"] = {"blockReason": "SAFETY"}
        elif non_answer == "safety":
            response["candidates"] = [{"content": {"role": "model", "parts": []}, "finishReason": "SAFETY"}]
        else:
            response["candidates"] = [{"content": {"role": "model", "parts": [{"text": out}]}, "finishReason": "STOP"}]
        return response


class _Handler(BaseHTTPRequestHandler):
    server: GeminiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _send(self, code: int, payload: dict | str) -> None:
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            self.close_connection = True

    def _error(self, code: int, status: str, message: str) -> None:
        self._send(code, {"error": {"code": code, "message": message, "status": status}})

    def _body(self) -> dict:
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}") if n else {}

    def _fault(self) -> bool:
        """Apply the next injected fault; True if the request was answered by it."""
        with self.server.lock:
            fault = self.server.faults.pop(0) if self.server.faults else None
        if fault in RESPONSE_FAULTS:  # billed, answered by the generate handler
            with self.server.lock:
                self.server.pending_non_answer.append(fault)
            return False
        if fault is None or fault == "no_usage":
            if fault == "no_usage":
                self._send(200, {"candidates": [{"content": {"parts": [{"text": "x"}]}}]})
                return True
            return False
        if fault in ("429", "500", "503"):
            status = {"429": "RESOURCE_EXHAUSTED", "500": "INTERNAL", "503": "UNAVAILABLE"}[fault]
            self._error(int(fault), status, f"injected {fault}")
        elif fault == "timeout":
            time.sleep(self.server.timeout_sleep_s)
            self._error(504, "DEADLINE_EXCEEDED", "too late")
        elif fault == "malformed":
            self._send(200, "<html>upstream proxy error: this is not JSON")
        elif fault == "echo_key":  # a misbehaving proxy that echoes request headers (retriable)
            self._error(503, "UNAVAILABLE", f"overloaded, headers={dict(self.headers)}")
        return True

    def _handle(self, method: str) -> None:
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.requests.append((method, path))
            self.server.headers_seen.append(dict(self.headers))
        body = self._body() if method == "POST" else {}
        if self._fault():
            return
        m = re.fullmatch(r"/v1(?:beta)?/models/([^:/]+):(\w+)", path)
        if method == "POST" and m:
            model, verb = m.groups()
            if verb == "generateContent":
                time.sleep(self.server.generate_delay_s)
                with self.server.lock:
                    na = self.server.pending_non_answer.pop(0) if self.server.pending_non_answer else ""
                return self._send(200, self.server.usage_for(body, "generate", model, na))
            if verb == "countTokens":
                return self._send(200, {"totalTokens": _parts_tokens(body.get("contents"))})
            if verb == "batchGenerateContent":
                return self._create_batch(model, body)
        if re.fullmatch(r"/v1(?:beta)?/cachedContents", path) and method == "POST":
            name = f"cachedContents/{uuid.uuid4().hex[:10]}"
            by_modality = _by_modality(_part_list(body.get("contents"), body.get("systemInstruction")))
            tokens = sum(by_modality.values())
            self.server.caches[name] = {"tokens": tokens, "by_modality": by_modality, "model": body.get("model")}
            with self.server.lock:
                self.server.reported.append(
                    {"promptTokenCount": tokens, "totalTokenCount": tokens, "kind": "cache_create",
                     "model": body.get("model", "").removeprefix("models/")}
                )
            return self._send(200, {"name": name, "model": body.get("model"), "ttl": body.get("ttl"),
                                    "usageMetadata": {"totalTokenCount": tokens}})
        m = re.fullmatch(r"/v1(?:beta)?/(cachedContents/[^/]+)", path)
        if m and method in ("GET", "DELETE"):
            if m.group(1) not in self.server.caches:
                return self._error(404, "NOT_FOUND", "no such cache")
            if method == "DELETE":
                self.server.caches.pop(m.group(1))
                return self._send(200, {})
            return self._send(200, {"name": m.group(1)})
        m = re.fullmatch(r"/v1(?:beta)?/(batches/[^/]+)", path)
        if m and method == "GET":
            return self._get_batch(m.group(1))
        self._error(404, "NOT_FOUND", f"no route {method} {path}")

    def _create_batch(self, model: str, body: dict) -> None:
        batch = body.get("batch", {})
        reqs = batch.get("inputConfig", {}).get("requests", {}).get("requests", [])
        name = f"batches/{uuid.uuid4().hex[:10]}"
        self.server.batches[name] = {"model": model, "requests": reqs, "polls": 0,
                                     "display": batch.get("displayName", "")}
        self._send(200, {"name": name, "metadata": {"name": name, "model": f"models/{model}",
                                                     "state": "BATCH_STATE_PENDING",
                                                     "displayName": batch.get("displayName", "")}})

    def _get_batch(self, name: str) -> None:
        job = self.server.batches.get(name)
        if self.server.batch_get_failures > 0:
            self.server.batch_get_failures -= 1
            return self._error(500, "INTERNAL", "batch service hiccup")
        if job is None:
            return self._error(404, "NOT_FOUND", f"no batch {name}")
        job["polls"] += 1
        meta = {"name": name, "model": f"models/{job['model']}", "displayName": job["display"]}
        if job["polls"] <= self.server.batch_polls_before_done:
            meta["state"] = "BATCH_STATE_RUNNING"
            return self._send(200, {"name": name, "metadata": meta})
        if "responses" not in job:  # usage is reported once, when results are first produced
            job["responses"] = [
                {"response": self.server.usage_for(r.get("request", {}), "batch", job["model"]),
                 "metadata": r.get("metadata", {})}
                for r in job["requests"]
            ]
        meta["state"] = "BATCH_STATE_SUCCEEDED"
        meta["output"] = {"inlinedResponses": {"inlinedResponses": job["responses"]}}
        self._send(200, {"name": name, "metadata": meta, "done": True})

    def do_POST(self) -> None:
        self._handle("POST")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_DELETE(self) -> None:
        self._handle("DELETE")
