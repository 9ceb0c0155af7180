"use client";

import { useMemo, useState, type FormEvent } from "react";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, Field, FieldError, Input, Select } from "@/components/ui";
import { errorFor, fieldErrorsOf, mergeErrors, otherErrors, type FieldErrors } from "@/lib/api/field-errors";
import { useAccounts } from "@/lib/api/get-accounts";
import { usePortfolios } from "@/lib/api/get-portfolios";
import { plainMessage } from "@/lib/api/messages";
import type { AlertChannel, AlertRule, AlertRuleKind, AlertRuleRequest } from "@/lib/api/types";
import { useChannels } from "../api/channels";
import { useCreateRule, useDeleteRule, useRules, useSetRuleEnabled } from "../api/rules";
import { RULE_KINDS, cooldownSecs, describeRule, formatCooldown, initialDraft, paramsFromDraft, ruleKindLabel, ruleKinds, type Names, type ParamField } from "../kinds";

function ParamInput({ field, value, error, onChange, names }: { field: ParamField; value: string; error?: string; onChange: (v: string) => void; names: Names }) {
  const id = `rule-param-${field.key}`;
  if (field.type === "account" || field.type === "portfolio") {
    const options = [...(field.type === "account" ? names.accounts : names.portfolios)];
    return (
      <Field label={field.label} htmlFor={id} error={error}>
        <Select id={id} value={value} onChange={(e) => onChange(e.target.value)} invalid={!!error}>
          <option value="">{field.every ?? `Pick ${field.type === "account" ? "an" : "a"} ${field.type}`}</option>
          {options.map(([oid, name]) => (
            <option key={oid} value={oid}>
              {name}
            </option>
          ))}
        </Select>
      </Field>
    );
  }
  return (
    <Field label={field.label} htmlFor={id} error={error} hint={"hint" in field ? field.hint : undefined}>
      <Input id={id} inputMode={field.type === "whole" ? "numeric" : "decimal"} value={value} onChange={(e) => onChange(e.target.value)} invalid={!!error} />
    </Field>
  );
}

function AddRuleForm({ channels, names, onDone }: { channels: AlertChannel[]; names: Names; onDone: () => void }) {
  const create = useCreateRule();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<AlertRuleKind>(ruleKinds[0]);
  const [draft, setDraft] = useState<Record<string, string>>(() => initialDraft(ruleKinds[0]));
  const [picked, setPicked] = useState<string[]>(() => (channels.length === 1 ? [channels[0].id] : []));
  const [cooldown, setCooldown] = useState("60");
  const [local, setLocal] = useState<FieldErrors>({});
  const errors = mergeErrors(local, fieldErrorsOf(create.error));
  const form = RULE_KINDS[kind];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { params, errors: paramErrors } = paramsFromDraft(kind, draft);
    const cool = cooldownSecs(cooldown);
    const found: FieldErrors = {
      ...paramErrors,
      ...(name.trim() ? {} : { name: "Give the rule a name." }),
      ...(picked.length ? {} : { channel_ids: "Pick at least one channel." }),
      ...(cool.error ? { cooldown_secs: cool.error } : {}),
    };
    setLocal(found);
    if (Object.keys(found).length) {
      create.reset();
      return;
    }
    // `params` is an object of the kind's own shape (the OpenAPI document types it as any object).
    create.mutate({ name: name.trim(), kind, params: params as AlertRuleRequest["params"], channel_ids: picked, cooldown_secs: cool.secs, enabled: true }, { onSuccess: onDone });
  };
  const shown = ["name", "kind", "params", "channel_ids", "cooldown_secs"];
  const paramsError = errors.params;
  return (
    <form onSubmit={submit} noValidate aria-label="Add rule" className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" htmlFor="rule-name" error={errorFor(errors, "name")}>
          <Input id="rule-name" value={name} onChange={(e) => setName(e.target.value)} invalid={!!errorFor(errors, "name")} placeholder="Big moves" maxLength={100} />
        </Field>
        <Field label="When" htmlFor="rule-kind" error={errorFor(errors, "kind")} hint={form.explains}>
          <Select
            id="rule-kind"
            value={kind}
            onChange={(e) => {
              const k = e.target.value as AlertRuleKind;
              setKind(k);
              setDraft(initialDraft(k));
              setLocal({});
              create.reset();
            }}
          >
            {ruleKinds.map((k) => (
              <option key={k} value={k}>
                {RULE_KINDS[k].label}
              </option>
            ))}
          </Select>
        </Field>
        {form.fields.map((f) => (
          <ParamInput key={`${kind}-${f.key}`} field={f} value={draft[f.key] ?? ""} error={errors[`params.${f.key}`]} onChange={(v) => setDraft((d) => ({ ...d, [f.key]: v }))} names={names} />
        ))}
        <Field label="Cooldown (minutes)" htmlFor="rule-cooldown" error={errorFor(errors, "cooldown_secs")} hint="After alerting about something, wait this long before alerting about it again.">
          <Input id="rule-cooldown" inputMode="numeric" value={cooldown} onChange={(e) => setCooldown(e.target.value)} invalid={!!errorFor(errors, "cooldown_secs")} />
        </Field>
      </div>
      {paramsError && <FieldError message={paramsError} />}
      <fieldset aria-describedby={errorFor(errors, "channel_ids") ? "rule-channels-error" : undefined}>
        <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Send to</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {channels.map((c) => (
            <label key={c.id} className="flex items-center gap-2 text-sm text-slate-800 dark:text-slate-200">
              <input
                type="checkbox"
                checked={picked.includes(c.id)}
                onChange={(e) => setPicked((p) => (e.target.checked ? [...p, c.id] : p.filter((x) => x !== c.id)))}
              />
              {c.name}
            </label>
          ))}
        </div>
        <FieldError id="rule-channels-error" message={errorFor(errors, "channel_ids")} />
      </fieldset>
      {otherErrors(errors, shown).map((m) => (
        <FieldError key={m} message={m} />
      ))}
      {create.error && Object.keys(fieldErrorsOf(create.error)).length === 0 && <FieldError message={plainMessage(create.error)} />}
      <Button type="submit" busy={create.isPending}>
        Add rule
      </Button>
    </form>
  );
}

function RuleRow({ rule, names, channels, onDelete }: { rule: AlertRule; names: Names; channels: Map<string, string>; onDelete: () => void }) {
  const toggle = useSetRuleEnabled();
  const to = rule.channel_ids.map((id) => channels.get(id) ?? "a deleted channel").join(", ");
  return (
    <li data-testid="rule-row" data-rule={rule.name} className="flex flex-wrap items-start justify-between gap-2 py-3">
      <div className="min-w-0">
        <p className="flex flex-wrap items-center gap-2 font-medium text-slate-900 dark:text-slate-100">
          {rule.name}
          <Badge tone="blue">{ruleKindLabel(rule.kind)}</Badge>
          {rule.enabled ? <Badge tone="green">on</Badge> : <Badge testId="rule-off">off</Badge>}
        </p>
        <p className="text-sm text-slate-700 dark:text-slate-300">{describeRule(rule, names)}</p>
        <p className="text-xs text-slate-500 dark:text-slate-400">
          To {to || "no channel"} · cooldown {formatCooldown(rule.cooldown_secs)}
        </p>
      </div>
      <div className="flex gap-2">
        <Button variant="secondary" busy={toggle.isPending} onClick={() => toggle.mutate({ rule, enabled: !rule.enabled })}>
          {rule.enabled ? "Turn off" : "Turn on"}
        </Button>
        <Button variant="ghost" onClick={onDelete} aria-label={`Delete ${rule.name}`}>
          Delete
        </Button>
      </div>
    </li>
  );
}

export function RulesCard() {
  const rules = useRules();
  const channels = useChannels();
  const accounts = useAccounts();
  const portfolios = usePortfolios();
  const remove = useDeleteRule();
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<AlertRule | null>(null);
  const names: Names = useMemo(
    () => ({
      accounts: new Map((accounts.data ?? []).map((a) => [a.id, a.name])),
      portfolios: new Map((portfolios.data ?? []).map((p) => [p.id, p.name])),
    }),
    [accounts.data, portfolios.data],
  );
  const channelNames = useMemo(() => new Map((channels.data ?? []).map((c) => [c.id, c.name])), [channels.data]);
  const noChannel = channels.data !== undefined && channels.data.length === 0;
  return (
    <Card
      title="Rules"
      actions={
        <Button variant={adding ? "ghost" : "primary"} disabled={noChannel} title={noChannel ? "Add a channel first" : undefined} onClick={() => setAdding((a) => !a)}>
          {adding ? "Close" : "Add rule"}
        </Button>
      }
    >
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">What to be told about. A rule alerts once when its condition starts to hold, and again when it clears.</p>
      {adding && channels.data && (
        <div className="mb-4 rounded-lg border border-slate-200 p-4 dark:border-slate-700">
          <AddRuleForm channels={channels.data} names={names} onDone={() => setAdding(false)} />
        </div>
      )}
      <QueryState
        query={rules}
        isEmpty={(l) => l.length === 0}
        empty={<EmptyState title="No rules yet">{noChannel ? "Add a channel first, then a rule that sends to it." : "Add one to be told when something needs you."}</EmptyState>}
      >
        {(list) => (
          <ul className="divide-y divide-slate-200 dark:divide-slate-800">
            {list.map((r) => (
              <RuleRow key={r.id} rule={r} names={names} channels={channelNames} onDelete={() => setDeleting(r)} />
            ))}
          </ul>
        )}
      </QueryState>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete ${deleting?.name ?? "the rule"}?`}
        confirmLabel="Delete rule"
        busy={remove.isPending}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSettled: () => setDeleting(null) })}
      >
        Its alerts stay in the history.
      </ConfirmDialog>
    </Card>
  );
}
