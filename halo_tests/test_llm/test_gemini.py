"""The real google-genai client against a local server speaking the Gemini REST API."""

from __future__ import annotations

import logging

import pytest

from halo.llm.pricing import DEFAULT_FLASH_MODEL, DEFAULT_PRO_MODEL
from halo.llm.gemini import (
    GeminiCallError,
    GeminiClient,
    GeminiClientConfig,
    MalformedResponse,
    choose_model,
)
from halo_tests.test_llm.conftest import API_KEY

FLASH = DEFAULT_FLASH_MODEL


def fast(**kw) -> GeminiClientConfig:
    return GeminiClientConfig(retry_initial_delay_s=0.01, retry_max_delay_s=0.05, timeout_s=1.0, **kw)


def test_usage_metadata_is_taken_to_the_token(gemini_env):
    client = GeminiClient(fast())
    r = client.generate(["TRANSCRIPT: the budget for Q3 is forty thousand"], model=FLASH, system="be brief")
    reported = gemini_env.reported[-1]
    assert r.usage.prompt_tokens == reported["promptTokenCount"]
    assert r.usage.output_tokens == reported["candidatesTokenCount"] + reported["thoughtsTokenCount"]
    assert r.usage.total_tokens == reported["totalTokenCount"]
    assert r.text.startswith("Summary: the budget")
    # GOOGLE_GEMINI_BASE_URL (set by the fixture, no base_url in config) routed the call here,
    # and the key travelled in the x-goog-api-key header, not in the URL.
    assert gemini_env.count(":generateContent") == 1
    assert gemini_env.headers_seen[-1]["x-goog-api-key"] == API_KEY
    assert all(API_KEY not in path for _, path in gemini_env.requests)


def test_base_url_config_overrides_env(gemini_env, monkeypatch):
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    client = GeminiClient(fast(base_url=gemini_env.base_url))
    client.generate(["hi"], model=FLASH)
    assert gemini_env.count(":generateContent") == 1


@pytest.mark.parametrize("faults", [["429"], ["500"], ["503", "429"], ["timeout"], ["500", "timeout", "429"]])
def test_retries_on_429_500_503_and_timeouts(gemini_env, faults):
    gemini_env.faults = list(faults)
    client = GeminiClient(fast(max_retries=4))
    r = client.generate(["TRANSCRIPT: retry me"], model=FLASH)
    assert r.text == "Summary: retry me"
    assert gemini_env.count(":generateContent") == len(faults) + 1
    assert len(gemini_env.reported) == 1  # only the successful call reported (and is billed) usage


def test_gives_up_after_max_retries_with_a_clear_error(gemini_env):
    gemini_env.faults = ["429"] * 3
    client = GeminiClient(fast(max_retries=2))
    with pytest.raises(GeminiCallError, match=r"HTTP 429 RESOURCE_EXHAUSTED after 2 retries.*quota"):
        client.generate(["x"], model=FLASH)
    assert gemini_env.count(":generateContent") == 3


def test_timeout_error_is_clear(gemini_env):
    gemini_env.faults = ["timeout"] * 2
    client = GeminiClient(fast(max_retries=1))
    with pytest.raises(GeminiCallError, match=r"timed out after 1 s \(1 retries\); raise timeout_s"):
        client.generate(["x"], model=FLASH)


def test_unreachable_endpoint_is_named_with_the_fix(monkeypatch):
    """A key set but nothing listening (a stopped proxy, no network): the error named neither the
    endpoint nor what to do, only 'could not reach the API: ConnectError'."""
    monkeypatch.setenv("GEMINI_API_KEY", API_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    client = GeminiClient(fast(max_retries=0))
    with pytest.raises(GeminiCallError) as err:
        client.generate(["x"], model=FLASH)
    text = str(err.value)
    assert "could not reach the API at http://127.0.0.1:9" in text, text
    assert "GOOGLE_GEMINI_BASE_URL" in text and "unset GEMINI_API_KEY" in text and API_KEY not in text


@pytest.mark.parametrize("url,shown", [
    ("https://me:hunter2@proxy.example/v1", "https://***@proxy.example/v1"),
    ("me:hunter2@127.0.0.1:9", "***@127.0.0.1:9"),  # no scheme: httpx refuses it, the error names it
    ("//me:hunter2@127.0.0.1:9/v1@beta", "//***@127.0.0.1:9/v1@beta"),
    ("http://127.0.0.1:9/v1@beta", "http://127.0.0.1:9/v1@beta"),  # an @ in the path is no password
])
def test_the_unreachable_endpoint_never_shows_its_password(monkeypatch, url, shown):
    """The endpoint named in the error hid a password only after 'scheme://': a base URL typed
    without https:// (the kind that fails to connect) was printed with its password."""
    monkeypatch.setenv("GEMINI_API_KEY", API_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", url)
    client = GeminiClient(fast(max_retries=0))
    assert client.endpoint() == shown
    if url.startswith("me:"):
        with pytest.raises(GeminiCallError) as err:
            client.generate(["x"], model=FLASH)
        assert f"could not reach the API at {shown}: " in str(err.value) and "hunter2" not in str(err.value)


@pytest.mark.parametrize(
    "fault,pattern",
    [("malformed", r"malformed response body \(JSONDecodeError"), ("no_usage", r"no usageMetadata")],
)
def test_malformed_bodies_give_a_clear_error(gemini_env, fault, pattern):
    gemini_env.faults = [fault]
    client = GeminiClient(fast())
    with pytest.raises(MalformedResponse, match=pattern):
        client.generate(["x"], model=FLASH)


def test_key_never_in_exceptions_or_sdk_logs(gemini_env, caplog):
    caplog.set_level(logging.DEBUG)
    gemini_env.faults = ["echo_key"] * 3  # a proxy echoing the request headers in its error body
    client = GeminiClient(fast(max_retries=2))
    with pytest.raises(GeminiCallError) as err:
        client.generate(["x"], model=FLASH)
    text = str(err.value) + repr(err.value) + repr(client) + repr(client.settings)
    assert "x-goog-api-key" in text and "***" in text  # the echoed header is there, redacted
    assert API_KEY not in text
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert any("Retrying" in r.getMessage() for r in caplog.records)  # the SDK did log retries
    assert all(API_KEY not in r.getMessage() for r in caplog.records)


def test_count_tokens_and_context_cache(gemini_env):
    client = GeminiClient(fast())
    assert client.count_tokens(["abcdefgh" * 10], model=FLASH) == 20
    name, tokens = client.create_context_cache(["context " * 800], model=FLASH, ttl_s=600)
    assert tokens == 1600 and name.startswith("cachedContents/")
    r = client.generate(["QUESTION: what?"], model=FLASH, cached_content=name)
    assert r.usage.cached_tokens == 1600 and r.usage.prompt_tokens == 1600 + 4
    client.delete_context_cache(name)
    assert name not in gemini_env.caches


def test_batch_submit_poll_and_usage(gemini_env):
    gemini_env.batch_polls_before_done = 2
    client = GeminiClient(fast())
    name = client.submit_batch({"a": ["TRANSCRIPT: one"], "b": ["TRANSCRIPT: two three"]}, model=FLASH)
    out = client.wait_batch(name, model=FLASH, poll_s=0.01)
    assert set(out) == {"a", "b"} and out["b"].text == "Summary: two three" and out["a"].batch
    assert [r["promptTokenCount"] for r in gemini_env.reported] == [out["a"].usage.prompt_tokens, out["b"].usage.prompt_tokens]
    assert gemini_env.count("batches/") == 3  # polled while RUNNING, then SUCCEEDED


def test_model_choice_flash_by_default_pro_when_long_or_hard():
    s = GeminiClientConfig()
    assert choose_model(s, 5_000) == (DEFAULT_FLASH_MODEL, "flash: default (input ~5000 tokens)")
    model, reason = choose_model(s, 250_000)
    assert model == DEFAULT_PRO_MODEL and "250000 tokens > 200000" in reason
    assert choose_model(s, 10, hard=True) == (DEFAULT_PRO_MODEL, "pro: task marked hard")
