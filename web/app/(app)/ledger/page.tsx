import type { Metadata } from "next";
import { LedgerView } from "@/features/ledger/components/LedgerView";

export const metadata: Metadata = { title: "Ledger" };

export default function LedgerPage() {
  return <LedgerView />;
}
