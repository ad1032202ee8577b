"""The API key appears nowhere: run logs (instance event log, with the SDK's loggers captured),
run metadata/config, Parquet outputs, the ledger store, exception strings -- even when a proxy
echoes the request headers (key included) back in its error bodies."""

from __future__ import annotations

import redis
from dagster import instance_for_test
from dagster._serdes import serialize_value

from halo_tests.test_llm.conftest import API_KEY
from halo_tests.test_llm.test_assets import resources, run


def _all_text(instance, data_root) -> str:
    chunks = []
    for record in instance.get_runs():
        chunks.append(serialize_value(record.run_config) + str(record.tags))
        chunks += [serialize_value(e) for e in instance.all_logs(record.run_id)]
    for path in data_root.rglob("*"):
        if path.is_file():
            chunks.append(path.read_bytes().decode("latin-1"))
    return "\n".join(chunks)


def test_key_never_in_logs_metadata_parquet_or_exceptions(data_root, gemini_env, fresh_redis):
    overrides = {"python_logs": {"managed_python_loggers": ["google_genai", "httpx", "httpx2", "halo"],
                                 "python_log_level": "DEBUG"}}
    with instance_for_test(overrides=overrides) as instance:
        # 1) a run that succeeds after the proxy echoed the key twice (the SDK logs each retry)
        gemini_env.faults = ["echo_key", "echo_key"]
        ok, _ = run(resources(fresh_redis, max_retries=3), instance)
        assert ok.success
        # 2) a run that fails because every attempt is answered with the echoed headers
        redis.Redis.from_url(fresh_redis).flushall()  # no cached answers: Gemini must be called
        gemini_env.faults = ["echo_key"] * 50
        failed, _ = run(resources(fresh_redis, max_retries=1), instance, raise_on_error=False)
        assert not failed.success
        errors = [str(e.event_specific_data.error) for e in failed.all_events if e.is_step_failure]
        assert errors and "x-goog-api-key" in errors[0] and "***" in errors[0]  # echoed, redacted
        everything = _all_text(instance, data_root) + "\n".join(errors)
        assert "Retrying" in everything  # the SDK's retry logs were captured into the event log
        assert any(h.get("x-goog-api-key") == API_KEY for h in gemini_env.headers_seen)  # key was used
        assert API_KEY not in everything
