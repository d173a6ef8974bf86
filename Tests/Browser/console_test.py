"""The staff console in a real browser (issue 17): sign in as a moderator and as an admin,
moderate a flag, change a status and see it on the public timeline, create and close a round,
read the analytics page. Every page is axe-checked and screenshotted like the customer site's.
"""
import os
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import site_test
from site_test import ADMIN, SCREENSHOTS, SiteTestCase, iso


class Console(SiteTestCase):
    javascript = True

    def staff_sign_in(self, token):
        self.driver.delete_all_cookies()
        self.open("/admin")  # a browser without a session is sent to the sign-in page
        self.assertIn("/admin/signin", self.driver.current_url)
        self.driver.find_element(By.ID, "token").send_keys(token)
        self.driver.find_element(By.CSS_SELECTOR, "form[action='/admin/signin'] button").click()
        self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "header.console")))

    def shoot(self, name):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        self.driver.save_screenshot(os.path.join(SCREENSHOTS, "console-%s.png" % name))

    def test_a_moderator_hides_a_flagged_idea(self):
        s = self.server
        spam = s.api("POST", "/ideas", {"title": "Buy cheap watches here", "description": "spam link", "category": "Stores"},
                     self.author_token)["id"]
        reporter = s.api("POST", "/users", {"name": "Reporter", "email": "reporter@example.com"})
        s.api("POST", "/ideas/%d/flags" % spam, {"reason": "Spam"}, reporter["token"])
        moderator = s.api("POST", "/admin/staff", {"name": "Mina", "role": "moderator"}, ADMIN)["token"]
        self.staff_sign_in(moderator)
        self.assertNotIn("/admin/staff", [a.get_attribute("href").replace(s.base, "") for a in
                                          self.driver.find_elements(By.CSS_SELECTOR, "header a")])
        self.open("/admin/moderation")
        self.shoot("moderation-desktop-en")
        self.assertIn("Spam", self.text())
        self.driver.find_element(By.CSS_SELECTOR, "form[action$='/resolve'] button.danger").click()
        self.wait(EC.text_to_be_present_in_element((By.ID, "live"), "Done."))
        self.assertIn("No open flags", self.text())
        self.check_page()
        try:
            s.api("GET", "/ideas/%d" % spam)
            self.fail("the hidden idea is still public")
        except Exception as error:
            self.assertIn("404", str(error))
        # Admin pages are refused to a moderator, as a page.
        self.driver.get(s.base + "/admin/staff")
        self.assertIn("This needs the admin role.", self.text())

    def test_an_admin_answers_an_idea_and_runs_a_round(self):
        s = self.server
        idea = s.api("POST", "/ideas", {"title": "Plant-based menu", "description": "More vegan food.", "category": "음료"},
                     self.author_token)["id"]
        self.staff_sign_in(ADMIN)
        self.check_page()
        self.shoot("analytics-desktop-en")
        self.open("/admin/ideas/%d" % idea)
        Select(self.driver.find_element(By.ID, "status")).select_by_value("under_review")
        self.driver.find_element(By.ID, "note").send_keys("We are testing it in three stores.")
        self.driver.find_element(By.CSS_SELECTOR, "form[action$='/status'] button").click()
        self.wait(EC.text_to_be_present_in_element((By.ID, "live"), "Done."))
        self.check_page()
        self.shoot("idea-desktop-en")
        # The public timeline shows it.
        self.driver.get(s.base + "/ideas/%d" % idea)
        self.assertIn("We are testing it in three stores.", self.driver.find_element(By.CSS_SELECTOR, "ol.timeline").text)
        # Create a round through the form, then close it.
        self.open("/admin/rounds")
        for field, value in [("name", "Console round"), ("submissions_open_at", iso(-2)), ("submissions_close_at", iso(24)),
                             ("voting_opens_at", iso(-1)), ("voting_closes_at", iso(48))]:
            self.driver.find_element(By.ID, field).send_keys(value)
        self.driver.find_element(By.CSS_SELECTOR, "form[action='/admin/do/rounds'] button").click()
        self.wait(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Console round"))
        self.check_page()
        round_url = self.driver.current_url
        self.driver.find_element(By.CSS_SELECTOR, "form[action$='/close'] button").click()
        # The page the round's creation led to says "Done." already: wait for what only the closed
        # round's page shows, then for its notice.
        self.wait(lambda driver: "results.csv" in driver.page_source)
        self.wait(EC.text_to_be_present_in_element((By.ID, "live"), "Done."))
        self.assertEqual(self.driver.current_url, round_url)
        # Every other console page: axe-clean, both languages, desktop and phone.
        for language in ["en", "ko"]:
            self.driver.get(s.base + "/lang/%s?next=/admin" % language)
            for width, height, device in [(1280, 800, "desktop"), (390, 844, "phone")]:
                self.driver.set_window_size(width, height)
                for name, path in [("analytics", "/admin?interval=day"), ("users", "/admin/users"), ("user", "/admin/users/1"),
                                   ("rounds", "/admin/rounds"), ("categories", "/admin/categories"), ("staff", "/admin/staff"),
                                   ("fraud", "/admin/fraud"), ("health", "/admin/webhooks"), ("moderation", "/admin/moderation")]:
                    self.open(path)
                    self.assertEqual(self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), language)
                    self.shoot("%s-%s-%s" % (name, device, language))
        self.driver.set_window_size(1280, 800)
        self.driver.get(s.base + "/lang/en?next=/")


if __name__ == "__main__":
    unittest.main(verbosity=2)
