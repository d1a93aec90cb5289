"""Layout checks other browser tests import: ``await assert_fits(page, 390)`` (no horizontal scrolling,
naming the elements that stick out when it fails) and ``await axe_check(page)`` (axe-core finds no
serious or critical violation).

Both work under the pages' Content-Security-Policy (no ``bypass_csp`` needed): axe's script is
evaluated through the browser's debugging protocol, which the policy does not govern, so the page is
measured exactly as a participant's browser draws it."""

from __future__ import annotations

from tests.browser.conftest import AXE

#: The elements that reach past the viewport's edges, innermost first, described by tag, id or class and
#: the start of their text. Either edge counts: a right-to-left page overflows to the left, and a box
#: pushed past the start edge (a list that cannot wrap) is cut off without any scrollbar at all.
#: Skipped: what is positioned entirely off the screen on purpose (the skip link waits there), what a
#: scrolling box holds, and what is visually hidden for screen readers (clipped to nothing).
_OVERFLOW = """(width) => {
  const out = [];
  const sticksOut = (box) => box.right > width + 0.5 || box.left < -0.5;
  const scrolled = (element) => {
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const placedOff = (element) => {
    // Positioned off the screen on purpose, like the skip link until it takes focus.
    for (let up = element; up && up !== document.body; up = up.parentElement) {
      if (["absolute", "fixed"].includes(getComputedStyle(up).position)) return true;
    }
    return false;
  };
  const hidden = (element) => {
    // Visually hidden on purpose (read by screen readers only): clipped to nothing, draws nothing.
    for (let up = element; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).clipPath === "inset(50%)") return true;
    }
    return false;
  };
  const range = document.createRange();
  const boxOf = (element) => {
    // The element's own box, widened by the lines of text it holds (a word too long for the box).
    const box = element.getBoundingClientRect();
    let left = box.left, right = box.right;
    for (const node of element.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) continue;
      range.selectNodeContents(node);
      const text = range.getBoundingClientRect();
      if (text.width > 0) { left = Math.min(left, text.left); right = Math.max(right, text.right); }
    }
    return {left, right, empty: box.width === 0 && box.height === 0 && left === right};
  };
  for (const element of document.body.querySelectorAll("*")) {
    const box = boxOf(element);
    if (box.empty) continue;
    if (!sticksOut(box)) continue;
    if ((box.right <= 0 || box.left >= width) && placedOff(element)) continue;
    if ([...element.children].some((child) => sticksOut(boxOf(child)))) continue;
    if (scrolled(element)) continue;
    if (hidden(element)) continue;
    const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
      + (element.classList.length ? "." + [...element.classList].join(".") : "");
    out.push(`${name} [${Math.round(box.left)}, ${Math.round(box.right)}]: `
      + (element.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60));
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    culprits: out.slice(0, 8),
  };
}"""


async def assert_fits(page, width: int | None = None) -> None:
    """The page scrolls no way but down: ``document.documentElement.scrollWidth`` is at most the
    viewport's width (``width``, the page's viewport unless given), and nothing is cut off at either
    edge."""
    width = width or page.viewport_size["width"]
    # After a click that navigates, the next page may not have a body yet: measure it once loaded.
    await page.wait_for_load_state("load")
    measured = await page.evaluate(_OVERFLOW, width)
    assert measured["innerWidth"] == width, f"the viewport is {measured['innerWidth']} px wide, not {width}"
    assert measured["scrollWidth"] <= width and not measured["culprits"], (
        f"{page.url} is {measured['scrollWidth']} px wide at {width} px; sticking out: {measured['culprits']}"
    )


async def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    await page.wait_for_load_state("load")
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


async def axe_check(page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    problems = await axe_violations(page)
    assert not problems, f"{page.url}: {problems}"
