"use client";

import dynamic from "next/dynamic";

function ChartSkeleton({ height = 256 }: { height?: number }) {
  return <div style={{ height }} className="w-full animate-pulse rounded-md bg-slate-100 dark:bg-slate-800" aria-label="Loading chart" />;
}

// recharts is most of these pages' JavaScript: load it after the numbers are on screen.
export const AllocationPie = dynamic(() => import("./AllocationPie").then((m) => m.AllocationPie), {
  ssr: false,
  loading: () => <ChartSkeleton />,
});

export const ValueHistoryChart = dynamic(() => import("@/features/snapshots/components/ValueHistoryChart").then((m) => m.ValueHistoryChart), {
  ssr: false,
  loading: () => <ChartSkeleton />,
});
