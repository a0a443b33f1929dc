#!/usr/bin/env python3
"""console.py - a person's day on the web console, in a real headless
Chromium driven through chromedriver's W3C WebDriver HTTP protocol.

Python's standard library only (urllib): nothing to install beyond
Debian's chromium and chromium-driver.  tests/integration/browser.sh
starts the two daemons and calls this with their URLs; each step prints
"ok: STEP" or "FAIL: STEP (why)", and a screenshot of each page goes to
SHOTS (a folder).

Environment: UC, UO (the centre's and the office's console), PASS (every
person's passphrase), PHOTO (an image file), SHOTS, CHROMEDRIVER_PORT.
"""
import base64
import json
import os
import subprocess
import sys
import time
import urllib.request

UC = os.environ["UC"]
# The office is reached as "localhost": cookies are per host, not per
# port, and the two browsers must not share a session cookie's name.
UO = os.environ["UO"].replace("127.0.0.1", "localhost")
PASS = os.environ["PASS"]
PHOTO = os.environ["PHOTO"]
SHOTS = os.environ["SHOTS"]
PORT = int(os.environ.get("CHROMEDRIVER_PORT", "9515"))
WD = "http://127.0.0.1:%d" % PORT
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
failed = 0


T0 = time.time()


def say(ok, step, why=""):
    global failed
    if ok:
        print("ok: %s (%.1f s)" % (step, time.time() - T0), flush=True)
    else:
        failed += 1
        print("FAIL: %s (%s)" % (step, why), flush=True)


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(WD + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"{}").get("value")
    except urllib.error.HTTPError as e:
        raise RuntimeError(e.read().decode(errors="replace")[:300])


class Browser:
    def __init__(self, width, height, mobile=False):
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-default-apps", "--disable-component-update", "--mute-audio",
                "--disable-features=Translate,MediaRouter,OptimizationHints",
                "--disable-dev-shm-usage", "--lang=zh-CN",
                "--window-size=%d,%d" % (width, height)]
        opts = {"binary": "/usr/bin/chromium", "args": args}
        v = call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": opts}}})
        self.sid = v["sessionId"]

    def s(self, method, path, body=None):
        return call(method, "/session/%s%s" % (self.sid, path), body)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def url(self):
        return self.s("GET", "/url")

    def find(self, css):
        return self.s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def finds(self, css):
        return self.s("POST", "/elements", {"using": "css selector", "value": css})

    def type(self, css, text):
        e = self.find(css)
        self.s("POST", "/element/%s/clear" % e, {})
        self.s("POST", "/element/%s/value" % e, {"text": text})

    def click(self, css):
        self.s("POST", "/element/%s/click" % self.find(css), {})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def text(self, css="body"):
        return self.s("GET", "/element/%s/text" % self.find(css))

    def shot(self, name):
        png = base64.b64decode(self.s("GET", "/screenshot"))
        with open(os.path.join(SHOTS, name + ".png"), "wb") as f:
            f.write(png)

    def wait(self, cond, secs=15, poll=0.05):
        end = time.time() + secs
        while time.time() < end:
            try:
                if cond():
                    return True
            except Exception:
                pass
            time.sleep(poll)
        return False

    def quit(self):
        try:
            self.s("DELETE", "")
        except Exception:
            pass

    def signin(self, base, name):
        self.go(base + "/signin")
        self.type("#name", name)
        self.type("#pass", PASS)
        self.click("#signin")
        return self.wait(lambda: "/signin" not in self.url(), 10)

    def signout(self):
        self.click("header form[action='/signout'] button")
        self.wait(lambda: "/signin" in self.url(), 10)


def step(name, fn):
    try:
        r = fn()
        say(r is not False, name, "" if r is not False else "condition not met")
        return r
    except Exception as e:  # a step that throws fails, the next ones still run
        say(False, name, str(e)[:300])
        return None


def board_units(centre):
    """The board's table per unit: the counts the CLI found (BOARD_EXPECT,
    "UNIT:open/soon/overdue;..."), the most overdue unit first, a unit of
    the grid with none, every count a link to the unit's worklist."""
    rows = centre.js("return [...document.querySelectorAll('#units tbody tr')]"
                     ".map(r => [...r.cells].map(c => c.textContent))")
    got = {r[0]: "/".join(r[1:]) for r in rows or []}
    for item in os.environ["BOARD_EXPECT"].split(";"):
        unit, want = item.rsplit(":", 1)
        if got.get(unit) != want:
            print("the board's row of %s: %r" % (unit, got.get(unit)), flush=True)
        step("the board counts %s's open, due-soon and overdue cases (%s)" % (unit, want),
             lambda: got.get(unit) == want)
    step("the most overdue unit first, a grid office with no case listed too",
         lambda: rows[0][0] == "office-07" and got.get("office-03") == "0/0/0")
    step("office-07's overdue count links to its overdue worklist",
         lambda: centre.js("const a = document.querySelectorAll('#units tbody tr')[0].cells[3].querySelector('a');"
                           "return a.getAttribute('href')") == "/?unit=office-07&overdue=1")
    unit2 = os.environ["UNIT2"]

    def follow():
        centre.js("const r = [...document.querySelectorAll('#units tbody tr')]"
                  ".find(r => r.cells[0].textContent === arguments[0]);"
                  "r.cells[1].querySelector('a').click()", unit2)
        return centre.wait(lambda: "unit=" in centre.url() and
                           centre.js("return document.querySelector('input[name=unit]').value") == unit2 and
                           centre.text("#count").startswith("1 "), 10)
    step("a unit whose name needs escaping: its link opens its worklist", follow)
    centre.go(UC + "/board")
    centre.js("document.getElementById('b-units').scrollIntoView()")
    centre.shot("board-units")


def main():
    drv = subprocess.Popen(["chromedriver", "--port=%d" % PORT],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    centre = office = None
    try:
        end = time.time() + 20
        while True:
            try:
                call("GET", "/status")
                break
            except Exception:
                if time.time() > end:
                    raise
                time.sleep(0.1)
        # The supervisor's phone.
        centre = Browser(390, 844)
        step("the sign-in page, in Chinese", lambda: (centre.go(UC + "/signin"), centre.shot("signin"),
                                                    "登录" in centre.text("h1"))[-1])
        step("the supervisor signs in on the phone", lambda: centre.signin(UC, "sup"))
        # The phone's position, as the browser's geolocation would give it.
        step("the phone's position is granted", lambda: centre.s("POST", "/goog/cdp/execute", {
            "cmd": "Emulation.setGeolocationOverride",
            "params": {"latitude": 31.170, "longitude": 121.409, "accuracy": 10}}) is None or True)
        try:
            centre.s("POST", "/goog/cdp/execute", {"cmd": "Browser.grantPermissions", "params": {
                "origin": UC, "permissions": ["geolocation"]}})
        except Exception:
            pass

        def report():
            centre.go(UC + "/report")
            centre.js("document.getElementById('class').value='event:06010'")
            centre.type("#where", "漕溪路 100 号门口")
            centre.type("#desc", "垃圾堆放 <b>未清</b>")
            centre.type("#grid", "310104007002001")
            centre.click("#locate")
            if not centre.wait(lambda: centre.js("return document.getElementById('lat').value") != "", 5):
                centre.type("#lat", "31.170")
                centre.type("#lon", "121.409")
            centre.s("POST", "/element/%s/value" % centre.find("#photo"), {"text": PHOTO})
            centre.shot("report-phone")
            centre.click("#send")
            return centre.wait(lambda: "/case/" in centre.url(), 10)
        step("the supervisor reports with class, photo and position", report)
        case = centre.url().rsplit("/case/", 1)[-1].split("?")[0]
        step("the report's text is shown as text", lambda: "<b>未清</b>" in centre.text("dl.fields"))
        step("its photo is on the case page", lambda: len(centre.finds("img.photo")) == 1)
        step("the case page maps its cell and the phone's position",
             lambda: centre.js("const m = document.getElementById('case-map');"
                               "return !!m && m.getBoundingClientRect().width > 200 &&"
                               " !!m.querySelector(\"path.cell.this[data-grid='310104007002001']\") &&"
                               " !!m.querySelector('circle.marker.here:not(.approx)') &&"
                               " m.querySelectorAll('path.cell').length > 1"))
        centre.shot("case-phone")
        centre.signout()

        # The office's clerk opens the worklist and leaves it open.
        office = Browser(1280, 900)
        step("the office's clerk signs in", lambda: office.signin(UO, "off"))
        office.go(UO + "/")
        office.wait(lambda: office.js("return !!window.EventSource"), 5)
        step("the case is not on the office's worklist yet",
             lambda: len(office.finds("tr[data-case='%s']" % case)) == 0)

        # The centre registers and dispatches.
        centre.s("POST", "/window/rect", {"width": 1280, "height": 900})
        step("the operator signs in at the centre", lambda: centre.signin(UC, "op"))
        centre.go(UC + "/board")
        step("the board lists the new report", lambda: case in centre.text("#b-new"))
        centre.shot("board")
        board_units(centre)
        centre.go(UC + "/case/" + case)
        step("the operator accepts", lambda: (centre.click("#do-accept"),
                                             centre.wait(lambda: len(centre.finds("#do-register")) == 1, 10))[-1])
        step("and registers", lambda: (centre.type("#register-urgency", "normal"), centre.click("#do-register"),
                                       centre.wait(lambda: len(centre.finds("#do-dispatch")) == 1, 10))[-1])
        step("dispatch suggests the grid cell's office", lambda: centre.text("code.suggest") == "office-07")
        centre.shot("case-dispatch")
        t0 = time.time()
        step("and dispatches to office-07", lambda: (centre.type("#dispatch-unit", "office-07"),
                                                     centre.click("#do-dispatch"),
                                                     centre.wait(lambda: len(centre.finds("#do-dispatch")) == 0, 10))[-1])
        seen = step("the office's page shows the case without a reload",
                    lambda: office.wait(lambda: len(office.finds("tr[data-case='%s']" % case)) == 1, 15))
        if seen:
            print("office saw the dispatch %.2f s after the click" % (time.time() - t0), flush=True)
        step("no reload happened (the page was updated in place)",
             lambda: office.js("return document.documentElement.dataset.updated || ''") != "")
        # The office hands the case to its team, and filters by team.
        step("the office assigns the case to its team 一组", lambda: (
            office.go(UO + "/case/" + case), office.type("#assign-team", "一组"), office.click("#do-assign"),
            office.wait(lambda: "一组" in office.text("dl.fields"), 10))[-1])
        office.go(UO + "/")

        def team_filter():
            if "一组" not in office.js("return [...document.querySelectorAll('#team option')].map(o => o.value).join(',')"):
                return False
            office.js("document.getElementById('team').value = '一组'")
            office.click("form.filters button")
            return office.wait(lambda: "team=" in office.url() and
                               len(office.finds("tr[data-case='%s']" % case)) == 1, 10)
        step("the team filter offers the office's teams and lists the team's case", team_filter)
        office.shot("worklist-office")

        # The office feeds back with a photo.
        def feedback():
            office.go(UO + "/case/" + case)
            office.type("#feedback-notes", "已清理")
            office.s("POST", "/element/%s/value" % office.find("#act-feedback input[type=file]"), {"text": PHOTO})
            office.click("#do-feedback")
            return office.wait(lambda: "已反馈" in office.text("h1"), 10)
        step("the office feeds back with a photo", feedback)
        office.shot("case-office")

        # The centre: the supervisor verifies, the operator closes.
        centre.signout()
        step("the supervisor signs in again", lambda: centre.signin(UC, "sup"))

        def verify():
            centre.go(UC + "/case/" + case)
            return centre.wait(lambda: (centre.go(UC + "/case/" + case),
                                        len(centre.finds("#do-verify-pass")) == 1)[-1], 15, 0.3)
        step("the feedback reaches the centre", verify)
        step("the supervisor verifies", lambda: (centre.click("#do-verify-pass"),
                                                  centre.wait(lambda: "已核查" in centre.text("h1"), 10))[-1])
        centre.signout()
        step("the operator signs in again", lambda: centre.signin(UC, "op"))
        centre.go(UC + "/case/" + case)
        step("the operator closes", lambda: (centre.click("#do-close"),
                                             centre.wait(lambda: "已结案" in centre.text("h1"), 10))[-1])
        step("the timeline names the office's clerk", lambda: "off" in centre.text("ol.timeline"))
        centre.shot("case-closed")
        centre.go(UC + "/eval?by=unit")
        step("the evaluation counts the closed case for office-07",
             lambda: "office-07" in centre.text("#eval"))
        centre.shot("eval")
        step("the trend shows six months, last month from its frozen report",
             lambda: centre.js("const r = document.querySelectorAll('#trend-table tr[data-source]');"
                               "return r.length === 6 && r[0].dataset.source === 'live' &&"
                               " r[1].dataset.source === 'frozen'"))
        step("with its chart and office-07's grade",
             lambda: centre.js("return document.getElementById('trend-chart').getBoundingClientRect().height > 50 &&"
                               " document.querySelectorAll('#trend-chart circle.dot').length >= 2") and
             "office-07" in centre.text("#trend-grades"))
        centre.js("document.getElementById('trend').scrollIntoView()")
        centre.shot("eval-trend")
        centre.go(UC + "/map")
        step("the map draws each cell's polygon",
             lambda: len(centre.finds("svg.map path.cell")) > 50)
        step("a cell with a hole and a MultiPolygon are drawn as such",
             lambda: centre.js("const h = document.querySelector(\"path.cell[data-grid='310104001001001']\");"
                               "const m = document.querySelector(\"path.cell[data-grid='310104001001002']\");"
                               "return h.dataset.rings === '2' && (h.getAttribute('d').match(/M/g) || []).length === 2 &&"
                               " m.dataset.polys === '2' && h.getBBox().width > 5"))
        step("the open case's cell is coloured, its case a marker",
             lambda: len(centre.finds("svg.map path.cell.yellow, svg.map path.cell.red")) >= 1 and
             len(centre.finds("svg.map circle.marker")) >= 1)
        step("the overdue case's cell is red, its marker overdue",
             lambda: len(centre.finds("svg.map path.cell.red[data-grid='%s']" % os.environ["LATE_GRID"])) == 1 and
             len(centre.finds("svg.map circle.marker.overdue[data-case='%s']" % os.environ["LATE"])) == 1 and
             len(centre.finds("svg.map path.cell.red")) == 1)
        centre.shot("map")
        centre.go(UC + "/?lang=en")
        centre.go(UC + "/lang?to=en")
        step("the English switch", lambda: "Worklist" in centre.text("h1"))
        centre.go(UC + "/board")
        step("the board's table per unit in English",
             lambda: "Per unit" in centre.text("#b-units h2") and "Overdue" in centre.text("#units thead"))
        centre.go(UC + "/?state=closed")
        centre.shot("worklist-en")
        centre.go(UC + "/lang?to=zh")
        centre.signout()
        step("the admin signs in", lambda: centre.signin(UC, "adm"))
        centre.go(UC + "/peers")
        step("the replication page lists the office", lambda: "office-07" in centre.text("table.peers"))
        centre.shot("peers")
    finally:
        for b in (centre, office):
            if b:
                b.quit()
        drv.terminate()
        drv.wait(10)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
