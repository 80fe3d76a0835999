#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Times the console's fleet page in headless Chromium (bench/console_first_screen.sh runs it).

  console_first_screen.py URL [--loads N] [--path /]

Each load starts from an empty HTTP cache (CDP Network.setCacheDisabled). A script added before
the page's own records, in a MutationObserver, the moment the table has its rows and the range
line its total: "first screen" is that moment, from the start of navigation
(performance.now()). Prints one Markdown row per load, then the median. Needs Debian's chromium,
chromium-driver and python3-selenium (scripts/deps/console.list).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

MARK = r"""
new MutationObserver((records, observer) => {
  const rows = document.querySelectorAll('#things tbody tr').length;
  const range = document.getElementById('range');
  if (rows > 0 && range && range.textContent.includes(' of ')) {
    window.__firstScreen = {ms: performance.now(), rows, range: range.textContent};
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('url')
    parser.add_argument('--loads', type=int, default=5)
    parser.add_argument('--path', default='/')
    args = parser.parse_args()

    profile = tempfile.mkdtemp(prefix='defender-chromium-')
    options = webdriver.ChromeOptions()
    options.binary_location = '/usr/bin/chromium'
    for argument in ['--headless=new', '--window-size=1280,900', f'--user-data-dir={profile}',
                     '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
                     '--disable-extensions', '--lang=en-US']:
        options.add_argument(argument)
    if os.geteuid() == 0:
        options.add_argument('--no-sandbox')
    driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
    try:
        driver.execute_cdp_cmd('Network.enable', {})
        driver.execute_cdp_cmd('Network.setCacheDisabled', {'cacheDisabled': True})
        driver.execute_cdp_cmd('Page.addScriptToEvaluateOnNewDocument', {'source': MARK})
        print('| load | first screen ms | DOMContentLoaded ms | first contentful paint ms | rows | range |')
        print('|---|---|---|---|---|---|')
        times = []
        for load in range(1, args.loads + 1):
            driver.get(args.url.rstrip('/') + args.path)
            mark = None
            for _ in range(400):  # bounded: 20 s
                mark = driver.execute_script('return window.__firstScreen || null;')
                if mark:
                    break
                time.sleep(0.05)
            if not mark:
                print(f'load {load}: the fleet table never filled', file=sys.stderr)
                return 1
            navigation = driver.execute_script(
                "const n = performance.getEntriesByType('navigation')[0];"
                "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                "return [n ? n.domContentLoadedEventEnd : 0, p ? p.startTime : 0];")
            times.append(mark['ms'])
            print(f"| {load} | {mark['ms']:.0f} | {navigation[0]:.0f} | {navigation[1]:.0f} | "
                  f"{mark['rows']} | {mark['range']} |")
        print(f'\nmedian first screen: {statistics.median(times):.0f} ms over {len(times)} loads')
        return 0
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
