import type { Metadata } from "next";
import { PerformanceView } from "@/features/performance/components/PerformanceView";

export const metadata: Metadata = { title: "Performance" };

export default function PerformancePage() {
  return <PerformanceView />;
}
