import type { Metadata } from "next";
import { AccountDetail } from "@/features/accounts/components/AccountDetail";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <AccountDetail id={id} />;
}
