"""Camera scanning: Chromium's fake camera shows Code 128, DataMatrix and QR labels in turn;
the vendored ZXing WebAssembly reads each, served by the app, and each goes into the queue."""

import pytest
from django.test import Client
from PIL import Image
from playwright.sync_api import expect
from pystrich.code128 import Code128Encoder
from pystrich.datamatrix import DataMatrixEncoder
from pystrich.qrcode import QRCodeEncoder

from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import ScanEvent, Station
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD
from tests.stations.scan_support import part_with_procedure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT, FPS = 640, 480, 10
# The strict policy the pages are held to, plus what compiling the WebAssembly needs.
STRICT_CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'"
)
LABELS = {
    "CAM-128": lambda: Code128Encoder("CAM-128").get_pilimage(bar_width=2),
    "CAM-DM": lambda: DataMatrixEncoder("CAM-DM").get_pilimage(cellsize=8),
    "CAM-QR": lambda: QRCodeEncoder("CAM-QR").get_pilimage(cellsize=6),
}


def fake_camera_video(path):
    """A Y4M video showing each label for a second, which Chromium plays as its camera."""
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for make in LABELS.values():
            frame = Image.new("L", (WIDTH, HEIGHT), 255)
            label = make().convert("L")
            frame.paste(label, ((WIDTH - label.width) // 2, (HEIGHT - label.height) // 2))
            luma, blue, red = frame.convert("YCbCr").split()
            planes = b"".join(
                [
                    luma.tobytes(),
                    blue.resize((WIDTH // 2, HEIGHT // 2)).tobytes(),
                    red.resize((WIDTH // 2, HEIGHT // 2)).tobytes(),
                ]
            )
            for _frame in range(FPS):
                video.write(b"FRAME\n" + planes)


def test_the_camera_reads_code_128_datamatrix_and_qr_into_the_queue(
    browser, live_server, make_user, defect_reasons, tmp_path
):
    part = part_with_procedure(make_user("Engineer"))
    station = Station.objects.create(name="SMD-1", line="Line A", stage="smd")
    station.parts.set([part])
    operator = make_user("Operator")
    video = tmp_path / "labels.y4m"
    fake_camera_video(video)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(viewport={"width": 1280, "height": 800})
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.route(
            f"{live_server.url}{station.get_absolute_url()}",
            lambda route: route.fulfill(
                response=(fetched := route.fetch()),
                headers={**fetched.headers, "content-security-policy": STRICT_CSP},
            ),
        )
        refused_by_policy = []
        page.on(
            "console",
            lambda message: (
                refused_by_policy.append(message.text)
                if "Content Security Policy" in message.text and "script" in message.text
                else None
            ),
        )
        external = []
        page.on(
            "request",
            lambda request: (
                external.append(request.url)
                if not request.url.startswith((live_server.url, "data:", "blob:"))
                else None
            ),
        )
        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.get_by_label("Email").fill(operator.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}{station.get_absolute_url()}")

        page.keyboard.press("F7")
        expect(page.get_by_test_id("camera-status")).to_contain_text("Read CAM-", timeout=30_000)

        log = page.locator("#scan-log li[data-status=recorded]")
        expect(log).to_have_count(3, timeout=30_000)
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_be_hidden()
        assert external == [], "nothing is fetched from outside the app"
        assert refused_by_policy == [], "the scan screen and the camera run under the policy"
    finally:
        camera_browser.close()

    token = api_token_issue(name="checker", may_read=True)[1]
    for usid in LABELS:
        unit = Client().get(f"/api/v1/units/{usid}", headers={"Authorization": f"Bearer {token}"})
        assert unit.status_code == 200, usid
        assert [e["stage"] for e in unit.json()["history"]] == ["smd"]
    assert sorted(ScanEvent.objects.values_list("usid", flat=True)) == sorted(LABELS)
