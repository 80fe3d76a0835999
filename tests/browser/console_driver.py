#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Drives headless Chromium through the defender console (docs/console.md, "Browser tests").

Run by tests/browser/console_browser_test.cpp, which starts mosquitto, `defender detect --http`,
agents and `defender simulate`, then calls this script with the console's URL:

  console_driver.py URL --phase alarm   --alarm-thing T --script-thing S --min-things N
  console_driver.py URL --phase cleared --alarm-thing T

Needs Debian's python3-selenium, chromium and chromium-driver (scripts/deps/console.list); exits
77 (CTest's SKIP_RETURN_CODE) with a message when one is missing. Screenshots go to
$DEFENDER_SCREENSHOT_DIR (default: a temporary directory, printed). Every wait is a bounded loop.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request

SKIP = 77
CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser']
CHROMEDRIVER = ['/usr/bin/chromedriver', '/usr/lib/chromium/chromedriver']

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError as error:
    print(f'SKIP: python3-selenium is not installed ({error}); see scripts/deps/console.list')
    sys.exit(SKIP)


class Failure(Exception):
    pass


def first_existing(paths):
    return next((p for p in paths if os.path.exists(p)), None)


def wait_for(what, predicate, timeout=30.0):
    """predicate() until it returns a truthy value, at most `timeout` seconds (bounded loop)."""
    last_error = None
    for _ in range(int(timeout / 0.25)):
        try:
            value = predicate()
            if value:
                return value
        except (WebDriverException, LookupError, ValueError) as error:
            last_error = error
        time.sleep(0.25)
    raise Failure(f'timed out waiting for {what}' + (f' (last error: {last_error})' if last_error else ''))


class Console:
    def __init__(self, url, screenshots):
        self.url = url.rstrip('/')
        self.screenshots = screenshots
        self.profile = tempfile.mkdtemp(prefix='defender-chromium-')
        options = webdriver.ChromeOptions()
        options.binary_location = first_existing(CHROMIUM)
        for argument in ['--headless=new', '--window-size=1280,900', f'--user-data-dir={self.profile}',
                         '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
                         '--disable-extensions', '--force-color-profile=srgb', '--lang=en-US']:
            options.add_argument(argument)
        if os.geteuid() == 0:
            options.add_argument('--no-sandbox')
        options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
        self.driver = webdriver.Chrome(service=Service(first_existing(CHROMEDRIVER)), options=options)
        self.driver.set_window_size(1280, 900)
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(30)

    def close(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- helpers ----------------------------------------------------------------------------

    def open(self, path):
        self.driver.get(self.url + path)

    def console_errors(self, page):
        """Fails on SEVERE browser-log entries and on any CSP report."""
        bad = []
        for entry in self.driver.get_log('browser'):
            message = entry.get('message', '')
            if entry.get('level') == 'SEVERE' or 'Content Security Policy' in message:
                bad.append(message)
        if bad:
            raise Failure(f'{page}: browser console errors: ' + ' | '.join(bad))

    def no_alert(self, page):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.dismiss()
            raise Failure(f'{page}: a JavaScript alert fired ({text!r}): data reached the page as HTML')
        except NoAlertPresentException:
            pass

    def screenshot(self, name):
        path = os.path.join(self.screenshots, f'console-{name}.png')
        self.driver.save_screenshot(path)
        print(f'screenshot: {path}')

    def text(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def api(self, path):
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.load(response)

    def fleet_total(self):
        text = self.text('#range')  # "1–100 of 10,000"
        if ' of ' not in text:
            return None
        return int(''.join(c for c in text.rsplit(' of ', 1)[1] if c.isdigit()))

    def fleet_names(self):
        return self.js("return [...document.querySelectorAll('#things tbody th.name a')]"
                       ".map(a => a.textContent);")

    def fleet_column(self, index):
        return self.js("return [...document.querySelectorAll('#things tbody tr')]"
                       ".map(r => r.children[arguments[0]].textContent);", index)

    # -- the checks -------------------------------------------------------------------------

    def check_headers(self):
        with urllib.request.urlopen(self.url + '/', timeout=10) as response:
            csp = response.headers.get('Content-Security-Policy', '')
            if "script-src 'self'" not in csp or "default-src 'self'" not in csp:
                raise Failure(f'/: no strict Content-Security-Policy header (got {csp!r})')

    def check_fleet(self, min_things, script_thing):
        self.open('/')
        total = wait_for(f'the fleet page to list at least {min_things} things',
                         lambda: (self.fleet_total() or 0) >= min_things and self.fleet_total())
        rows = len(self.fleet_names())
        if rows != min(total, 100):
            raise Failure(f'fleet: {rows} rows shown for a total of {total}')
        wait_for('the summary tiles', lambda: self.text('#tile-things') not in ('', '–'))
        if int(''.join(c for c in self.text('#tile-things') if c.isdigit())) != total:
            raise Failure(f'fleet: the things tile says {self.text("#tile-things")}, the table {total}')
        if 'last updated' not in self.text('#updated'):
            raise Failure(f'fleet: no "last updated" ({self.text("#updated")!r})')
        self.screenshot('fleet')
        self.console_errors('fleet')

        # sort by name, descending: click the header that is sorted ascending now
        ascending = self.fleet_names()
        self.driver.find_element(By.CSS_SELECTOR, '#things th[data-sort="name"] button').click()
        descending = wait_for('the names sorted descending',
                              lambda: (names := self.fleet_names()) != ascending and names)
        if descending not in (sorted(descending, reverse=True),
                              sorted(descending, key=str.casefold, reverse=True)):
            raise Failure(f'fleet: names not in descending order after a click: {descending[:5]}…')
        # sort by accepted (the first click sorts most first)
        self.driver.find_element(By.CSS_SELECTOR, '#things th[data-sort="accepted"] button').click()
        wait_for('aria-sort on the accepted column', lambda: self.js(
            "return document.querySelector('#things th[data-sort=accepted]').getAttribute('aria-sort')")
            == 'descending')
        def accepted_descending():
            counts = [int(''.join(c for c in v if c.isdigit()) or 0) for v in self.fleet_column(3)]
            return counts and counts == sorted(counts, reverse=True) and counts
        wait_for('the accepted counts in descending order', accepted_descending, timeout=15)

        # the filter: the script-named thing alone, rendered as text
        box = self.driver.find_element(By.ID, 'filter')
        box.send_keys(script_thing)
        wait_for('the filter to narrow the list', lambda: self.fleet_total() == 1
                 and self.fleet_names() == [script_thing])
        cell = self.js("return document.querySelector('#things tbody th.name a').textContent;")
        if cell != script_thing:
            raise Failure(f'fleet: the cell of {script_thing!r} reads {cell!r}')
        href = self.js("return document.querySelector('#things tbody th.name a').getAttribute('href');")
        if href != '/things/' + urllib.parse.quote(script_thing, safe="!'()*-._~"):
            raise Failure(f'fleet: the link to {script_thing!r} is {href!r}')
        self.no_alert('fleet')
        box.clear()
        box.send_keys('SIM')  # case-insensitive substring
        wait_for('the filter "SIM"', lambda: (n := self.fleet_names()) and
                 all('sim' in name.lower() for name in n) and self.fleet_total() < total)
        self.console_errors('fleet (sort, filter)')

        # the script thing's own page
        self.open('/things/' + urllib.parse.quote(script_thing, safe=''))
        wait_for('the script thing page', lambda: self.js(
            "return document.getElementById('thing-name').textContent;") == script_thing)
        wait_for('its summary', lambda: self.js("return document.querySelectorAll('#summary dt').length;") > 0)
        self.no_alert('thing page of the script-named thing')
        self.console_errors('thing page of the script-named thing')

    def check_thing_alarm(self, thing):
        self.open('/things/' + urllib.parse.quote(thing, safe=''))
        wait_for('the bytes chart to have data points', lambda: self.js(
            "const c = document.getElementById('chart-bytes');"
            "return c && window.Chart && Chart.getChart(c) && Chart.getChart(c).data.datasets[0].data.length;"))
        wait_for('listening TCP ports', lambda: any(ch.isdigit() for ch in self.text('#tcp-ports')))
        wait_for('an in-alarm event in the timeline', lambda: 'in-alarm' in self.text('#timeline tbody'))
        wait_for('an active violation', lambda: self.js(
            "return document.querySelectorAll('#active tr[data-violation-id]').length;") > 0)
        charts = self.js("return [...document.querySelectorAll('#charts canvas')].map(c => c.id);")
        print(f'thing {thing}: charts {charts}')
        self.screenshot('thing')
        self.console_errors('thing')
        # the same page in dark mode (prefers-color-scheme), for the docs
        self.driver.execute_cdp_cmd('Emulation.setEmulatedMedia', {
            'features': [{'name': 'prefers-color-scheme', 'value': 'dark'}]})
        self.driver.refresh()
        wait_for('the charts in dark mode', lambda: self.js(
            "const c = document.getElementById('chart-bytes');"
            "return c && window.Chart && Chart.getChart(c) && Chart.getChart(c).data.datasets[0].data.length;"))
        self.screenshot('thing-dark')
        self.driver.execute_cdp_cmd('Emulation.setEmulatedMedia', {'features': []})
        self.console_errors('thing (dark)')

    def check_violations(self, thing):
        self.open('/violations')
        selector = '#active tr[data-violation-id]'
        wait_for(f'an active violation of {thing}', lambda: thing in self.text('#active'))
        row = self.driver.find_element(By.CSS_SELECTOR, selector)
        violation_id = row.get_attribute('data-violation-id')
        Select(row.find_element(By.NAME, 'verificationState')).select_by_value('BENIGN_POSITIVE')
        description = row.find_element(By.NAME, 'verificationStateDescription')
        description.clear()
        description.send_keys('the demo broker, known')
        row.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()
        wait_for('"saved"', lambda: self.js(
            "return document.querySelector('#active tr[data-violation-id=\"' + arguments[0] + '\"] "
            ".form-status, #active .form-status.ok')?.textContent;", violation_id) == 'saved')
        self.console_errors('violations (save)')

        self.driver.refresh()

        def saved_state():
            row = self.driver.find_element(By.CSS_SELECTOR, f'#active tr[data-violation-id="{violation_id}"]')
            return (Select(row.find_element(By.NAME, 'verificationState')).first_selected_option.get_attribute('value'),
                    row.find_element(By.NAME, 'verificationStateDescription').get_attribute('value'))
        state = wait_for('the saved state after a reload', saved_state)
        if state != ('BENIGN_POSITIVE', 'the demo broker, known'):
            raise Failure(f'violations: after a reload the form shows {state}')
        self.screenshot('violations')
        api = self.api('/api/violations?verificationState=BENIGN_POSITIVE')
        if not any(v.get('violationId') == violation_id and v.get('verificationState') == 'BENIGN_POSITIVE'
                   for v in api.get('activeViolations', [])):
            raise Failure(f'violations: the API does not show the state set: {api}')
        # filter by verification state: the violation is still there; UNKNOWN: it is not
        Select(self.driver.find_element(By.CSS_SELECTOR, '#filters select[name=verificationState]')).select_by_value('UNKNOWN')
        self.driver.find_element(By.CSS_SELECTOR, '#filters button[type=submit]').click()
        wait_for('the filter UNKNOWN to hide it', lambda: self.js(
            "return document.querySelectorAll('#active tr[data-violation-id=\"' + arguments[0] + '\"]').length;",
            violation_id) == 0)
        self.console_errors('violations')

    def check_cleared(self, thing):
        self.open('/things/' + urllib.parse.quote(thing, safe=''))
        wait_for('an alarm-cleared event in the timeline', lambda: 'alarm-cleared' in self.text('#timeline tbody'))
        wait_for('no active violation', lambda: 'No active violation' in self.text('#active'))
        self.js("document.getElementById('active-heading').scrollIntoView();")
        self.screenshot('thing-cleared')
        self.console_errors('thing (cleared)')

    def check_unreachable(self):
        """With the network cut, the open page shows the banner; back, it goes away."""
        self.driver.set_network_conditions(offline=True, latency=0, download_throughput=-1,
                                           upload_throughput=-1)
        wait_for('the unreachable banner', lambda: self.js(
            "return !document.getElementById('banner').hidden"
            " && document.getElementById('banner').textContent;"), timeout=20)
        self.driver.set_network_conditions(offline=False, latency=0, download_throughput=-1,
                                           upload_throughput=-1)
        wait_for('the banner to go', lambda: self.js(
            "return document.getElementById('banner').hidden;"), timeout=20)
        self.driver.get_log('browser')  # the failed fetches while offline are expected


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('url')
    parser.add_argument('--phase', choices=['alarm', 'cleared'], default='alarm')
    parser.add_argument('--alarm-thing', required=True)
    parser.add_argument('--script-thing', default='<script>alert(1)</script>')
    parser.add_argument('--min-things', type=int, default=50)
    args = parser.parse_args()

    if not first_existing(CHROMIUM) or not first_existing(CHROMEDRIVER):
        print('SKIP: chromium or chromium-driver is not installed; see scripts/deps/console.list')
        return SKIP
    screenshots = os.environ.get('DEFENDER_SCREENSHOT_DIR') or tempfile.mkdtemp(prefix='defender-screens-')
    os.makedirs(screenshots, exist_ok=True)

    try:
        console = Console(args.url, screenshots)
    except WebDriverException as error:
        print(f'FAIL: cannot start headless chromium: {error.msg}')
        return 1
    try:
        if args.phase == 'alarm':
            console.check_headers()
            console.check_fleet(args.min_things, args.script_thing)
            console.check_thing_alarm(args.alarm_thing)
            console.check_violations(args.alarm_thing)
        else:
            console.check_cleared(args.alarm_thing)
            console.check_unreachable()
    except Failure as failure:
        try:
            console.screenshot('failure')
        except WebDriverException:
            pass
        print(f'FAIL: {failure}')
        return 1
    finally:
        console.close()
    print(f'PASS ({args.phase})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
