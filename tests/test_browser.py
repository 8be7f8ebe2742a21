"""The stepper page and the docs site in a real browser: headless Chromium, offline.

Chromium and its driver are Debian's `chromium` and `chromium-driver` (.ci/run
installs them when missing); selenium drives them. Each page is opened from
file:// with the network switched off (Chrome DevTools' offline emulation), and
the browser's own log of requests must name no http(s) address. Without
Chromium these tests skip and say why.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import nn
from tinygrad_edu.viz import save_stepper

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                "(pip install -e '.[dev]')")

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="headless Chromium is not installed: apt-get install chromium "
                              "chromium-driver (.ci/run does this)"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz `dot` program is missing"),
]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module, offline, logging every request it makes."""
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium: never look for drivers online
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,900", "--allow-file-access-from-files"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    yield driver
    driver.quit()


def open_offline(browser, path: Path) -> None:
    browser.get_log("performance")  # forget earlier pages' requests
    browser.get(path.resolve().as_uri())


def requested_urls(browser) -> list[str]:
    """Every URL the page asked for since it was opened (from the DevTools log)."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def assert_nothing_left_the_machine(browser) -> None:
    remote = [url for url in requested_urls(browser)
              if not url.startswith(("file:", "data:", "about:", "blob:"))]
    assert remote == [], f"the page made network requests: {remote}"


def state(browser) -> dict:
    """What the page shows now: the step, the outlined nodes and arrows, the panel."""
    return browser.execute_script("""
        const titles = (selector) => [...document.querySelectorAll(selector)]
            .filter((g) => !g.closest('.view').hidden)
            .map((g) => g.querySelector('title').textContent);
        return {
            count: window.stepper.count,
            current: window.stepper.current,
            op: titles('.node.current'),
            inputs: titles('.node.input'),
            activeEdges: titles('.edge.active'),
            gradientEdges: titles('.edge.active.gradient'),
            panel: document.getElementById('panel').innerText,
            counter: document.getElementById('counter').textContent,
        };
    """)


def mlp_loss():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    X = tg.Tensor(np.random.default_rng(0).normal(size=(8, 3)), name="X")
    return model, F.mse_loss(model(X), np.zeros((8, 1), dtype=np.float32))


def not_blank(png: bytes) -> bool:
    """A screenshot with a drawing in it: many colours, not one flat background."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(1 << 20) or []
    return len(colours) > 20


def test_the_stepper_steps_forward_and_backward_offline(browser, tmp_path):
    model, loss = mlp_loss()
    path = save_stepper(loss, tmp_path / "mlp.html", module=model)
    open_offline(browser, path)
    first = state(browser)
    assert first["current"] == 0 and first["count"] > 10
    assert first["panel"].startswith("forward · linear")
    assert len(first["op"]) == 1 and len(first["inputs"]) == 3  # X, 0.weight, 0.bias
    assert first["gradientEdges"] == []  # forward: the arrows that carry values

    browser.execute_script("window.stepper.next()")
    second = state(browser)
    assert second["current"] == 1 and second["op"] != first["op"]
    assert second["panel"] != first["panel"]

    # the first backward step: gradient arrows, the upstream gradient of the loss (1)
    n_forward = browser.execute_script(
        "return JSON.parse(document.getElementById('stepper-data').textContent)"
        ".steps.filter((s) => s.phase === 'forward').length")
    browser.execute_script(f"window.stepper.go({n_forward})")
    backward = state(browser)
    assert backward["panel"].startswith("backward · div")
    assert "upstream g = dL/d#1" in backward["panel"]
    assert re.search(r"the output\n1\.0*\n", backward["panel"])  # dL/dL = 1
    assert backward["gradientEdges"] and set(backward["gradientEdges"]) <= set(
        backward["activeEdges"])

    # the last step: the first layer's linear sends gradients to its weight and bias
    browser.execute_script("window.stepper.go(1e9)")
    last = state(browser)
    assert last["current"] == last["count"] - 1
    assert "to input 1 · 0.weight" in last["panel"] and "contribution sent to it" in last["panel"]
    browser.execute_script("window.stepper.go(-5)")
    assert state(browser)["current"] == 0
    assert not_blank(browser.get_screenshot_as_png())
    assert_nothing_left_the_machine(browser)


def test_buttons_keys_and_collapse(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    model, loss = mlp_loss()
    open_offline(browser, save_stepper(loss, tmp_path / "mlp.html", module=model))
    browser.find_element(By.ID, "next").click()
    browser.find_element(By.ID, "next").click()
    assert state(browser)["current"] == 2
    browser.find_element(By.ID, "prev").click()
    assert state(browser)["current"] == 1
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    body.send_keys(Keys.ARROW_RIGHT)
    assert state(browser)["current"] == 3
    body.send_keys(Keys.ARROW_LEFT)
    assert state(browser)["current"] == 2
    assert "step 3 of" in state(browser)["counter"]

    # zoom changes the part of the drawing shown; fit brings the whole drawing back
    box = "return document.querySelector('.view:not([hidden]) svg').getAttribute('viewBox')"
    browser.find_element(By.ID, "fit").click()
    whole = browser.execute_script(box)
    browser.find_element(By.ID, "zoom-in").click()
    assert browser.execute_script(box) != whole
    browser.find_element(By.ID, "fit").click()
    assert browser.execute_script(box) == whole

    # collapsing the layers outlines the layer's node instead of the op's
    browser.execute_script("window.stepper.go(0)")
    expanded = state(browser)["op"]
    browser.find_element(By.ID, "collapse").click()
    collapsed = state(browser)["op"]
    assert expanded[0].startswith("op") and collapsed[0].startswith("layer")

    # Play moves on by itself
    browser.find_element(By.ID, "play").click()
    time.sleep(1.3)
    browser.find_element(By.ID, "play").click()
    assert state(browser)["current"] >= 1
    assert_nothing_left_the_machine(browser)


def test_a_2000_node_graph_opens_and_steps_without_freezing(browser, tmp_path):
    x = tg.Tensor(np.linspace(-1, 1, 4), requires_grad=True, name="x")
    y = x
    for _ in range(500):  # with the sum: 1,001 ops, 1,002 tensors and 500 constants
        y = (y * 0.999).tanh()
    path = save_stepper(y.sum(), tmp_path / "long.html", max_nodes=200, check=False)
    browser.set_script_timeout(10)
    open_offline(browser, path)
    assert state(browser)["count"] == 2 * 1001
    elapsed = browser.execute_script("""
        const start = performance.now();
        for (let k = 0; k < 200; k++) window.stepper.next();
        window.stepper.go(window.stepper.count - 1);
        for (let k = 0; k < 200; k++) window.stepper.prev();
        return performance.now() - start;
    """)
    assert elapsed < 3000, f"400 steps took {elapsed:.0f} ms"
    assert state(browser)["current"] == 2 * 1001 - 201
    assert_nothing_left_the_machine(browser)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The docs site, built as `make docs` builds it (its notebooks run this checkout's code)."""
    out = tmp_path_factory.mktemp("site")
    mkdocs = Path(sys.executable).parent / "mkdocs"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([str(mkdocs), "build", "--strict", "--quiet", "--site-dir", str(out)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return out


def test_the_docs_page_renders_its_math_and_its_stepper_offline(browser, site):
    open_offline(browser, site / "visualization" / "index.html")
    browser.set_script_timeout(20)
    rendered = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const wait = (tries) => {
            const math = document.querySelectorAll('mjx-container').length;
            if (math > 0 || tries === 0) return done(math);
            setTimeout(() => wait(tries - 1), 100);
        };
        wait(100);
    """)
    assert rendered > 0, "MathJax rendered no formula"
    raw = browser.execute_script("return document.querySelector('.rst-content').innerText")
    assert "\\(" not in raw, "a formula is still raw LaTeX"

    frame = browser.find_element("css selector", "iframe.stepper")
    browser.switch_to.frame(frame)
    try:
        assert state(browser)["count"] > 10
        browser.execute_script("window.stepper.next()")
        assert state(browser)["current"] == 1
    finally:
        browser.switch_to.default_content()
    assert not_blank(browser.get_screenshot_as_png())
    assert_nothing_left_the_machine(browser)


NOTEBOOK_PAGES = ["tour", "labs/overwritten_gradient", "labs/missing_unbroadcast",
                  "labs/mean_without_1_over_n", "exercises"]


def remote_resources(html: str) -> list[str]:
    """The http(s) addresses a page would load: the src/href of its scripts, styles,
    images and frames, CSS url(...) and @import, and addresses in inline scripts."""
    loaded = re.findall(r"<(?:script|link|img|iframe|source|embed|video|audio)\b[^>]*?"
                        r"\s(?:src|href)=[\"']?((?:https?:)?//[^\"'\s>]+)", html, flags=re.I)
    css = re.findall(r"(?:url\(|@import\s+)[\"']?((?:https?:)?//[^\"')\s]+)", html, flags=re.I)
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.I | re.S)
    inline = [url for script in scripts for url in re.findall(r"https?://[^\"'\s)]+", script)]
    return loaded + css + inline


def test_remote_resources_finds_what_a_page_would_fetch():
    page = ('<script src="https://cdn.example/a.js"></script><link rel="stylesheet" '
            'href="//cdn.example/b.css"><style>@import "https://cdn.example/c.css";</style>'
            '<script>import("https://cdn.example/d.mjs")</script>'
            '<a href="https://example.org/">a link loads nothing</a>'
            '<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    assert remote_resources(page) == ["https://cdn.example/a.js", "//cdn.example/b.css",
                                      "https://cdn.example/c.css", "https://cdn.example/d.mjs"]


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_a_notebook_page_shows_its_figures_offline(browser, site, page):
    """mkdocs-jupyter's page loads nothing from a CDN (no require.js, MathJax or
    Mermaid), and the figures the notebook made when the site was built are there."""
    path = site / "notebooks" / page / "index.html"
    assert remote_resources(path.read_text(encoding="utf-8")) == []
    open_offline(browser, path)
    figures = browser.execute_script("""
        const outputs = document.querySelectorAll('.jp-OutputArea-output');
        return [...outputs].filter((o) => o.querySelector('img[src^="data:image/"], svg'))
            .length;
    """)
    assert figures >= 1, f"{page}: no figure among the outputs"
    assert not_blank(browser.get_screenshot_as_png())
    assert_nothing_left_the_machine(browser)


def test_the_tour_steps_through_backpropagation_inline(browser, site):
    """The tour shows a Stepper inline (an iframe with the page in srcdoc): it steps."""
    open_offline(browser, site / "notebooks" / "tour" / "index.html")
    frame = browser.find_element("css selector", "iframe[srcdoc]")
    browser.execute_script("arguments[0].scrollIntoView()", frame)
    browser.switch_to.frame(frame)
    try:
        first = state(browser)
        assert first["count"] == 12 and first["current"] == 0  # 6 ops, forward and backward
        assert first["panel"].startswith("forward · mul")
        browser.execute_script("window.stepper.go(6)")
        assert state(browser)["panel"].startswith("backward · neg")
        assert not_blank(browser.get_screenshot_as_png())
    finally:
        browser.switch_to.default_content()
    assert_nothing_left_the_machine(browser)
