"""Plays the flow's cues: a short chime on success or failure, and the voice prompt of each step (files
rendered at build time by kiosk_app.voice). A new prompt cuts the one still playing, so a patient who
taps quickly hears the current step, not a queue of old ones. The sound loader is injected (Kivy's
SoundLoader in the app, a recorder in tests); a missing file is logged once and the kiosk carries on."""

from __future__ import annotations

import logging
import math
import struct
import wave
from collections.abc import Callable
from pathlib import Path

from kiosk_app.records import Cue
from kiosk_app.voice import VOICE_DIR, prompt_path

log = logging.getLogger(__name__)

SOUND_DIR = Path(__file__).resolve().parent.parent / "assets" / "sounds"
#: Two rising notes say "done"; two falling, lower notes say "that did not work" (never a harsh buzzer).
CHIMES = {"success": ((660.0, 0.12), (880.0, 0.20)), "failure": ((440.0, 0.16), (330.0, 0.26))}
SAMPLE_RATE = 16_000


def write_chime(path: Path, notes: tuple[tuple[float, float], ...], *, volume: float = 0.45) -> None:
    """A soft sine chime (each note fades in and out so it does not click)."""
    frames = bytearray()
    for frequency, seconds in notes:
        count = int(SAMPLE_RATE * seconds)
        for i in range(count):
            envelope = min(1.0, i / 160, (count - i) / 800)
            sample = volume * envelope * math.sin(2 * math.pi * frequency * i / SAMPLE_RATE)
            frames += struct.pack("<h", int(sample * 32767))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(bytes(frames))


def cue_path(cue: Cue, *, voice_dir: Path = VOICE_DIR, sound_dir: Path = SOUND_DIR) -> Path:
    if cue.kind == "sound":
        return sound_dir / f"{cue.name}.wav"
    return prompt_path(cue.name, cue.language, voice_dir)


class CuePlayer:
    def __init__(
        self, load: Callable[[str], object | None], *, voice_dir: Path = VOICE_DIR, sound_dir: Path = SOUND_DIR
    ) -> None:
        self._load, self.voice_dir, self.sound_dir = load, voice_dir, sound_dir
        self._sounds: dict[Path, object] = {}
        self._missing: set[Path] = set()
        self._speaking = None

    def __call__(self, cue: Cue) -> None:
        path = cue_path(cue, voice_dir=self.voice_dir, sound_dir=self.sound_dir)
        sound = self._sound(path)
        if sound is None:
            return
        if cue.kind == "voice":
            if self._speaking is not None and self._speaking is not sound:
                self._speaking.stop()
            self._speaking = sound
        sound.play()

    def preload(self, languages=("vi", "en")) -> int:
        """Load every chime and prompt now, at start-up, so that no patient waits for a file to load."""
        from kiosk_app.voice import PROMPTS

        cues = [Cue("sound", name) for name in CHIMES]
        cues += [Cue("voice", name, language) for name in PROMPTS for language in languages]
        return sum(
            self._sound(cue_path(c, voice_dir=self.voice_dir, sound_dir=self.sound_dir)) is not None for c in cues
        )

    def _sound(self, path: Path):
        if path in self._sounds:
            return self._sounds[path]
        sound = self._load(str(path)) if path.exists() else None
        if sound is None:
            if path not in self._missing:
                self._missing.add(path)
                log.warning("no playable audio at %s (voice prompts: make kiosk-voice)", path)
            return None
        self._sounds[path] = sound
        return sound


def kivy_loader(path: str):
    from kivy.core.audio import SoundLoader

    return SoundLoader.load(path)


if __name__ == "__main__":
    for name, notes in CHIMES.items():
        write_chime(SOUND_DIR / f"{name}.wav", notes)
