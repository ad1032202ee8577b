"""Audio with no speech gives empty-but-valid tables; broken model files give actionable errors."""

from __future__ import annotations

import numpy as np
import pytest

from halo.errors import ModelFileError
from halo.speech.diarize import diarize
from halo.speech.transcribe import COLUMNS, transcribe
from halo.speech.utterances import build_utterances, utterances_frame
from halo_tests.test_speech.conftest import SAMPLE

SR = 16_000


def music(seconds: float) -> np.ndarray:
    """Chords of pure tones with a beat: musical, not speech."""
    t = np.arange(int(seconds * SR)) / SR
    notes = [261.63, 329.63, 392.0, 523.25]
    chord = sum(np.sin(2 * np.pi * f * t * (1 + 0.5 * (int(k) % 2))) for k, f in enumerate(notes))
    beat = 0.5 + 0.5 * (np.sin(2 * np.pi * 2 * t) > 0)
    return (0.2 * chord / len(notes) * beat).astype(np.float32)


@pytest.mark.parametrize(
    "name, audio",
    [
        ("silence", np.zeros(10 * SR, dtype=np.float32)),
        ("music", music(12.0)),
        ("empty", np.zeros(0, dtype=np.float32)),
        ("tiny", np.zeros(SR // 4, dtype=np.float32)),
    ],
)
def test_no_speech_gives_empty_valid_outputs(name, audio) -> None:
    tr = transcribe(audio)
    d = diarize(audio)
    t_df, d_df = tr.to_frame(), d.to_frame()
    assert list(t_df.columns) == COLUMNS and list(d_df.columns) == ["start", "end", "speaker"]
    assert len(t_df) == 0 and len(d_df) == 0
    u_df = utterances_frame(build_utterances(tr.words, d.turns, []))
    assert len(u_df) == 0 and list(u_df.columns) == ["utt_id", "start", "end", "speaker", "scene_id", "text"]


def test_one_second_clip_is_valid() -> None:
    from halo.media import decode_audio

    audio = decode_audio(SAMPLE)[SR : 2 * SR]  # one second from inside the first turn
    tr, d = transcribe(audio), diarize(audio)
    assert len(d.speakers) <= 1
    for seg in tr.segments:
        assert 0 <= seg.start <= seg.end <= 1.05
    utts = build_utterances(tr.words, d.turns, [])
    assert all(u.speaker in set(d.speakers) | {"UNKNOWN"} for u in utts)


def test_corrupt_whisper_model_names_file_and_fix(data_root) -> None:
    from halo.model_files import sha256_of, whisper_base_dir

    target = whisper_base_dir()  # joined into the private data root
    model_bin = target / "model.bin"
    with open(model_bin, "r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00" * 64)
    sha256_of.cache_clear()
    with pytest.raises(ModelFileError) as err:
        whisper_base_dir()
    assert str(model_bin) in str(err.value) and "Fix:" in str(err.value)
    model_bin.unlink()  # the fix: delete it, and it is joined again
    sha256_of.cache_clear()
    assert whisper_base_dir() == target


def test_missing_resemblyzer_weights_names_file(monkeypatch, tmp_path) -> None:
    import resemblyzer

    from halo.model_files import resemblyzer_weights_path

    monkeypatch.setattr(resemblyzer, "__file__", str(tmp_path / "resemblyzer" / "__init__.py"))
    with pytest.raises(ModelFileError, match=r"pretrained\.pt is missing\. Fix: .*resemblyzer"):
        resemblyzer_weights_path()


def test_unavailable_pyannote_pipeline_says_how_to_fix(tmp_path, monkeypatch) -> None:
    """Offline, the full-size pipeline cannot come from the hub: the error says what to do."""
    from halo.speech.diarize import DiarizationConfig

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = DiarizationConfig(backend="pyannote", pyannote_pipeline=str(tmp_path / "no-such-pipeline"))
    with pytest.raises(ModelFileError, match="no-such-pipeline.*Fix:.*HF_TOKEN.*diarization_backend='local'"):
        diarize(np.zeros(5 * SR, dtype=np.float32), config)


def test_unavailable_alignment_model_says_how_to_fix(monkeypatch, tmp_path) -> None:
    from halo.speech.transcribe import AsrConfig

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from halo.media import decode_audio

    audio = decode_audio(SAMPLE)[: 8 * SR]
    with pytest.raises(ModelFileError, match="no-aligner.*Fix:.*alignment_model=''"):
        transcribe(audio, AsrConfig(alignment_model=str(tmp_path / "no-aligner"), language="en"))


def test_missed_speech_is_a_word_free_span_the_vad_heard() -> None:
    """The second pass re-decodes only spans with VAD speech and no word (not pauses)."""
    from halo.speech.transcribe import Word, missed_speech

    chunk = {"start": 10.0, "end": 30.0, "speech": [(10.0, 18.0), (22.0, 30.0)]}
    words = [Word("a", 13.0, 13.4, 0.9), Word("b", 17.5, 17.9, 0.9), Word("c", 22.1, 22.5, 0.9), Word("d", 29.0, 29.5, 0.9)]
    # 10-13, 13.4-17.5 and 22.5-29: speech and no word (skips); 17.9-22.1: a pause.
    assert missed_speech([chunk], words) == [
        {"start": 10.0, "end": 13.1}, {"start": 13.3, "end": 17.6}, {"start": 22.4, "end": 29.1}
    ]
    dense = [Word(str(t), t, t + 0.4, 0.9) for t in (10.1, 11.2, 12.3, 14.5, 15.6, 16.7, 26.0, 27.1, 28.2)]
    assert missed_speech([chunk], sorted(words + dense, key=lambda w: w.start)) == [{"start": 22.4, "end": 26.1}]


def test_the_temperature_fallback_samples_the_same_words_in_every_run() -> None:
    """A looped chunk is decoded again with temperature fallback, which samples. On the shared
    model the sampling was seeded at random, so the same 10 minutes of a meeting came out with
    other words on every run (1,566 / 1,561 / 1,557). Each fallback model starts from the same
    seed: sampling at temperature 1 gives the same text twice (unseeded, it does not)."""
    from halo.media import decode_audio
    from halo.speech.transcribe import AsrConfig, _fallback_model

    if not SAMPLE.is_file():
        pytest.skip(f"bundled sample {SAMPLE} is missing (make sample)")
    audio = decode_audio(SAMPLE)[: 30 * SR]
    texts = []
    for _ in range(2):
        segments, _info = _fallback_model(AsrConfig()).transcribe(
            audio, language="en", temperature=1.0, beam_size=1, condition_on_previous_text=False)
        texts.append(" ".join(s.text.strip() for s in segments))
    assert texts[0] == texts[1]
    assert "remote control" in texts[0]  # sampled, but still the sample's opening words


def test_looped_chunks_are_decoded_on_the_seeded_model_not_the_shared_one(monkeypatch) -> None:
    """The fallback's determinism rests on decoding there, not on the loaded model."""
    import halo.speech.transcribe as transcribe_module

    made = []

    class Model:
        def transcribe(self, audio, **options):
            made.append(len(audio) / SR)
            return iter(()), None

    monkeypatch.setattr(transcribe_module, "_fallback_model", lambda config: Model())
    clips = [{"start": 1.0, "end": 4.0}, {"start": 9.0, "end": 12.5}]
    assert transcribe_module._decode_with_fallback(np.zeros(16 * SR, np.float32), clips, "en",
                                                   transcribe_module.AsrConfig()) == []
    assert made == [3.0, 3.5]  # each clip's own samples, never the whole audio
    assert transcribe_module._decode_with_fallback(np.zeros(SR, np.float32), [], "en", transcribe_module.AsrConfig()) == []


def test_a_clip_decoded_again_keeps_its_place_in_the_video() -> None:
    """The fallback decodes a looped chunk from its own samples (the whole audio's spectrogram
    cost an hour 2.6 GB and 8 s per chunk), so its word times are moved back to the video's
    clock: the words of 60-75 s of the sample come back at the truth's times."""
    from bench.samplegen import load_truth
    from halo.eval.speech import wer
    from halo.media import decode_audio
    from halo.speech.transcribe import AsrConfig, _decode_with_fallback

    if not SAMPLE.is_file():
        pytest.skip(f"bundled sample {SAMPLE} is missing (make sample)")
    truth = [w for w in load_truth()["words"] if 60.0 <= w["start"] and w["end"] <= 75.0]
    segments = _decode_with_fallback(decode_audio(SAMPLE), [{"start": 60.0, "end": 75.0}], "en", AsrConfig())
    words = [w for seg in segments for w in seg.words]
    assert words and all(59.9 <= w.start <= w.end <= 75.1 for w in words)
    assert wer(" ".join(w["word"] for w in truth), " ".join(w.word for w in words)) < 0.35
    assert abs(words[0].start - truth[0]["start"]) < 1.0
    assert abs(words[-1].end - truth[-1]["end"]) < 1.5
