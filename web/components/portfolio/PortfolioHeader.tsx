"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { ErrorAlert, Loading } from "@/components/states";
import { Badge, PageHeader } from "@/components/ui";
import type { Portfolio } from "@/lib/api/types";
import { usePortfolio } from "@/lib/api/get-portfolio";
import { PortfolioNav } from "./PortfolioNav";

/** Breadcrumb, title and tabs shared by a portfolio's pages; renders children once it loaded. */
export function PortfolioFrame({ id, actions, children }: { id: string; actions?: (p: Portfolio) => ReactNode; children: (p: Portfolio) => ReactNode }) {
  const portfolio = usePortfolio(id);
  return (
    <>
      <nav className="mb-2 text-sm">
        <Link href="/portfolios" className="text-indigo-600 hover:underline dark:text-indigo-400">
          ← Portfolios
        </Link>
      </nav>
      {portfolio.isPending ? (
        <Loading label="Loading portfolio…" />
      ) : portfolio.error || !portfolio.data ? (
        <ErrorAlert error={portfolio.error} onRetry={() => portfolio.refetch()} back={{ href: "/portfolios", label: "Back to portfolios" }} />
      ) : (
        <>
          <PageHeader
            title={
              <span className="flex items-center gap-2">
                {portfolio.data.name}
                {portfolio.data.is_default && <Badge tone="blue">Default</Badge>}
              </span>
            }
            subtitle={portfolio.data.description || undefined}
            actions={actions?.(portfolio.data)}
          />
          <PortfolioNav id={id} />
          {children(portfolio.data)}
        </>
      )}
    </>
  );
}
