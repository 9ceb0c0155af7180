import type { Metadata } from "next";
import { TokensView } from "@/features/admin/components/TokensView";

export const metadata: Metadata = { title: "EVM tokens" };

export default function Page() {
  return <TokensView />;
}
