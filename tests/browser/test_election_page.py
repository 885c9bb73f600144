"""Browser test of the election office's page (web/election/) in headless Chromium.

Needs a running MachiGIS server with the sample election data loaded (tests/run-browser.sh
does both) and an account with the role election in MACHIGIS_ELECTION_USER /
MACHIGIS_ELECTION_PASSWORD. The base URL comes from MACHIGIS_URL. Uses Debian's chromium,
chromium-driver and python3-selenium.
"""
import os
import urllib.error
import urllib.request

import pytest
from conftest import BASE, api_get, chromium_session, wait
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

USER = os.environ.get("MACHIGIS_ELECTION_USER", "")
PASSWORD = os.environ.get("MACHIGIS_ELECTION_PASSWORD", "")

needs_account = pytest.mark.skipif(
    not (USER and PASSWORD), reason="MACHIGIS_ELECTION_USER / MACHIGIS_ELECTION_PASSWORD are not set (tests/run-browser.sh creates one)"
)


def status_of(path):
    try:
        with urllib.request.urlopen(BASE + path, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.fixture
def driver(request):
    yield from chromium_session(request, window=(1400, 950))


def open_page(drv):
    drv.get(BASE + "/election")
    wait(drv).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#map.leaflet-container")))
    wait(drv).until(lambda d: d.find_elements(By.CSS_SELECTOR, "path.district"))


def election_ids(drv):
    # Read in one script call: the page replaces the options when the list reloads.
    return drv.execute_script("return [...document.getElementById('election-select').options].map(o => o.value)")


def login(drv):
    box = drv.find_element(By.ID, "login-box")
    if not box.get_attribute("open"):
        box.find_element(By.TAG_NAME, "summary").click()
    drv.find_element(By.ID, "login-name").send_keys(USER)
    drv.find_element(By.ID, "login-password").send_keys(PASSWORD)
    drv.find_element(By.ID, "login-btn").click()
    wait(drv).until(EC.visibility_of_element_located((By.ID, "user-box")))
    assert USER in drv.find_element(By.ID, "user-name").text


def inside(pt, ring):
    x, y = pt
    res = False
    j = len(ring) - 1
    for i in range(len(ring)):
        (xi, yi), (xj, yj) = ring[i], ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            res = not res
        j = i
    return res


def clickable_district(features):
    """A district whose bounding-box centre lies well inside it (a margin of 15 % of its size
    all round), so a click on its path's centre hits it and not a neighbour."""
    for f in features:
        polys = f["geometry"]["coordinates"]
        if len(polys) != 1:
            continue
        xs = [p[0] for p in polys[0][0]]
        ys = [p[1] for p in polys[0][0]]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        mx, my = (max(xs) - min(xs)) * 0.15, (max(ys) - min(ys)) * 0.15
        probes = [(cx + dx, cy + dy) for dx in (-mx, 0, mx) for dy in (-my, 0, my)]
        if all(inside(p, polys[0][0]) for p in probes):
            return f
    raise AssertionError("no district in the sample is convex enough to click at its centre")


def test_public_sees_only_published_elections(driver):
    public = [e["id"] for e in api_get("/api/elections")["elections"]]
    assert public, "the sample has a published election"
    open_page(driver)
    assert election_ids(driver) == public
    assert "未公表" not in driver.find_element(By.ID, "election-select").text
    assert status_of("/api/elections/2024-shugiin/turnout.geojson") == 404


@needs_account
def test_choose_election_legend_districts_and_click_a_district(driver):
    open_page(driver)
    login(driver)
    # The unpublished election appears once signed in as election office staff.
    wait(driver).until(lambda d: "2024-shugiin" in election_ids(d))
    Select(driver.find_element(By.ID, "election-select")).select_by_value("2024-shugiin")
    Select(driver.find_element(By.ID, "compare-select")).select_by_value("2022-sangiin")
    Select(driver.find_element(By.ID, "method-select")).select_by_value("jenks")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "status"), "第50回衆議院議員総選挙"))
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "legend"), "自然分類"))

    # What the page shows must be what the API says, read through the page's own session.
    data = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('../api/elections/2024-shugiin/turnout.geojson?method=jenks&classes=5&compare=2022-sangiin',"
        " {credentials: 'same-origin'}).then(r => r.json()).then(done, e => done(String(e)));"
    )
    assert isinstance(data, dict), data
    assert data["election"]["published"] is False

    rows = driver.find_elements(By.CSS_SELECTOR, "#legend .legend-row[data-class]")
    assert len(rows) == data["classes"] == 5
    first = rows[0].find_element(By.CSS_SELECTOR, ".range").text
    assert first.startswith(f"{data['breaks'][0]:.2f}") and f"{data['breaks'][1]:.2f}" in first
    assert driver.find_element(By.ID, "city-turnout").text == f"{data['city']['turnout_pct']:.2f} %"

    paths = driver.find_elements(By.CSS_SELECTOR, "path.district")
    assert len(paths) == len(data["features"]) == 20
    fills = {p.get_attribute("fill") for p in paths}
    assert fills <= set(data["colors"]) and len(fills) > 1

    target = clickable_district(data["features"])
    no = target["properties"]["district_no"]
    path = driver.find_element(By.CSS_SELECTOR, f"path.district-no-{no}")
    ActionChains(driver).move_to_element(path).click().perform()
    heading = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#district-info h3")))
    assert heading.get_attribute("data-district") == no
    turnout = driver.find_element(By.CSS_SELECTOR, "#district-info .info-turnout").text
    assert turnout == f"{target['properties']['turnout_pct']:.2f} %"
    info = driver.find_element(By.ID, "district-info").text
    assert target["properties"]["station_name"] in info
    assert "ポイント" in info  # the change since 2022

    # The download link serves the same file.
    href = driver.find_element(By.ID, "download-link").get_attribute("href")
    assert "/api/elections/2024-shugiin/turnout.geojson" in href and "method=jenks" in href


@needs_account
def test_stations_zones_and_interim_counts(driver):
    open_page(driver)
    login(driver)
    wait(driver).until(lambda d: "2024-shugiin" in election_ids(d))
    Select(driver.find_element(By.ID, "election-select")).select_by_value("2024-shugiin")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "status"), "第50回衆議院議員総選挙"))
    Select(driver.find_element(By.ID, "time-select")).select_by_value("11:00")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "status"), "11:00 時点"))

    driver.find_element(By.ID, "toggle-stations").click()
    wait(driver).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "path.station-marker")) == 20)
    driver.find_element(By.ID, "toggle-zones").click()
    wait(driver).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "path.zone")) == 20)

    # Signing out hides the unpublished election again.
    driver.find_element(By.ID, "logout-btn").click()
    wait(driver).until(lambda d: "2024-shugiin" not in election_ids(d))
