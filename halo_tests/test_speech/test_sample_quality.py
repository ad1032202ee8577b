"""Transcript, diarization and utterances of real audio against ground truth."""

from __future__ import annotations

from collections import Counter

from halo.eval.speech import TimedWord, der, read_rttm, read_stm_text, wer, word_timing
from halo.paths import samples_dir
from halo.speech.transcribe import COLUMNS as TRANSCRIPT_COLUMNS
from halo.speech.utterances import Scene, build_utterances, utterances_frame
from halo_tests.test_speech.conftest import PYANNOTE_SAMPLE


def test_meeting_transcript_wer_and_word_times(meeting, meeting_truth) -> None:
    tr = meeting.transcript
    assert tr.language == "en" and tr.word_timing == "faster-whisper"
    df = tr.to_frame()
    assert list(df.columns) == TRANSCRIPT_COLUMNS and len(df) > 3
    assert (df["end"] >= df["start"]).all() and df["start"].is_monotonic_increasing
    reference = " ".join(t["text"] for t in meeting_truth["turns"])
    assert wer(reference, tr.text) <= 0.15
    timing = word_timing(
        [TimedWord(w["word"], w["start"], w["end"]) for w in meeting_truth["words"]],
        [TimedWord(w.word, w.start, w.end) for w in tr.words],
    )
    assert timing.matched >= 0.8 * len(meeting_truth["words"])
    assert timing.share_within >= 0.9


def test_meeting_diarization_finds_the_speakers(meeting, meeting_truth) -> None:
    d = meeting.diarization
    true_speakers = {t["speaker"] for t in meeting_truth["turns"]}
    assert len(d.speakers) == len(true_speakers)
    hyp = [(t.start, t.end, t.speaker) for t in d.turns]
    assert der(read_rttm(samples_dir() / "meeting.rttm"), hyp) <= 0.15
    df = d.to_frame()
    assert list(df.columns) == ["start", "end", "speaker"] and (df["end"] > df["start"]).all()


def test_meeting_utterances_carry_the_right_speaker_and_scene(meeting, meeting_truth) -> None:
    cuts = [0.0, *meeting_truth["scene_cuts"], meeting_truth["duration_s"]]
    cuts = sorted(set(cuts))
    scenes = [Scene(i, a, b) for i, (a, b) in enumerate(zip(cuts, cuts[1:]))]
    utts = build_utterances(meeting.transcript.words, meeting.diarization.turns, scenes)
    df = utterances_frame(utts)
    assert list(df.columns) == ["utt_id", "start", "end", "speaker", "scene_id", "text"]
    assert len(df) >= len(meeting_truth["turns"]) * 0.8
    # Each utterance's speaker label maps to one true speaker: >= 95% of utterances agree.
    def true_speaker(mid: float) -> str | None:
        best = min(meeting_truth["turns"], key=lambda t: 0 if t["start"] <= mid <= t["end"] else min(abs(mid - t["start"]), abs(mid - t["end"])))
        return best["speaker"]

    pairs = [(u.speaker, true_speaker((u.start + u.end) / 2)) for u in utts]
    mapping = {hyp: Counter(t for h, t in pairs if h == hyp).most_common(1)[0][0] for hyp, _ in pairs}
    assert sum(mapping[h] == t for h, t in pairs) >= 0.95 * len(pairs)
    assert len(set(mapping.values())) == len(mapping)  # no two labels for one voice
    # Scenes: the utterance's midpoint lies in the scene it names.
    for u in utts:
        scene = scenes[u.scene_id]
        assert scene.start - 0.01 <= (u.start + u.end) / 2 <= scene.end + 0.01
    # No utterance spans a speaker change in the truth by much: turns are never merged.
    assert max(u.end - u.start for u in utts) <= 30.0


def test_real_two_speaker_recording(phone_call) -> None:
    reference = read_stm_text(PYANNOTE_SAMPLE / "sample.stm")
    assert wer(reference, phone_call.transcript.text) <= 0.20
    d = phone_call.diarization
    assert len(d.speakers) == 2
    assert der(read_rttm(PYANNOTE_SAMPLE / "sample.rttm"), [(t.start, t.end, t.speaker) for t in d.turns]) <= 0.20


def test_no_worse_than_plain_faster_whisper(meeting, meeting_truth) -> None:
    """Issue 9: HALO's transcript loses no words that plain faster-whisper (same Whisper base,
    greedy, its own Silero VAD on) gets: WER on the bundled sample is not higher."""
    from faster_whisper import WhisperModel

    from halo.model_files import whisper_base_dir

    plain = WhisperModel(str(whisper_base_dir()), device="cpu", compute_type="int8")
    segments, _ = plain.transcribe(meeting.audio, beam_size=1, vad_filter=True)
    reference = " ".join(t["text"] for t in meeting_truth["turns"])
    assert wer(reference, meeting.transcript.text) <= wer(reference, " ".join(s.text for s in segments)) + 1e-9
