import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { PaywallView } from "@/components/paywall/paywall-view";
import { UnlockedBadge } from "@/components/unlocked-badge";
import { ARTICLES, findArticle } from "@/lib/articles/articles";
import { articlePrices } from "@/lib/articles/prices";
import { pageLock } from "@/lib/gateway/page-lock";
import { getRouteSnapshot } from "@/lib/gateway/route-cache";
import { describeRoutePrices } from "@/lib/payments/display";
import { Checklist } from "./checklist";
import { CostCalculator } from "./cost-calculator";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  const article = findArticle((await params).slug);
  return { title: article?.title ?? "Not found" };
}

export default async function ArticlePage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  // Second lock: a priced article renders only for a request the proxy let through for this path.
  const lock = await pageLock(["articles", slug]);
  if (lock) return <PaywallView request={lock} lockedBy="page" />;
  const article = findArticle(slug);
  if (!article) notFound();
  // The proxy's route snapshot (pageLock loaded it above): prices at no query of their own.
  const snapshot = await getRouteSnapshot();
  const prices = articlePrices(snapshot.table, await describeRoutePrices(snapshot.table.routes));
  return (
    <main className="mx-auto max-w-2xl px-5 py-12">
      <nav className="text-sm text-stone-600">
        <Link href="/articles/welcome" className="hover:underline">
          Reading room
        </Link>
      </nav>
      <article>
        <h1 className="mt-3 text-3xl font-bold tracking-tight sm:text-4xl">{article.title}</h1>
        <p className="mt-2 text-stone-600">
          {article.summary} · {article.readingMinutes} min read
        </p>
        <div className="mt-8 space-y-5 text-lg leading-relaxed">
          {article.body.map((p, i) => (
            <p key={i}>{p}</p>
          ))}
        </div>
        {article.widget === "cost-calculator" && <CostCalculator />}
        {article.widget === "checklist" && <Checklist />}
      </article>
      <aside className="mt-12 border-t border-stone-200 pt-6">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-stone-600">More articles</h2>
        <ul className="mt-3 space-y-2">
          {ARTICLES.filter((a) => a.slug !== article.slug).map((a) => (
            <li key={a.slug}>
              <a href={`/articles/${a.slug}`} className="text-amber-800 underline">
                {a.title}
              </a>{" "}
              <span className="text-sm text-stone-600" data-testid="article-price">
                {prices.get(`/articles/${a.slug}`) ?? "Free"}
              </span>{" "}
              {prices.has(`/articles/${a.slug}`) && <UnlockedBadge path={`/articles/${a.slug}`} />}
            </li>
          ))}
        </ul>
      </aside>
    </main>
  );
}
