"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** The dashboard's sections: `href` is the section's root; its sub-pages belong to it too. */
export type DashboardSection = { href: string; label: string };

/**
 * Whether `pathname` is in `section`: its root or a page under it (`/dashboard/routes/new` is in
 * Routes). The revenue page, `/dashboard`, is the root of every other section, so it only owns itself.
 */
function inSection(pathname: string, section: DashboardSection, root: string): boolean {
  if (section.href === root) return pathname === root;
  return pathname === section.href || pathname.startsWith(`${section.href}/`);
}

/**
 * The dashboard's navigation, marking the section the merchant is in (`aria-current="page"`,
 * underlined; not bold, which would widen it). On a narrow phone it wraps onto a second line
 * rather than scrolling sideways.
 */
export function DashboardNav({ sections, root }: { sections: DashboardSection[]; root: string }) {
  const pathname = usePathname();
  return (
    <nav className="flex flex-wrap gap-x-3 gap-y-1 text-sm sm:gap-x-4" aria-label="Dashboard">
      {sections.map((s) => {
        const current = inSection(pathname, s, root);
        return (
          <Link
            key={s.href}
            href={s.href}
            aria-current={current ? "page" : undefined}
            className={current ? "text-stone-950 underline decoration-2 underline-offset-4" : "text-stone-700 hover:text-stone-950 hover:underline"}
          >
            {s.label}
          </Link>
        );
      })}
    </nav>
  );
}
