"""Account recovery at a kiosk, end to end on the simulators: the simulated chip card (with a real face in DG2)
read with the backend's challenge, the camera replayed from a video file, the backend's chip verification, face
match and liveness check (in-process app on a migrated SQLite file), and the one-time QR rendered. Prints the
wall time of each step, the face match's CPU time separately, and the cold model load once.

    python bench/bench_recovery.py [--rounds N]

Also prints the face matcher's false accept / false reject on the labelled set of tests/faces.py (two
identities under synthetic capture variation: a check of margins, not a population accuracy figure).
Prints figures; it asserts nothing."""

from __future__ import annotations

import argparse
import base64
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import segno

from backend.recovery import face
from hardware.camera.file import FileFrameSource
from hardware.smartcard.reader import EmrtdReader
from hardware.smartcard.transport import SimulatedTransport
from tests import faces
from tests.backend.helpers import bearer, login
from tests.backend.recovery.cards import camera_file, recovery_backend, simulated_chip

FRAMES = 6


def _one(client, headers, holder, videos: dict, face_cpu: list) -> dict:
    times = {}
    cpu = time.process_time()
    started = time.perf_counter()
    attempt = client.post("/api/v1/recovery/attempts", headers=headers).json
    times["start"] = time.perf_counter() - started
    mark = time.perf_counter()
    with SimulatedTransport(simulated_chip(holder)) as transport:
        result = EmrtdReader(transport).read(holder.access_key(), aa_challenge=base64.b64decode(attempt["challenge"]))
    times["chip read"] = time.perf_counter() - mark
    mark = time.perf_counter()
    source = FileFrameSource(videos[attempt["prompt"]])
    with source:
        frames = [source.read() for _ in range(FRAMES)]
    encoded = [
        base64.b64encode(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()).decode() for f in frames
    ]
    times["camera"] = time.perf_counter() - mark
    chip = {
        name.lower(): base64.b64encode(result.raw_files[name]).decode()
        for name in ("SOD", "DG1", "DG2", "DG13", "DG14", "DG15")
    }
    chip["challenge_id"] = attempt["challenge_id"]
    chip["aa_signature"] = base64.b64encode(result.active_auth.signature).decode()
    mark = time.perf_counter()
    response = client.post(
        f"/api/v1/recovery/attempts/{attempt['attempt_id']}/evidence",
        json={"chip": chip, "frames": encoded},
        headers=headers,
    )
    times["backend verify + match"] = time.perf_counter() - mark
    mark = time.perf_counter()
    code = response.json.get("recovery_code")
    if code:
        segno.make(code, error="m").save(os.devnull, kind="png", scale=8)
    times["QR"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - started
    times["total CPU (this process)"] = time.process_time() - cpu
    times["status"] = response.json.get("status")
    return times


def _labelled() -> None:
    """False accepts / rejects over chip photo x camera variations of both identities."""
    genuine, impostor = [], []
    variations = [(0.7, 0.9), (1.0, 0.9), (1.3, 0.9), (1.0, 0.7), (1.0, 1.1)]
    for chip_name in faces.IDENTITIES:
        chip = face.decode_image(faces.chip_photo(chip_name)[0])
        detector, predictor, network = face.models()
        reference = face._descriptor(chip, face._largest_face(chip, 1))
        for live_name in faces.IDENTITIES:
            for light, scale in variations:
                for quality in (40, 90):
                    frame = faces.live_frames(live_name, "none", light=light, scale=scale, seed=quality)[0]
                    image = face.decode_image(faces.encode_frames([frame], quality)[0])
                    shape = face._largest_face(image, 0) or face._largest_face(image, 1)
                    if shape is None:
                        distance = float("inf")
                    else:
                        distance = float(((face._descriptor(image, shape) - reference) ** 2).sum() ** 0.5)
                    (genuine if live_name == chip_name else impostor).append(distance)
    threshold = face.MATCH_THRESHOLD
    false_rejects = sum(d > threshold for d in genuine)
    false_accepts = sum(d <= threshold for d in impostor)
    print(
        f"labelled set: {len(genuine)} genuine pairs, {len(impostor)} impostor pairs (2 identities), "
        f"threshold {threshold}"
    )
    print(
        f"  false reject {false_rejects}/{len(genuine)}  (genuine distance max {max(genuine):.3f}, "
        f"median {statistics.median(genuine):.3f})"
    )
    print(
        f"  false accept {false_accepts}/{len(impostor)}  (impostor distance min {min(impostor):.3f}, "
        f"median {statistics.median(impostor):.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    cold = time.process_time()
    face.models()
    print(f"face models loaded once per process: {(time.process_time() - cold) * 1000:.0f} ms CPU")
    face_cpu: list[float] = []
    original = face.check

    def timed_check(*a, **k):
        result = original(*a, **k)
        face_cpu.append(result.cpu_seconds)
        return result

    face.check = timed_check
    with tempfile.TemporaryDirectory(prefix="congdan-bench-recovery-") as tmp:
        folder = Path(tmp)
        app, kiosk_name, holders = recovery_backend(folder, holders=8)
        client = app.test_client()
        headers = bearer(login(client, kiosk_name)["access_token"])
        # The camera files are made first (synthesising the frames is test-data work, not the kiosk's).
        videos = {prompt: camera_file(folder, "collins", prompt) for prompt in ("blink", "turn_left", "turn_right")}
        rounds = [_one(client, headers, holders[i % len(holders)], videos, face_cpu) for i in range(args.rounds)]
    print(f"statuses: {[r['status'] for r in rounds]}")
    for step in ("start", "chip read", "camera", "backend verify + match", "QR", "total", "total CPU (this process)"):
        values = [r[step] * 1000 for r in rounds]
        print(f"  {step:24} median {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms")
    print(
        f"  face match CPU (backend)  median {statistics.median(face_cpu) * 1000:7.1f} ms   "
        f"max {max(face_cpu) * 1000:7.1f} ms"
    )
    _labelled()


if __name__ == "__main__":
    main()
