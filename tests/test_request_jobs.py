"""The jobs a serving process runs on its first request of a day or a week (portal.request_jobs): once
per period, on pages only (not static files or the health check), off in tests unless their setting is
on, and a failure retried by the next request without failing the page."""
from portal.request_jobs import run_once_per


def _on(app, path, period, job, setting="TEST_JOB_AUTO"):
    with app.test_request_context(path):
        run_once_per("test_job", period, setting, job)


def test_a_job_runs_once_a_period_on_the_first_page_request(app):
    ran = []
    app.config["TEST_JOB_AUTO"] = True
    for path in ("/healthz", "/static/css/portal.css", "/login", "/login", "/projects"):
        _on(app, path, "2026-12-02", lambda: ran.append(path))
    assert ran == ["/login"]
    _on(app, "/projects", "2026-12-03", lambda: ran.append("next day"))
    assert ran == ["/login", "next day"]


def test_a_job_is_off_in_tests_unless_its_setting_is_on(app):
    ran = []
    _on(app, "/login", "2026-12-02", lambda: ran.append(1))
    app.config["TEST_JOB_AUTO"] = False
    _on(app, "/login", "2026-12-02", lambda: ran.append(1))
    assert ran == []


def test_a_failing_job_leaves_the_page_and_the_next_request_retries(app):
    ran = []
    app.config["TEST_JOB_AUTO"] = True

    def fails():
        ran.append("failed")
        raise RuntimeError("the database is locked")

    _on(app, "/login", "2026-12-02", fails)  # no exception reaches the page
    _on(app, "/login", "2026-12-02", lambda: ran.append("retried"))
    _on(app, "/login", "2026-12-02", lambda: ran.append("again"))
    assert ran == ["failed", "retried"]
