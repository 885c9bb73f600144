"""Shared pieces of the browser tests: the server's address, waits and API reads, each
test's outcome made visible to fixtures, and one Chromium session factory that saves a
screenshot and the console log when a test fails. (The server is started by
tests/run-browser.sh, not here.)"""
import json
import os
import re
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ.get("MACHIGIS_URL", "").rstrip("/")
WAIT_S = 20


def pytest_configure(config):
    # Without a server every test would be skipped, which reads as a pass: refuse instead.
    if not BASE:
        raise pytest.UsageError("MACHIGIS_URL is not set: run tests/run-browser.sh (make browser-test), which starts the server")


def wait(drv, timeout=WAIT_S):
    return WebDriverWait(drv, timeout)


def api_get(path):
    with urllib.request.urlopen(BASE + path, timeout=10) as r:
        return json.load(r)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def chromium_session(request, window=(1280, 900), mobile=None):
    """Yields a headless Debian Chromium. `mobile` is (width, height) of an emulated touch
    screen: a plain --window-size would be widened to Chrome's minimum window width."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--lang=ja"):
        opts.add_argument(arg)
    if mobile:
        opts.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": mobile[0], "height": mobile[1], "pixelRatio": 1.0, "touch": True}})
    else:
        opts.add_argument(f"--window-size={window[0]},{window[1]}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    yield drv
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        stem = "/tmp/machigis-browser-" + re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
        drv.save_screenshot(stem + ".png")
        try:
            with open(stem + ".console.log", "w", encoding="utf-8") as f:
                for entry in drv.get_log("browser"):
                    f.write(f"{entry.get('level')} {entry.get('message')}\n")
        except Exception:  # logs are a bonus; never hide the real failure
            pass
        print(f"screenshot saved to {stem}.png")
    drv.quit()
