"""Kivy without a screen: the offscreen SDL driver, no console or file logs, a throwaway KIVY_HOME.
Set before anything imports Kivy."""

import os
import tempfile

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # sounds play into nothing: no audio device here
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))


import pytest


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    from tests.kiosk_app.live_backend import demo_database

    return demo_database(tmp_path_factory.mktemp("demo-backend"))


@pytest.fixture()
def live_backend(demo_database, tmp_path):
    """The real backend on a fresh demo database, served on 127.0.0.1 (stop() / start() to drop the net)."""
    from tests.kiosk_app.live_backend import LiveBackend, demo_backend

    backend = LiveBackend(demo_backend(demo_database, tmp_path)).start()
    yield backend
    backend.close()


@pytest.fixture()
def kiosk_api(live_backend):
    from kiosk_app.services.api import ApiClient
    from tests.kiosk_app.live_backend import DEMO_KIOSK_USERNAME, PASSWORD

    api = ApiClient(live_backend.url, DEMO_KIOSK_USERNAME, PASSWORD, timeout_s=5)
    yield api
    api.http.close()
