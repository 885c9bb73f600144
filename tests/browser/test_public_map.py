"""Browser test of the public sewer-ledger map (web/) in headless Chromium.

Needs a running MachiGIS server with the sample ledger loaded; its base URL comes from
the environment variable MACHIGIS_URL (e.g. http://127.0.0.1:18080). Uses Debian's
chromium, chromium-driver and python3-selenium.
"""
import re

import pytest
from conftest import BASE, api_get, chromium_session, wait
from selenium.webdriver.common.action_chains import ActionChains
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC




@pytest.fixture
def driver(request):
    yield from chromium_session(request, window=(1280, 900))


def open_and_agree(drv):
    drv.get(BASE + "/")
    gate = wait(drv).until(EC.visibility_of_element_located((By.ID, "gate")))
    assert "利用上の注意" in gate.text
    assert "参考図" in gate.text
    drv.find_element(By.ID, "agree").click()
    wait(drv).until(EC.invisibility_of_element_located((By.ID, "gate")))
    return wait(drv).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#map.leaflet-container")))


def popup_text(drv):
    els = drv.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content")
    return els[0].text if els else ""


def test_gate_search_popup_and_session(driver):
    city = api_get("/api/config")["city"]["name"]
    pipe = api_get("/api/sewer/search?layer=pipes&limit=1")["features"][0]["properties"]
    pipe_no, system = pipe["pipe_no"], pipe["system"]

    open_and_agree(driver)
    wait(driver).until(lambda d: city in d.title)

    box = driver.find_element(By.ID, "search-q")
    box.clear()
    box.send_keys(pipe_no)
    driver.find_element(By.ID, "search-btn").click()

    item = wait(driver).until(EC.element_to_be_clickable(
        (By.CSS_SELECTOR, f'#search-results .result-item[data-no="{pipe_no}"]')))
    item.click()

    # An exact match also selects itself, so the popup may be replaced while it fades in;
    # read the newest popup's row from the DOM rather than through element references.
    def popup_row(d, label):
        return d.execute_script(
            "const p = [...document.querySelectorAll('.leaflet-popup-content')].pop();"
            "const row = p && [...p.querySelectorAll('table.attr-table tr')]"
            "  .find((r) => r.querySelector('th') && r.querySelector('th').textContent.trim() === arguments[0]);"
            "return row ? row.querySelector('td').textContent.trim() : '';", label)

    for label, expected in (("本管番号", pipe_no), ("排除方式", system)):
        try:
            wait(driver).until(lambda d: popup_row(d, label) == expected)
        except TimeoutException:
            pass  # the assertion below shows what the popup holds
        assert popup_row(driver, label) == expected

    # The agreement holds for the rest of the browser session.
    driver.refresh()
    wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#map.leaflet-container")))
    assert not driver.find_element(By.ID, "gate").is_displayed()


def test_search_unknown_number(driver):
    open_and_agree(driver)
    box = driver.find_element(By.ID, "search-q")
    box.send_keys("NO-SUCH-99999")
    driver.find_element(By.ID, "search-btn").click()
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "search-results"), "該当なし"))


def test_click_map_shows_nearest_pipe(driver):
    map_el = open_and_agree(driver)
    ActionChains(driver).move_to_element(map_el).click().perform()
    wait(driver).until(lambda d: "クリック地点からの距離" in popup_text(d))
    assert re.search(r"クリック地点からの距離: [0-9.]+ m", popup_text(driver))
    assert driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .popup-pipe-no").text.strip()


def test_disagree_keeps_map_blocked(driver):
    driver.get(BASE + "/")
    wait(driver).until(EC.visibility_of_element_located((By.ID, "disagree"))).click()
    msg = wait(driver).until(EC.visibility_of_element_located((By.ID, "gate-refused")))
    assert "同意" in msg.text
    assert driver.find_element(By.ID, "gate").is_displayed()
    assert not driver.find_elements(By.CSS_SELECTOR, "#map.leaflet-container")


def test_pipes_only_from_zoom_15_with_a_hint(driver):
    """The page draws raw GeoJSON: zoomed out it asks for no pipes and says to zoom in."""
    open_and_agree(driver)
    wait(driver).until(lambda d: int(d.find_element(By.ID, "map").get_attribute("data-pipes") or 0) > 0)
    driver.find_element(By.CSS_SELECTOR, ".leaflet-control-zoom-out").click()
    wait(driver).until(lambda d: "拡大すると管路を表示します" in d.find_element(By.ID, "status").text)
    wait(driver).until(lambda d: d.find_element(By.ID, "map").get_attribute("data-pipes") == "0")
    requests = driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)"
        ".filter((n) => n.includes('layer=pipes')).length")
    driver.find_element(By.CSS_SELECTOR, ".leaflet-control-zoom-out").click()
    wait(driver).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-zoom-anim"))
    assert "拡大すると管路を表示します" in driver.find_element(By.ID, "status").text
    assert driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)"
        ".filter((n) => n.includes('layer=pipes')).length") == requests, "no pipe request below zoom 15"
