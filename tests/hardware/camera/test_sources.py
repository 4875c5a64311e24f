import cv2
import numpy as np
import pytest

from hardware.camera import (
    CameraError,
    CameraNotFound,
    EndOfStream,
    FileFrameSource,
    FrameSource,
    OpenCvCamera,
    SceneOptions,
    SimulatedCamera,
)
from hardware.camera.opencv import _describe
from hardware.errors import NoDevice
from hardware.qr import decode


def test_simulator_frames_are_1280x720_bgr_and_decodable():
    with SimulatedCamera(["Nguyễn Thị Ánh Tuyết"], seed=1) as camera:
        frame = camera.read()
        assert frame.shape == (720, 1280, 3) and frame.dtype == np.uint8
        assert decode(frame) == ["Nguyễn Thị Ánh Tuyết"]
        corners = camera.last_scene.qr_corners
        assert corners.shape == (4, 2)
        assert (corners >= 0).all() and (corners[:, 0] < 1280).all() and (corners[:, 1] < 720).all()


def test_simulator_is_reproducible_by_seed():
    first = [frame for frame in SimulatedCamera(seed=5, max_frames=3)]
    again = [frame for frame in SimulatedCamera(seed=5, max_frames=3)]
    other = SimulatedCamera(seed=6).read()
    assert len(first) == 3
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other)


def test_simulator_cycles_payloads_and_stops_at_max_frames():
    camera = SimulatedCamera(["A-1", "B-2"], seed=0, max_frames=3, options=SceneOptions(grey=True))
    assert [decode(frame) for frame in camera] == [["A-1"], ["B-2"], ["A-1"]]
    with pytest.raises(EndOfStream):
        camera.read()


def test_simulator_needs_a_payload():
    with pytest.raises(ValueError):
        SimulatedCamera([])


def test_image_file_source(tmp_path):
    frame = SimulatedCamera(seed=3).read()
    path = tmp_path / "ảnh quét.png"  # non-ASCII file name
    cv2.imencode(".png", frame)[1].tofile(str(path))
    with FileFrameSource(path) as source:
        assert np.array_equal(source.read(), frame)
        with pytest.raises(EndOfStream):
            source.read()
    looping = FileFrameSource(path, loop=True)
    assert all(np.array_equal(looping.read(), frame) for _ in range(3))
    looping.close()


def test_video_file_source(tmp_path):
    path = tmp_path / "scan.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    if not writer.isOpened():
        pytest.skip("this OpenCV build cannot write MJPG")
    for value in (0, 100, 200):
        writer.write(np.full((240, 320, 3), value, np.uint8))
    writer.release()
    frames = list(FileFrameSource(path))
    assert len(frames) == 3
    assert [round(frame.mean() / 50) * 50 for frame in frames] == [0, 100, 200]
    looping = FileFrameSource(path, loop=True)
    assert len([looping.read() for _ in range(5)]) == 5
    looping.close()


def test_missing_file_is_no_device(tmp_path):
    with pytest.raises(CameraNotFound) as caught:
        FileFrameSource(tmp_path / "absent.png").read()
    assert isinstance(caught.value, NoDevice)
    assert "Không tìm thấy thiết bị" in caught.value.user_message


def test_unreadable_files(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"not a png")
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    with pytest.raises(CameraError, match="not a readable image"):
        FileFrameSource(tmp_path / "broken.png").open()
    with pytest.raises(CameraError, match="not a readable video"):
        FileFrameSource(tmp_path / "broken.mp4").open()


def test_absent_opencv_camera_is_no_device():
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    with pytest.raises(CameraNotFound):
        OpenCvCamera(63).open()


def test_stream_credentials_are_not_logged():
    assert _describe("rtsp://admin:secret@10.0.0.9:554/live") == "rtsp://***@10.0.0.9:554/live"
    assert _describe(2) == "#2"


def test_frame_source_is_abstract_and_closes_once():
    class Counting(FrameSource):
        closed = 0

        def _open(self):
            pass

        def _read(self):
            return np.zeros((2, 2), np.uint8)

        def _close(self):
            Counting.closed += 1

    with pytest.raises(TypeError):
        FrameSource()
    with Counting() as source:
        assert source.is_open
        source.read()
    source.close()
    assert Counting.closed == 1 and not source.is_open
