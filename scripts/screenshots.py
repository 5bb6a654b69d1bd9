"""Take the README's screenshots from the demo line, so they show the app as it is today.

    make screenshots            # or: .venv/bin/python scripts/screenshots.py [--port 8190]

A fresh SQLite database and media folder in a temporary directory get the migrations and
``load_demo``; a development server serves them; Chromium (Playwright, the system browser at
$CHROMIUM or /usr/bin/chromium) signs in as the demo people and does what they would: an
engineer sets an andon limit and a supervisor makes a display link for the line TV, an
operator scans a unit at QC. The pictures go to docs/screenshots/*.png, reduced to 256
colours so they stay small. Nothing outside the temporary directory is written but the PNGs.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "shopfloor-demo"
OFFICE = {"width": 1366, "height": 768}
STATION = {"width": 1280, "height": 800}
TV = {"width": 1920, "height": 1080}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def demo_picks(env):
    """A unit that failed and was reworked (its story tells the most), a unit waiting at QC
    (the operator scans it), the QC station and the demo part, read from the demo data."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from parts.models import ModelPart
    from shopfloor.dashboards.stage_states import waiting_q
    from shopfloor.scanning.plans import plan_of_part
    from shopfloor.stations.models import ScanEvent, Station

    part = ModelPart.objects.get(part_no="EICS112_Part")
    plan = plan_of_part(part)
    qc = next(stage for stage in plan.stages if stage.key == "qc")
    waiting = (
        part.unit_model()
        .objects.filter(waiting_q(plan, qc), on_hold=False)
        .order_by("-pk")
        .values_list("usid", flat=True)
        .first()
    )
    failed = ScanEvent.objects.filter(part=part, result="fail").order_by("-id")
    reworked = next(
        usid
        for usid in failed.values_list("usid", flat=True)[:500]
        if ScanEvent.objects.filter(usid=usid, result="pass", stage__in=["qc", "testing"])
        .filter(stage__in=failed.filter(usid=usid).values("stage"))
        .exists()
    )
    station = Station.objects.get(name="QC-1")
    return {"part": part.pk, "waiting": waiting, "reworked": reworked, "station": station.pk}


def wait_until_up(url, server):
    for _attempt in range(100):
        if server.poll() is not None:
            raise SystemExit("the development server stopped; see its output above")
        try:
            urllib.request.urlopen(url + "/accounts/sign-in/", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the development server did not answer at {url}")


def sign_in(browser, base, email, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    return page


def shoot(page, name, height=None):
    """The page as the screen shows it, or its top ``height`` pixels when that is taller."""
    page.wait_for_load_state("networkidle")
    path = OUT / f"{name}.png"
    if height:
        clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": height}
        page.screenshot(path=path, full_page=True, clip=clip)
    else:
        page.screenshot(path=path)
    from PIL import Image

    with Image.open(path) as picture:
        picture.convert("RGB").quantize(colors=256).save(path, optimize=True)
    print(f"  {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")


def take(base, picks):
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        page = sign_in(browser, base, "supervisor@shopfloor.example", OFFICE)
        page.goto(f"{base}/dashboards/")
        shoot(page, "overview")
        page.goto(f"{base}/dashboards/parts/{picks['part']}/")
        shoot(page, "part-dashboard", height=1160)  # down to the end of the per-hour chart
        page.goto(f"{base}/dashboards/units/{picks['reworked']}/")
        shoot(page, "unit-story")

        # The engineer sets a queue limit at QC that the demo line is over, so the TV shows
        # an andon; the supervisor makes the TV's display link.
        engineer = sign_in(browser, base, "engineer@shopfloor.example", OFFICE)
        engineer.goto(f"{base}/dashboards/tv/andon/")
        card = engineer.locator(f"#part-{picks['part']}")
        card.get_by_label("QC: most units waiting").fill("20")
        card.get_by_label("QC: highest fail rate (%)").fill("10")
        card.get_by_role("button", name="Save limits").click()
        page.goto(f"{base}/dashboards/tv/")
        page.get_by_label("Display name").fill("Line A TV")
        page.get_by_role("button", name="Create link").click()
        link = page.get_by_test_id("new-display-link").locator("code").text_content().strip()
        tv = browser.new_context(viewport=TV).new_page()
        tv.goto(link)
        shoot(tv, "line-tv")

        operator = sign_in(browser, base, "operator@shopfloor.example", STATION)
        operator.goto(f"{base}/stations/{picks['station']}/")
        operator.get_by_label("Scan USID").wait_for()
        operator.get_by_label(re.compile("Part for new units")).select_option(label="EICS112_Part")
        operator.get_by_label("Scan USID").focus()
        operator.keyboard.type(picks["waiting"], delay=5)
        operator.keyboard.press("Enter")
        operator.get_by_test_id("scan-result").filter(has_text=picks["waiting"]).wait_for()
        shoot(operator, "scan-screen")
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: free)")
    args = parser.parse_args()
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="shopfloor-screenshots-") as scratch:
        env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{scratch}/demo.sqlite3",
            "MEDIA_ROOT": f"{scratch}/media",
            "EXPORT_ROOT": f"{scratch}/exports",
            "DJANGO_SETTINGS_MODULE": "shopfloor.settings",
        }
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_demo", "--address", base)
        picks = demo_picks(env)
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_until_up(base, server)
            print(f"Screenshots of {base}:")
            take(base, picks)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
