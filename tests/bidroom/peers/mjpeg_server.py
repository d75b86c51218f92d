"""A real HTTP MJPEG camera for the tests (multipart/x-mixed-replace, like the center's IP
cameras): python tests/bidroom/peers/mjpeg_server.py PORT [FPS]. The stream is
http://127.0.0.1:PORT/video.mjpg; prints "ready" once listening."""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

BOUNDARY = b"sunbidframe"


def frame(n: int) -> bytes:
    image = np.full((240, 320, 3), (60, 90, 40), dtype=np.uint8)
    cv2.circle(image, (20 + n * 9 % 280, 120), 18, (0, 220, 255), thickness=-1)
    cv2.putText(image, f"mjpeg #{n}", (10, 220), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1)
    return cv2.imencode(".jpg", image)[1].tobytes()


class Handler(BaseHTTPRequestHandler):
    fps = 10.0

    def do_GET(self) -> None:  # noqa: N802
        if self.path != "/video.mjpg":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY.decode()}")
        self.end_headers()
        n = 0
        try:
            while True:
                jpeg = frame(n)
                self.wfile.write(b"--" + BOUNDARY + b"\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                 + str(len(jpeg)).encode() + b"\r\n\r\n" + jpeg + b"\r\n")
                self.wfile.flush()
                n += 1
                time.sleep(1 / self.fps)
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        Handler.fps = float(sys.argv[2])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
