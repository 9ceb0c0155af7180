"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, Field, FieldError, Input, PageHeader } from "@/components/ui";
import { errorFor, fieldErrorsOf, otherErrors } from "@/lib/api/field-errors";
import { plainMessage } from "@/lib/api/messages";
import type { Portfolio } from "@/lib/api/types";
import { formatUsd } from "@/lib/format";
import { useAllocation } from "@/lib/api/get-allocation";
import { useCreatePortfolio } from "../api/create-portfolio";
import { usePortfolios } from "@/lib/api/get-portfolios";

function CreatePortfolioForm({ onCreated }: { onCreated: (p: Portfolio) => void }) {
  const create = useCreatePortfolio();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [cash, setCash] = useState(true);
  const errors = fieldErrorsOf(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: name.trim(), description: description.trim() || null, stablecoins_as_cash: cash }, { onSuccess: onCreated });
  };
  const rest = otherErrors(errors, ["name", "description", "stablecoins_as_cash"]);
  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Create portfolio">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" htmlFor="portfolio-name" error={errorFor(errors, "name")}>
          <Input id="portfolio-name" value={name} onChange={(e) => setName(e.target.value)} invalid={!!errorFor(errors, "name")} placeholder="Long term" />
        </Field>
        <Field label="Description" htmlFor="portfolio-description" error={errorFor(errors, "description")}>
          <Input id="portfolio-description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="Optional" />
        </Field>
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={cash} onChange={(e) => setCash(e.target.checked)} /> Treat stablecoins as cash (one CASH line)
      </label>
      {rest.map((m) => (
        <FieldError key={m} message={m} />
      ))}
      {create.error && Object.keys(errors).length === 0 && <FieldError message={plainMessage(create.error)} />}
      <Button type="submit" busy={create.isPending}>
        Create portfolio
      </Button>
    </form>
  );
}

function PortfolioCard({ p }: { p: Portfolio }) {
  const allocation = useAllocation(p.account_ids.length > 0 ? p.id : undefined);
  return (
    <li>
      <Link
        href={`/portfolios/${p.id}`}
        data-testid="portfolio-card"
        className="block h-full rounded-lg border border-slate-200 bg-white p-4 shadow-sm transition hover:border-indigo-400 dark:border-slate-700 dark:bg-slate-900"
      >
        <div className="flex items-start justify-between gap-2">
          <h2 className="truncate font-semibold">{p.name}</h2>
          {p.is_default && <Badge tone="blue">Default</Badge>}
        </div>
        {p.description && <p className="mt-1 line-clamp-2 text-sm text-slate-600 dark:text-slate-400">{p.description}</p>}
        <p className="tabular mt-3 text-xl font-bold">
          {p.account_ids.length === 0 ? "—" : allocation.isPending ? "…" : allocation.data ? formatUsd(allocation.data.total_value_usd) : "unavailable"}
        </p>
        <p className="mt-1 text-xs text-slate-500">
          {p.account_ids.length} account{p.account_ids.length === 1 ? "" : "s"} · {p.target_allocation.length} target{p.target_allocation.length === 1 ? "" : "s"}
        </p>
      </Link>
    </li>
  );
}

export function PortfoliosView() {
  const portfolios = usePortfolios();
  const router = useRouter();
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Portfolios"
        subtitle="Group accounts, set target allocations and guardrails"
        actions={
          <Button onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
            {creating ? "Close" : "New portfolio"}
          </Button>
        }
      />
      {creating && (
        <Card title="New portfolio" className="mb-6">
          <CreatePortfolioForm onCreated={(p) => router.push(`/portfolios/${p.id}/settings`)} />
        </Card>
      )}
      <QueryState
        query={portfolios}
        loadingLabel="Loading portfolios…"
        isEmpty={(d) => d.length === 0}
        empty={
          <EmptyState title="No portfolios yet" action={!creating && <Button onClick={() => setCreating(true)}>Create a portfolio</Button>}>
            A portfolio groups accounts and compares their holdings with your targets.
          </EmptyState>
        }
      >
        {(list) => (
          <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {list.map((p) => (
              <PortfolioCard key={p.id} p={p} />
            ))}
          </ul>
        )}
      </QueryState>
    </>
  );
}
