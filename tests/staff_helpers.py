"""Staff page logins for tests: password, then the second factor (enrolling it on the
first login of an admin, trustee or officer), the way a person goes through the pages."""

from __future__ import annotations

import re
import time

import pyotp


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post_password(client, username: str, password: str, next_path: str | None = None):
    form = client.get("/agents/connexion").get_data(as_text=True)
    url = "/agents/connexion" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"username": username, "password": password,
                                  "csrf_token": csrf(form)})


def enrolment_secret(page: str) -> str:
    return re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


def next_code(secret: str, after_step: int | None = None) -> tuple[str, int]:
    """A valid code for a step not used yet (waits for the next step if needed)."""
    step = int(time.time()) // 30
    if after_step is not None and step <= after_step:
        step = after_step + 1   # within the accepted drift of one step
    return pyotp.TOTP(secret).generate_otp(step), step


class StaffLogin:
    """Logs one account in repeatedly: remembers its TOTP secret and last step."""

    def __init__(self, username: str, password: str):
        self.username, self.password = username, password
        self.secret: str | None = None
        self.step: int | None = None
        self.recovery_codes: list[str] = []

    def login(self, client, next_path: str | None = None):
        """Returns the final response (a redirect, or the recovery-codes page)."""
        response = post_password(client, self.username, self.password, next_path)
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/agents/connexion/" not in location:
            return response   # no second factor for this role, or refused
        page = client.get(location).get_data(as_text=True)
        if location.endswith("/enrolement"):
            self.secret = enrolment_secret(page)
        code, self.step = next_code(self.secret, self.step)
        response = client.post(location, data={"code": code, "csrf_token": csrf(page)})
        if location.endswith("/enrolement"):
            self.recovery_codes = re.findall(r"<code>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})</code>",
                                             response.get_data(as_text=True))
        return response


def login(client, username: str, password: str, next_path: str | None = None):
    return StaffLogin(username, password).login(client, next_path)
