"""What the end-to-end tests check on every page they visit: accessibility (axe-core, WCAG 2.1
A/AA), page weight and number of requests; and the screenshots of the guides.

The thresholds are the product's promise to people far from digital tools (small phones, slow
or metered connections, screen readers): see docs/accessibility.md.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

#: axe-core rule tags: WCAG 2.0 and 2.1, levels A and AA (what the RGAA 4.1 is built on).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Bytes transferred for the HTML, CSS and JavaScript of one public page (uploaded images aside).
MAX_BYTES = 60 * 1024
#: Requests one public page may make (its document included; uploaded images aside).
MAX_REQUESTS = 6
#: Images an editor or a winner uploaded: their weight is the uploader's, not the templates'.
UPLOADED_IMAGE = re.compile(r"/(media|aap/images)/")

SCREENSHOTS = os.environ.get("AAP_SCREENSHOTS") == "1"
IMG_DIR = Path(__file__).resolve().parents[2] / "docs" / "img"

# Read once the page has loaded: the document and every resource it fetched, as the browser
# counted them (with the cache disabled, transferSize is what went over the wire).
_WEIGHT_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    url: location.href,
    document: nav ? nav.transferSize : -1,
    resources: performance.getEntriesByType("resource").map(
      (r) => ({url: r.name, type: r.initiatorType, size: r.transferSize})
    ),
  };
}"""


@dataclass
class Weight:
    url: str
    document: int
    resources: list[dict] = field(default_factory=list)

    @property
    def counted(self) -> list[dict]:
        return [
            r
            for r in self.resources
            if not (r["type"] == "img" and UPLOADED_IMAGE.search(r["url"]))
        ]

    @property
    def bytes(self) -> int:
        return self.document + sum(r["size"] for r in self.counted)

    @property
    def requests(self) -> int:
        return 1 + len(self.counted)

    def describe(self) -> str:
        lines = [
            f"{self.url}: {self.bytes} bytes in {self.requests} requests",
            f"  document {self.document}",
        ]
        lines += [f"  {r['type']} {r['url']} {r['size']}" for r in self.counted]
        return "\n".join(lines)


#: (label, bytes, requests) of every page audited in this run, for the summary at the end.
AUDITED: list[tuple[str, int, int]] = []


def disable_cache(page) -> None:
    """Every visit then weighs what a first-time visitor downloads."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})


def measure(page) -> Weight:
    page.wait_for_load_state("load")
    data = page.evaluate(_WEIGHT_JS)
    return Weight(data["url"], data["document"], data["resources"])


def assert_light(page, label: str) -> Weight:
    weight = measure(page)
    assert weight.document > 0, f"{label}: the browser did not report the page's size"
    assert weight.bytes <= MAX_BYTES, f"{label} is too heavy:\n{weight.describe()}"
    assert weight.requests <= MAX_REQUESTS, f"{label} makes too many requests:\n{weight.describe()}"
    return weight


def axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [
            f"    {', '.join(map(str, n['target']))}: {n['html'][:200]}" for n in violation["nodes"]
        ]
    return "\n".join(lines)


def assert_accessible(page, label: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{label} ({page.url}) has accessibility violations:\n" + (
        describe_violations(violations)
    )


def audit(page, label: str) -> Weight:
    """The checks every public page and every step of the dossier must pass."""
    weight = assert_light(page, label)
    assert_accessible(page, label)
    AUDITED.append((label, weight.bytes, weight.requests))
    return weight


def screenshot(page, name: str, *, full_page: bool = False) -> None:
    """docs/img/<name>.png, rewritten only when AAP_SCREENSHOTS=1 (normal runs leave the tree
    clean)."""
    if SCREENSHOTS:
        IMG_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMG_DIR / f"{name}.png"), full_page=full_page)
