import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page as it stands and fails on any serious or
 * critical violation, listing each rule with up to three offending elements.
 */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes
      .slice(0, 3)
      .map((n) => n.target.join(" "))
      .join(" | ")}`);
  expect(serious, `accessibility of ${state}`).toEqual([]);
}

/** A phone's viewport in CSS pixels (iPhone 12–15). */
export const PHONE = { width: 390, height: 844 } as const;

/**
 * Checks that the page, shown at phone width, needs no sideways scrolling: neither the document nor
 * any table's scroll container is wider than the screen (1 px of rounding allowed). Then runs
 * {@link expectAccessible} on that view. The caller sets the viewport (e.g. to {@link PHONE}).
 */
export async function expectFitsPhone(page: Page, state: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const wide: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth - doc.clientWidth > 1) wide.push(`page ${doc.scrollWidth}px > ${doc.clientWidth}px`);
    document.querySelectorAll("table").forEach((t, i) => {
      const box = t.parentElement!;
      if (box.scrollWidth - box.clientWidth > 1) wide.push(`table ${i + 1} ${box.scrollWidth}px > ${box.clientWidth}px`);
    });
    return wide;
  });
  expect(overflow, `${state} scrolls sideways on a phone`).toEqual([]);
  await expectAccessible(page, `${state} on a phone`);
}
