"""The README's screenshots, made by a real browser: the convolution playground in English and in Ukrainian.

They are written to test-artifacts/ on every run; with EXPLORER_UPDATE_SCREENSHOTS=1 to docs/ (committed).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from conftest import ARTIFACTS, ROOT, assert_no_exception, open_app
from PIL import Image

from explorer import i18n

pytestmark = pytest.mark.browser

SIZE = {"width": 1400, "height": 1700}  # tall enough for the kernel, the geometry and both maps
QUERY = "sample=3&kernel=3x3:-1,0,1,-2,0,2,-1,0,1&padding_h=1&padding_w=1"  # the window starts where |output| is largest


@pytest.mark.parametrize(("lang", "name"), [("en", "screenshot.png"), ("uk", "screenshot-uk.png")])
def test_convolution_screenshot(app_server, browser, lang, name):
    context = browser.new_context(viewport=SIZE)
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        open_app(page, app_server, "convolution", f"lang={lang}&{QUERY}")
        page.locator(".st-key-conv_output_chart .js-plotly-plot").wait_for()
        page.locator(".st-key-sidebar_digit img").wait_for()  # the sample is the current digit
        assert_no_exception(page)
        assert page.locator("h1").first.inner_text().strip() == i18n.t("conv.title", lang)
        sidebar = page.locator("[data-testid=stSidebar]").inner_text()
        assert i18n.t("nav.feature_maps", lang) in sidebar and i18n.t("nav.why_cnn", lang) in sidebar
        folder = ROOT / "docs" if os.environ.get("EXPLORER_UPDATE_SCREENSHOTS") == "1" else ARTIFACTS
        folder.mkdir(exist_ok=True)
        path = folder / name
        page.screenshot(path=str(path))
        shot = np.asarray(Image.open(path).convert("L"))
        assert shot.shape == (SIZE["height"], SIZE["width"])
        assert shot.std() > 20  # a rendered page, not a blank one
    finally:
        context.close()
