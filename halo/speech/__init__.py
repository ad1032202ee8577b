"""Speech: transcript (WhisperX / faster-whisper), diarization (local or pyannote), utterances."""
