"""Speech: transcript (WhisperX / faster-whisper), diarization (local or pyannote), utterances,
and the roster (names a user gives the diarized speakers: roster.py)."""
