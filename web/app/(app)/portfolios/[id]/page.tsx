import type { Metadata } from "next";
import { PortfolioDetail } from "@/features/portfolios/components/PortfolioDetail";

export const metadata: Metadata = { title: "Portfolio" };

export default async function PortfolioPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <PortfolioDetail id={id} />;
}
