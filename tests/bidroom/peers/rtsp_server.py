"""A real RTSP camera for the tests: Debian's GStreamer RTSP server serving H.264 from
videotestsrc. Run with Debian's /usr/bin/python3 (gi is not in the venv):

    /usr/bin/python3 tests/bidroom/peers/rtsp_server.py PORT [WIDTH HEIGHT FPS]

The stream is rtsp://127.0.0.1:PORT/cam. Prints "ready" once listening.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    port = sys.argv[1]
    width, height, fps = (int(v) for v in (sys.argv[2:5] if len(sys.argv) >= 5 else (320, 180, 10)))
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    # A moving ball, so consecutive frames differ; key frame every second.
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate={fps}/1 "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=500 "
        f"! rtph264pay name=pay0 pt=96 config-interval=1 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory("/cam", factory)
    if server.attach(None) == 0:
        print("cannot listen", flush=True)
        sys.exit(1)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
