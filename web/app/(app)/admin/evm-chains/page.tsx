import type { Metadata } from "next";
import { ChainsView } from "@/features/admin/components/ChainsView";

export const metadata: Metadata = { title: "Chains" };

export default function Page() {
  return <ChainsView />;
}
