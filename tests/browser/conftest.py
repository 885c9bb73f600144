"""Makes each test's outcome visible to fixtures, so the driver fixture can save a
screenshot when a test fails. (The server is started by the Makefile, not here.)"""
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)
