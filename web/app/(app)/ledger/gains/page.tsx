import type { Metadata } from "next";
import { GainsView } from "@/features/ledger/components/GainsView";

export const metadata: Metadata = { title: "Gains & P&L" };

export default function LedgerGainsPage() {
  return <GainsView />;
}
