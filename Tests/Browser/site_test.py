"""The customer web site in a real browser (issue 15): Chromium driven by Selenium against a
real Groundswell on a loopback port with a temp database. Every page is checked by axe-core
(zero violations), laid out at 390x844 and 1280x800 without sideways scrolling, and
screenshotted in English and Korean; the core flow runs once with JavaScript and once without.

Run by scripts/browser-tests.sh (make test). Environment: GS_BINARY (the server),
GS_SCREENSHOTS (a folder for the screenshots).
"""
import datetime
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

import importlib.util
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ADMIN = "browser-admin-token-0123456789"
PASSWORD = "correct horse battery"
ACCOUNTS = 0
SCREENSHOTS = os.environ.get("GS_SCREENSHOTS", os.path.join(os.getcwd(), ".build-screens"))


# axe-core 4.12 as PyPI ships it inside axe-playwright-python (installed without Playwright:
# only its copy of axe.min.js is used, injected through Selenium).
AXE_SCRIPT = open(os.path.join(os.path.dirname(importlib.util.find_spec("axe_playwright_python").origin), "axe.min.js")).read()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def png_with_location(width=96, height=64):
    """A PNG made here (no imaging library in the venv) carrying a text chunk with a place name,
    as some phone apps write: the stored copy must not have it."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (x * 2 % 256, y * 3 % 256, (x + y) % 256))
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Location\x00Seoul, 37.5665 N 126.9780 E") + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Groundswell on a free loopback port with its own temp database."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="gs-browser-")
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.process = subprocess.Popen(
            [os.environ["GS_BINARY"], "serve", "--port", str(self.port), "--db", os.path.join(self.dir, "gs.sqlite"),
             "--admin-token", ADMIN, "--public-url", self.base, "--rate-limit", "off", "--access-log", "off"],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def api(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def iso(delta_hours):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=delta_hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def browser(javascript=True, width=1280, height=800, language="en-US"):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=%d,%d" % (width, height), "--lang=" + language, "--force-device-scale-factor=1"]:
        options.add_argument(argument)
    prefs = {"intl.accept_languages": language, "download.default_directory": tempfile.mkdtemp(prefix="gs-downloads-"),
             "download.prompt_for_download": False}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(20)
    driver.downloads = prefs["download.default_directory"]
    return driver


class SiteTestCase(unittest.TestCase):
    javascript = True

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        s = cls.server
        s.api("POST", "/admin/categories", {"name": "음료"}, ADMIN)
        s.api("POST", "/admin/categories", {"name": "Stores"}, ADMIN)
        author = s.api("POST", "/users", {"name": "지수", "email": "jisu@example.com", "password": PASSWORD})
        cls.author_token = author["token"]
        cls.soy = s.api("POST", "/ideas", {"title": "두유 라떼 옵션을 늘려 주세요", "description": "귀리 우유와 두유를 모든 매장에서 고를 수 있게 해 주세요.",
                                           "category": "음료"}, cls.author_token)["id"]
        cls.straws = s.api("POST", "/ideas", {"title": "Paper straws in every store", "description": "Less plastic.",
                                              "category": "Stores"}, cls.author_token)["id"]
        cls.round = s.api("POST", "/admin/rounds", {
            "name": "Refresh 12월", "submissions_open_at": iso(-2), "submissions_close_at": iso(48),
            "voting_opens_at": iso(-1), "voting_closes_at": iso(72), "votes_per_user_per_day": 2, "currency": "KRW",
            "mode": "tiers", "timezone": "Asia/Seoul",
            "tiers": [{"name": "Local", "amount": 5000000, "winners": 2}]}, ADMIN)["id"]
        cls.entries = [s.api("POST", "/ideas", {"title": "Community garden %d" % n, "description": "A garden for the block.",
                                                "category": "Stores", "round_id": cls.round, "tier": "Local"}, cls.author_token)["id"]
                       for n in range(3)]
        cls.driver = browser(javascript=cls.javascript)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.stop()

    # -- helpers ---------------------------------------------------------------------------

    def open(self, path):
        self.driver.get(self.server.base + path)
        self.check_page()

    def wait(self, condition, timeout=10):
        # While a form posts and the browser follows the redirect, an element found a moment ago
        # can leave the document: keep polling until the condition holds or time runs out.
        return WebDriverWait(self.driver, timeout, ignored_exceptions=[WebDriverException]).until(condition)

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def check_page(self):
        """No console errors, zero axe violations, and no sideways scrolling."""
        # JavaScript errors only: a 4xx page the test asked for is logged as a network error too.
        errors = [entry for entry in self.driver.get_log("browser")
                  if entry["level"] == "SEVERE" and entry.get("source") in ("javascript", "console-api")]
        self.assertEqual(errors, [], "JavaScript console errors on " + self.driver.current_url)
        if not self.javascript:
            # axe needs script; the same server-rendered pages are checked in the JavaScript run.
            return
        self.driver.execute_script(AXE_SCRIPT)
        results = self.driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: %s}}).then(done, function (e) { done({error: String(e)}); });"
            % json.dumps(AXE_TAGS))
        self.assertNotIn("error", results, results.get("error"))
        violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]]
        self.assertEqual(violations, [], "axe violations on " + self.driver.current_url)
        wide = self.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        self.assertLessEqual(wide, 0, "the page scrolls sideways at this width: " + self.driver.current_url)

    def sign_up(self, name, fresh=True):
        global ACCOUNTS
        ACCOUNTS += 1
        email = "person%d-%s@example.com" % (ACCOUNTS, "js" if self.javascript else "nojs")
        if fresh:
            self.driver.delete_all_cookies()
        self.open("/signup")
        self.driver.find_element(By.ID, "name").send_keys(name)
        self.driver.find_element(By.ID, "email").send_keys(email)
        self.driver.find_element(By.ID, "password").send_keys(PASSWORD)
        self.driver.find_element(By.ID, "contact_opt_in").click()
        self.driver.find_element(By.CSS_SELECTOR, "form[action='/signup'] button").click()
        self.wait(EC.url_contains("/account"))
        self.assertIn("Welcome!", self.text())
        return email

    def sign_in_as_author(self):
        """Signs in as the author of the seeded ideas (jisu@example.com)."""
        d = self.driver
        d.delete_all_cookies()
        self.open("/signin")
        d.find_element(By.ID, "email").send_keys("jisu@example.com")
        d.find_element(By.ID, "password").send_keys(PASSWORD)
        d.find_element(By.CSS_SELECTOR, "form[action='/signin'] button").click()
        self.wait(EC.text_to_be_present_in_element((By.ID, "live"), "You are signed in."))

    def vote_count(self, idea):
        return self.driver.find_element(By.CSS_SELECTOR, "[data-vote-count='%d']" % idea).text

    def click_vote(self, idea):
        self.driver.find_element(By.CSS_SELECTOR, "form[data-vote-form='%d'] button" % idea).click()


class CoreFlow:
    """The flow every customer needs, run with and without JavaScript."""

    def test_sign_up_submit_vote_comment_and_search(self):
        d = self.driver
        self.sign_up("민지")
        # Submit an idea; with JavaScript a similar idea is suggested as the title is typed.
        self.open("/ideas/new")
        d.find_element(By.ID, "title").send_keys("두유 라떼")
        if self.javascript:
            self.wait(EC.visibility_of_element_located((By.ID, "similar")))
            self.wait(EC.text_to_be_present_in_element((By.ID, "similar-list"), "두유 라떼 옵션을 늘려 주세요"))
        d.find_element(By.ID, "title").send_keys(" 더 싸게")
        d.find_element(By.ID, "description").send_keys("두유 라떼 가격을 낮춰 주세요.\n두 번째 줄.")
        Select(d.find_element(By.ID, "category")).select_by_visible_text("음료")
        d.find_element(By.CSS_SELECTOR, "form[action='/ideas/new'] button[type=submit]").click()
        self.wait(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "두유 라떼 더 싸게"))
        self.assertIn("Your idea is shared.", self.text())
        self.check_page()

        # Vote and take it back: in place with JavaScript (no reload), by reloading without.
        self.open("/ideas/%d" % self.soy)
        before = int(self.vote_count(self.soy))
        d.execute_script("window.__still_here = true") if self.javascript else None
        self.click_vote(self.soy)
        self.wait(lambda _: self.vote_count(self.soy) == str(before + 1))
        if self.javascript:
            self.assertTrue(d.execute_script("return window.__still_here === true"), "voted without a reload")
            self.wait(EC.text_to_be_present_in_element((By.ID, "live"), "Your vote is counted."))
        d.refresh()
        self.assertEqual(self.vote_count(self.soy), str(before + 1))
        self.assertIn("Take back my vote", self.text())
        self.click_vote(self.soy)
        self.wait(lambda _: self.vote_count(self.soy) == str(before))
        d.refresh()
        self.assertEqual(self.vote_count(self.soy), str(before))

        # Comment.
        d.find_element(By.ID, "comment-body").send_keys("좋아요! <b>꼭</b> 해 주세요")
        d.find_element(By.CSS_SELECTOR, "form[action$='/comment'] button").click()
        self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ol.comments"), "좋아요! <b>꼭</b> 해 주세요"))
        self.check_page()

        # Search in Korean from the header; the match is marked.
        box = d.find_element(By.ID, "site-search")
        box.send_keys("두유")
        box.send_keys(Keys.ENTER)
        self.wait(EC.url_contains("/search"))
        marks = [m.text for m in d.find_elements(By.CSS_SELECTOR, "ol.results mark")]
        self.assertIn("두유", marks)
        self.check_page()

        # Sign out.
        d.find_element(By.CSS_SELECTOR, "form[action='/signout'] button").click()
        self.wait(EC.text_to_be_present_in_element((By.ID, "live"), "You are signed out."))
        self.assertIn("Sign in", self.text())

    def test_a_form_without_its_csrf_token_is_refused(self):
        self.sign_up("Ann")
        self.open("/ideas/%d" % self.straws)
        self.driver.execute_script("document.querySelector(\"form[action$='/comment'] input[name=_csrf]\").remove()")
        self.driver.find_element(By.ID, "comment-body").send_keys("no token")
        self.driver.find_element(By.CSS_SELECTOR, "form[action$='/comment'] button").click()
        self.wait(EC.text_to_be_present_in_element((By.ID, "form-error"), "csrf_failed"))
        comments = self.server.api("GET", "/ideas/%d/comments" % self.straws)["items"]
        self.assertNotIn("no token", [c["body"] for c in comments])


class WithJavaScript(SiteTestCase, CoreFlow):
    javascript = True

    def test_every_page_in_both_languages_and_sizes(self):
        """axe-clean, no sideways scroll and a screenshot for each page, en and ko, desktop and phone."""
        self.sign_up("스크린샷")
        pages = [("home", "/"), ("idea", "/ideas/%d" % self.soy), ("search", "/search?q=%EB%91%90%EC%9C%A0"),
                 ("submit", "/ideas/new"), ("rounds", "/rounds"), ("round", "/rounds/%d" % self.round),
                 ("in-action", "/in-action"), ("account", "/account")]
        for language in ["en", "ko"]:
            self.driver.get(self.server.base + "/lang/%s?next=/" % language)
            for width, height, device in [(1280, 800, "desktop"), (390, 844, "phone")]:
                self.driver.set_window_size(width, height)
                for name, path in pages:
                    self.open(path)
                    self.assertEqual(self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), language)
                    os.makedirs(SCREENSHOTS, exist_ok=True)
                    self.driver.save_screenshot(os.path.join(SCREENSHOTS, "%s-%s-%s.png" % (name, device, language)))
        self.driver.set_window_size(1280, 800)
        self.driver.get(self.server.base + "/lang/en?next=/")
        self.driver.delete_all_cookies()
        for name, path in [("signin", "/signin"), ("signup", "/signup")]:
            self.open(path)
            self.driver.save_screenshot(os.path.join(SCREENSHOTS, "%s-desktop-en.png" % name))

    def test_keyboard_alone_reaches_and_uses_the_vote_button(self):
        self.sign_up("Keys")
        self.open("/ideas/%d" % self.straws)
        body = self.driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        first = self.driver.switch_to.active_element
        self.assertEqual(first.get_attribute("class"), "skip", "the skip link comes first")
        before = self.vote_count(self.straws)
        for _ in range(40):
            active = self.driver.switch_to.active_element
            if active.tag_name == "button" and active.find_element(By.XPATH, "..").get_attribute("data-vote-form"):
                break
            active.send_keys(Keys.TAB)
        else:
            self.fail("the vote button is not reachable with Tab")
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait(lambda _: self.vote_count(self.straws) == str(int(before) + 1))

    def test_staff_move_an_idea_to_launched_and_the_timeline_shows_it(self):
        self.sign_up("Follower")
        idea = self.server.api("POST", "/ideas", {"title": "Reusable cups discount", "description": "A discount for own cups.",
                                                  "category": "Stores"}, self.author_token)["id"]
        self.open("/ideas/%d" % idea)
        for status in ["under_review", "accepted", "in_progress"]:
            self.server.api("PATCH", "/admin/ideas/%d" % idea, {"status": status}, ADMIN)
        self.server.api("PATCH", "/admin/ideas/%d" % idea, {"status": "launched", "note": "Live in all stores today."}, ADMIN)
        self.driver.refresh()
        timeline = self.driver.find_element(By.CSS_SELECTOR, "ol.timeline").text
        for step in ["submitted", "under review", "accepted", "in progress", "launched", "Live in all stores today."]:
            self.assertIn(step, timeline)
        self.check_page()
        self.open("/in-action")
        self.assertIn("Reusable cups discount", self.text())
        self.assertIn("Live in all stores today.", self.text())

    def test_round_votes_until_the_daily_allowance_is_spent(self):
        self.sign_up("Voter")
        self.open("/rounds/%d" % self.round)
        remaining = self.driver.find_element(By.CSS_SELECTOR, "[data-remaining]")
        self.assertEqual(remaining.text, "2")
        self.click_vote(self.entries[0])
        self.wait(lambda _: self.driver.find_element(By.CSS_SELECTOR, "[data-remaining]").text == "1")
        self.click_vote(self.entries[1])
        self.wait(lambda _: self.driver.find_element(By.CSS_SELECTOR, "[data-remaining]").text == "0")
        self.driver.refresh()
        self.assertIn("You have used all of today's votes in this round.", self.text())
        self.assertIn("New votes in", self.text())
        self.check_page()
        # A third vote is refused with the reason and when votes come back.
        self.click_vote(self.entries[2])
        self.wait(EC.presence_of_element_located((By.ID, "form-error")))
        self.assertIn("vote_limit", self.text())
        self.assertIn("midnight", self.text())

    def test_export_my_data_and_delete_my_account(self):
        email = self.sign_up("Leaving")
        self.open("/account")
        self.driver.find_element(By.CSS_SELECTOR, "a[href='/account/export']").click()
        path = os.path.join(self.driver.downloads, "groundswell-my-data.json")
        self.wait(lambda _: os.path.exists(path) and os.path.getsize(path) > 0)
        with open(path) as f:
            self.assertEqual(json.load(f)["profile"]["email"], email)
        self.driver.find_element(By.ID, "confirm").send_keys("DELETE")
        self.driver.find_element(By.CSS_SELECTOR, "form[action='/account/delete'] button").click()
        self.wait(EC.text_to_be_present_in_element((By.ID, "live"), "Your account is deleted."))
        self.open("/signin")
        self.driver.find_element(By.ID, "email").send_keys(email)
        self.driver.find_element(By.ID, "password").send_keys(PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button").click()
        self.wait(EC.presence_of_element_located((By.ID, "form-error")))
        self.assertIn("invalid_credentials", self.text())

    def test_a_creators_campaign_link_brings_a_visit_and_a_vote(self):
        d = self.driver
        # The author signs in and makes a campaign link on their idea's page.
        self.sign_in_as_author()
        self.open("/ideas/%d" % self.straws)
        d.find_element(By.ID, "campaign-label").send_keys("instagram-bio")
        d.find_element(By.CSS_SELECTOR, "form[action$='/campaign'] button").click()
        self.wait(EC.text_to_be_present_in_element((By.ID, "live"), "Done."))
        link = [cell.text for cell in d.find_elements(By.CSS_SELECTOR, "section[aria-labelledby='campaigns-heading'] td")
                if "?c=instagram-bio" in cell.text][0]
        self.check_page()
        # Someone else follows the link, signs up and votes.
        d.delete_all_cookies()
        d.get(link)
        self.wait(EC.url_contains("/ideas/%d" % self.straws))
        self.sign_up("Follower of the link", fresh=False)
        self.open("/ideas/%d" % self.straws)
        before = int(self.vote_count(self.straws))
        self.click_vote(self.straws)
        self.wait(lambda _: self.vote_count(self.straws) == str(before + 1))
        # The author sees the visit and the vote against the link.
        campaigns = self.server.api("GET", "/ideas/%d/campaigns" % self.straws, None, self.author_token)["items"]
        bio = [c for c in campaigns if c["label"] == "instagram-bio"][0]
        self.assertEqual((bio["visits"], bio["votes"]), (1, 1))

    def test_the_author_adds_a_picture_and_its_location_text_is_gone(self):
        d = self.driver
        self.sign_in_as_author()
        self.open("/ideas/%d" % self.straws)
        path = os.path.join(tempfile.mkdtemp(), "terrace.jpg")  # a PNG named .jpg: the bytes decide
        with open(path, "wb") as f:
            f.write(png_with_location())
        d.find_element(By.ID, "picture-file").send_keys(path)
        d.find_element(By.ID, "picture-alt").send_keys("Paper straws in a glass")
        d.find_element(By.CSS_SELECTOR, "form[action$='/picture'] button").click()
        self.wait(EC.text_to_be_present_in_element((By.ID, "live"), "Done."))
        image = d.find_element(By.CSS_SELECTOR, "ul.gallery img[alt='Paper straws in a glass']")
        self.assertTrue(self.wait(lambda _: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image)))
        self.check_page()
        d.save_screenshot(os.path.join(SCREENSHOTS, "idea-with-picture.png"))
        with urllib.request.urlopen(image.get_attribute("src")) as response:
            stored = response.read()
            self.assertEqual(response.headers["Content-Type"], "image/png")
            self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
        self.assertTrue(stored.startswith(b"\x89PNG"))
        self.assertNotIn(b"Seoul", stored)
        self.assertNotIn(b"tEXt", stored)
        # Visitors see it, and the share card names it.
        d.delete_all_cookies()
        self.open("/ideas/%d" % self.straws)
        og = d.find_element(By.CSS_SELECTOR, "meta[property='og:image']").get_attribute("content")
        self.assertIn("/media/", og)

    def test_live_counts_arrive_without_a_reload(self):
        self.driver.delete_all_cookies()
        self.open("/ideas/%d" % self.straws)
        before = int(self.vote_count(self.straws))
        voter = self.server.api("POST", "/users", {"name": "Elsewhere", "email": "elsewhere@example.com"})
        self.server.api("POST", "/ideas/%d/votes" % self.straws, None, voter["token"])
        self.wait(lambda _: self.vote_count(self.straws) == str(before + 1))


class WithoutJavaScript(SiteTestCase, CoreFlow):
    javascript = False


if __name__ == "__main__":
    unittest.main(verbosity=2)
