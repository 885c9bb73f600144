"""Browser test of the staff page for illegal/nuisance parking cases (web/staff/parking/)
in headless Chromium with a phone-sized window.

Needs a running MachiGIS server (base URL in MACHIGIS_URL, e.g. http://127.0.0.1:18080) and
a road_traffic staff account in MACHIGIS_PARKING_USER / MACHIGIS_PARKING_PASSWORD
(e.g. from `machigis user add traffic1 --role road_traffic --db …`, which prints the password).
Uses Debian's chromium, chromium-driver and python3-selenium.
"""
import json
import os
import re
import urllib.error
import urllib.request

import pytest
from conftest import BASE, chromium_session, wait
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

USER = os.environ.get("MACHIGIS_PARKING_USER", "")
PASSWORD = os.environ.get("MACHIGIS_PARKING_PASSWORD", "")
PAGE = "/staff/parking/"

needs_account = pytest.mark.skipif(
    not (USER and PASSWORD),
    reason="MACHIGIS_PARKING_USER / MACHIGIS_PARKING_PASSWORD are not set "
           "(create one with `machigis user add <name> --role road_traffic`)")


@pytest.fixture
def driver(request):
    yield from chromium_session(request, mobile=(412, 915))


def tap(drv, el):
    """Scrolls the element to the middle of the screen (clear of the sticky tab bar), then clicks it."""
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    wait(drv).until(lambda d: el.is_displayed() and el.is_enabled())
    el.click()


def text_of(drv, element_id):
    els = drv.find_elements(By.ID, element_id)
    return els[0].text.strip() if els else ""


def open_login(drv):
    drv.get(BASE + PAGE)
    wait(drv).until(EC.visibility_of_element_located((By.ID, "login-name")))


def log_in(drv, name, password):
    open_login(drv)
    box = drv.find_element(By.ID, "login-name")
    box.clear()
    box.send_keys(name)
    drv.find_element(By.ID, "login-password").send_keys(password)
    tap(drv, drv.find_element(By.ID, "login-btn"))


def history_count(drv):
    return len(drv.find_elements(By.CSS_SELECTOR, "#detail-history .history-item"))


def api_get_with_session(drv, path):
    """GET an API path with the browser's session cookie (HttpOnly cookies are visible to WebDriver)."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in drv.get_cookies())
    req = urllib.request.Request(BASE + path, headers={"Cookie": cookie, "Accept": "application/geo+json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


@needs_account
def test_log_case_then_resolve_it(driver):
    log_in(driver, USER, PASSWORD)
    wait(driver).until(EC.visibility_of_element_located((By.ID, "main-view")))
    assert driver.find_element(By.ID, "tab-new").get_attribute("aria-selected") == "true"
    assert USER in text_of(driver, "user-name")

    # Place the case by tapping the map a little off its centre (the map opens on the city centre).
    map_el = wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#case-map.leaflet-container")))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", map_el)
    ActionChains(driver).move_to_element_with_offset(map_el, 30, -20).click().perform()
    wait(driver).until(lambda d: "緯度" in text_of(d, "case-position"))
    assert driver.find_elements(By.CSS_SELECTOR, "#case-map .leaflet-marker-icon")
    assert re.search(r"緯度 34\.\d+、経度 135\.\d+", text_of(driver, "case-position"))

    Select(driver.find_element(By.ID, "case-category")).select_by_visible_text("違法駐車")
    Select(driver.find_element(By.ID, "case-vehicle")).select_by_visible_text("普通")
    driver.find_element(By.ID, "case-plate").send_keys("なにわ 500 あ 12-34")
    driver.find_element(By.ID, "case-duration").send_keys("30")
    driver.find_element(By.ID, "case-notes").send_keys("ブラウザテストによる登録")
    observed = driver.find_element(By.ID, "case-observed").get_attribute("value")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", observed), observed
    tap(driver, driver.find_element(By.ID, "case-submit"))

    result = wait(driver).until(EC.visibility_of_element_located((By.ID, "case-result")))
    case_id = wait(driver).until(lambda d: d.find_element(By.ID, "case-result").get_attribute("data-id"))
    assert case_id in result.text
    assert "登録しました" in result.text
    assert not driver.find_element(By.ID, "case-error").is_displayed()

    # Find it in the list and open it.
    tap(driver, driver.find_element(By.ID, "tab-list"))
    item = wait(driver).until(EC.presence_of_element_located(
        (By.CSS_SELECTOR, f'#case-list .case-item[data-id="{case_id}"]')))
    assert "違法駐車" in item.text and "未対応" in item.text
    assert re.search(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", item.text), item.text  # Japan-time display
    tap(driver, item)

    wait(driver).until(EC.visibility_of_element_located((By.ID, "case-detail")))
    wait(driver).until(lambda d: text_of(d, "detail-status") == "未対応" and history_count(d) == 1)
    assert case_id in text_of(driver, "detail-id")
    assert "なにわ 500 あ 12-34" in text_of(driver, "detail-props")

    # open → in_progress → resolved with the status buttons.
    for status, label, entries in (("in_progress", "対応中", 2), ("resolved", "解決済", 3)):
        btn = wait(driver).until(EC.element_to_be_clickable(
            (By.CSS_SELECTOR, f'#case-detail .status-btn[data-status="{status}"]')))
        tap(driver, btn)
        wait(driver).until(lambda d, label=label, entries=entries:
                           text_of(d, "detail-status") == label and history_count(d) == entries)

    assert text_of(driver, "detail-status") == "解決済"
    assert history_count(driver) == 3
    history = text_of(driver, "detail-history")
    assert "対応中" in history and "解決済" in history
    # A resolved case is final: no more status buttons.
    assert not driver.find_elements(By.CSS_SELECTOR, "#case-detail .status-btn")

    stored = api_get_with_session(driver, f"/api/parking/incidents/{case_id}")
    assert stored["properties"]["status"] == "resolved"
    assert len(stored["history"]) == 3

    # Back in the list the item shows its new status.
    tap(driver, driver.find_element(By.ID, "detail-back"))
    wait(driver).until(lambda d: "解決済" in d.find_element(
        By.CSS_SELECTOR, f'#case-list .case-item[data-id="{case_id}"]').text)


def test_wrong_password_shows_error(driver):
    log_in(driver, USER or "traffic-test", "this-is-not-the-password")
    err = wait(driver).until(EC.visibility_of_element_located((By.ID, "login-error")))
    # 401 → wrong password; 429 if earlier failures from this address hit the login throttle.
    assert "パスワードが違います" in err.text or "一時的にログインできません" in err.text, err.text
    assert not driver.find_element(By.ID, "main-view").is_displayed()
    assert driver.find_element(By.ID, "login-name").is_displayed()


def test_data_api_is_staff_only():
    """The case data never reaches an anonymous client."""
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(BASE + "/api/parking/incidents?limit=1", timeout=10)
    assert e.value.code == 401
