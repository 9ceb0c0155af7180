import type { Metadata } from "next";
import { PortfolioSettings } from "@/features/portfolios/components/PortfolioSettings";

export const metadata: Metadata = { title: "Portfolio settings" };

export default async function PortfolioSettingsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <PortfolioSettings id={id} />;
}
