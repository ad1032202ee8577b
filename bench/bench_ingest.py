"""Ingest benchmark: wall time per stage and scene-detection frames per second.

    python -m bench.bench_ingest                       # the sample + a generated 60-minute video
    python -m bench.bench_ingest --video some.mp4 ...  # any videos

Target (issue 2): scene detection on a 60-minute video in under 2 minutes on 2 cores.
The 60-minute video is made with `python -m bench.samplegen --duration 3600` when missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from halo import media
from halo.paths import PROJECT_ROOT, samples_dir
from halo.vision.scenes import detect_scenes

HOUR_VIDEO = PROJECT_ROOT / "data" / "bench" / "meeting_3600s.mp4"  # samplegen's --duration 3600 output
TARGET_S = 120.0


def ensure_hour_video(path: Path = HOUR_VIDEO) -> Path:
    if not path.exists():
        print(f"generating {path} (python -m bench.samplegen --duration 3600) ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "bench.samplegen", "--duration", "3600", "--out", str(path)],
            check=True, cwd=PROJECT_ROOT,
        )
    return path


def cut_accuracy(path: Path, found: list[float], tolerance_s: float = 0.5) -> str:
    """Cuts matched within the tolerance against the samplegen truth next to the video, if any."""
    truth_file = path.with_name(path.stem + ".truth.json")
    if not truth_file.exists():
        return "no truth"
    truth = json.loads(truth_file.read_text())["scene_cuts"]
    hits = sum(any(abs(f - t) <= tolerance_s for f in found) for t in truth)
    false = sum(not any(abs(f - t) <= tolerance_s for t in truth) for f in found)
    return f"{hits}/{len(truth)} found, {false} false"


def bench_video(path: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        info = media.probe(path)
        t1 = time.perf_counter()
        samples = media.decode_audio(path, media.SAMPLE_RATE, info.duration_s)
        media.write_wav(Path(tmp) / "audio.wav", samples)
        t2 = time.perf_counter()
        result = detect_scenes(path, Path(tmp) / "keyframes", info.duration_s)
        t3 = time.perf_counter()
    frames_total = info.duration_s * info.fps
    return {
        "video": path.name,
        "duration_s": info.duration_s,
        "fps": info.fps,
        "size": f"{info.width}x{info.height}",
        "probe_s": t1 - t0,
        "audio_s": t2 - t1,
        "scenes_s": t3 - t2,
        "detect_s": result.detect_seconds,
        "keyframes_s": result.keyframe_seconds,
        "scenes": len(result.scenes),
        "cuts": cut_accuracy(path, result.scenes["start"].tolist()[1:]),
        "analysed_fps": result.analysed_fps,
        "video_fps": frames_total / result.detect_seconds if result.detect_seconds else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, nargs="*", help="videos to measure (default: sample + 60 min)")
    args = parser.parse_args(argv)
    videos = args.video or [samples_dir() / "meeting.mp4", ensure_hour_video()]
    print(f"{'video':<26}{'dur s':>8}{'fps':>6}{'size':>9}{'probe s':>9}{'audio s':>9}"
          f"{'scenes s':>10}{'(detect':>9}{'keyfr.)':>9}{'scenes':>7}{'analysed fps':>14}{'video fps':>11}{'RTF':>8}")
    for path in videos:
        r = bench_video(Path(path))
        total = r["probe_s"] + r["audio_s"] + r["scenes_s"]
        print(f"{r['video'][:25]:<26}{r['duration_s']:>8.0f}{r['fps']:>6.1f}{r['size']:>9}{r['probe_s']:>9.2f}"
              f"{r['audio_s']:>9.2f}{r['scenes_s']:>10.2f}{r['detect_s']:>9.2f}{r['keyframes_s']:>9.2f}"
              f"{r['scenes']:>7}{r['analysed_fps']:>14.0f}{r['video_fps']:>11.0f}{total / r['duration_s']:>8.4f}"
              f"  cuts: {r['cuts']}")
        if r["duration_s"] >= 3000:
            hour = r["scenes_s"] * 3600 / r["duration_s"]
            verdict = "OK" if hour < TARGET_S else "OVER TARGET"
            print(f"  scene detection per hour of video: {hour:.1f} s (target < {TARGET_S:.0f} s): {verdict}")


if __name__ == "__main__":
    main()
