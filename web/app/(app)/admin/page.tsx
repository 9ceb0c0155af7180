import type { Metadata } from "next";
import { JobsView } from "@/features/admin/components/JobsView";

export const metadata: Metadata = { title: "Admin" };

export default function Page() {
  return <JobsView />;
}
