"""`halo ask`, `halo chat` and `halo sessions` as a user runs them (resources from get_resources())."""

from __future__ import annotations

import json

from click.testing import CliRunner

from halo_cli.cli import main
from bench.samplegen import load_truth


def test_ask_chat_sessions(sample_root, cache, no_key_env, redis_url, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_url)
    runner = CliRunner()
    out = runner.invoke(main, ["ask", "meeting", "Which animals did they draw?", "--session", "cli", "--json"])
    assert out.exit_code == 0, out.output
    turn = json.loads(out.stdout)
    assert turn["backend"] == "local" and turn["citations"] and turn["naive_tokens"] > 0
    animals = next(t for t in load_truth()["topics"] if "animal" in t["title"].lower())
    assert all(animals["start"] - 1 <= c["start"] <= animals["end"] for c in turn["citations"])

    again = runner.invoke(main, ["ask", "meeting", "Which animals did they draw?", "--session", "cli"])
    assert again.exit_code == 0 and "cache L1" in again.stderr and "$0.000000" in again.stderr

    chat = runner.invoke(main, ["chat", "meeting", "--session", "cli"], input="who said that?\n\nexit\nignored\n")
    assert chat.exit_code == 0, chat.output
    assert "read as: who said that? (follow-up to: Which animals did they draw?" in chat.stderr
    assert "saved 3 turns" in chat.stderr

    listed = runner.invoke(main, ["sessions", "meeting", "--json"])
    assert json.loads(listed.stdout) == [
        {**json.loads(listed.stdout)[0], "session": "cli", "turns": 3, "last_question": "who said that?"}]

    missing = runner.invoke(main, ["ask", "nope", "anything"])
    assert missing.exit_code == 1 and "Unknown video 'nope'" in missing.output and "Traceback" not in missing.output
