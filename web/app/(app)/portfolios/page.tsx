import type { Metadata } from "next";
import { PortfoliosView } from "@/features/portfolios/components/PortfoliosView";

export const metadata: Metadata = { title: "Portfolios" };

export default function PortfoliosPage() {
  return <PortfoliosView />;
}
