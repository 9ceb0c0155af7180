import type { Metadata } from "next";
import { ChainsView } from "@/features/admin/components/ChainsView";

export const metadata: Metadata = { title: "EVM chains" };

export default function Page() {
  return <ChainsView />;
}
