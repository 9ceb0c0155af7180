"use client";

import { useState, type FormEvent } from "react";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, Field, FieldError, Input, Select, cx } from "@/components/ui";
import { errorFor, fieldErrorsOf, mergeErrors, otherErrors, type FieldErrors } from "@/lib/api/field-errors";
import { plainMessage } from "@/lib/api/messages";
import type { AlertChannel, AlertChannelKind, CreatedAlertChannel } from "@/lib/api/types";
import { formatDateTime, timeAgo } from "@/lib/time";
import { collect } from "@/lib/validate";
import { useChannels, useCreateChannel, useDeleteChannel, useTestChannel } from "../api/channels";
import { CHANNEL_KINDS, channelKinds, channelUrl } from "../kinds";
import { testOutcome } from "../words";
import { SecretOnce } from "./SecretOnce";

const FIELDS = ["name", "kind", "url", "token", "private"];

function AddChannelForm({ onCreated }: { onCreated: (c: CreatedAlertChannel) => void }) {
  const create = useCreateChannel();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<AlertChannelKind>("webhook");
  const [url, setUrl] = useState("");
  const [token, setToken] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const [local, setLocal] = useState<FieldErrors>({});
  const errors = mergeErrors(local, fieldErrorsOf(create.error));
  const form = CHANNEL_KINDS[kind];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = collect([
      ["name", name.trim() ? undefined : "Give the channel a name."],
      ["url", url.trim() ? undefined : `Enter the ${form.urlLabel.toLowerCase()}.`],
    ]);
    setLocal(found);
    if (Object.keys(found).length) {
      create.reset();
      return;
    }
    create.mutate(
      { name: name.trim(), kind, url: channelUrl(kind, url), private: isPrivate, token: form.token && token.trim() ? token.trim() : undefined },
      {
        onSuccess: (c) => {
          onCreated(c);
          setName("");
          setUrl("");
          setToken("");
          setPrivate(false);
        },
      },
    );
  };
  const rest = otherErrors(errors, FIELDS);
  return (
    <form onSubmit={submit} noValidate aria-label="Add channel" className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" htmlFor="channel-name" error={errorFor(errors, "name")}>
          <Input id="channel-name" value={name} onChange={(e) => setName(e.target.value)} invalid={!!errorFor(errors, "name")} placeholder="My phone" maxLength={100} />
        </Field>
        <Field label="Kind" htmlFor="channel-kind" error={errorFor(errors, "kind")}>
          <Select id="channel-kind" value={kind} onChange={(e) => setKind(e.target.value as AlertChannelKind)} invalid={!!errorFor(errors, "kind")}>
            {channelKinds.map((k) => (
              <option key={k} value={k}>
                {CHANNEL_KINDS[k].label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={form.urlLabel} htmlFor="channel-url" error={errorFor(errors, "url")} hint={form.hint} className="sm:col-span-2">
          <Input id="channel-url" value={url} onChange={(e) => setUrl(e.target.value)} invalid={!!errorFor(errors, "url")} placeholder={form.placeholder} className="font-mono" />
        </Field>
        {form.token && (
          <Field label="Access token" htmlFor="channel-token" error={errorFor(errors, "token")} hint="Optional; stored encrypted and never shown again.">
            <Input id="channel-token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} invalid={!!errorFor(errors, "token")} />
          </Field>
        )}
      </div>
      <label className="flex items-start gap-2 text-sm text-slate-700 dark:text-slate-300">
        <input type="checkbox" className="mt-0.5" checked={isPrivate} onChange={(e) => setPrivate(e.target.checked)} />
        <span>
          Private: alerts sent here may carry holdings details (quantities and values). Leave it off for anything others can read.
        </span>
      </label>
      {rest.map((m) => (
        <FieldError key={m} message={m} />
      ))}
      {create.error && Object.keys(fieldErrorsOf(create.error)).length === 0 && <FieldError message={plainMessage(create.error)} />}
      <Button type="submit" busy={create.isPending}>
        Add channel
      </Button>
    </form>
  );
}

function ChannelStatus({ channel }: { channel: AlertChannel }) {
  if (channel.status !== "failing") return <Badge tone="green">ok</Badge>;
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <Badge tone="red" testId="channel-failing" title={channel.last_error ?? undefined}>
        failing
      </Badge>
      <span className="text-xs text-rose-700 dark:text-rose-400">
        since {timeAgo(channel.failing_since)}
        {channel.last_error ? `: ${channel.last_error}` : ""}. Nothing is sent until a test succeeds or you edit it.
      </span>
    </span>
  );
}

function ChannelRow({ channel, onDelete }: { channel: AlertChannel; onDelete: () => void }) {
  const test = useTestChannel();
  const outcome = test.data ? testOutcome(test.data) : test.error ? `Could not send the test: ${plainMessage(test.error)}` : null;
  return (
    <li data-testid="channel-row" data-channel={channel.name} className="py-3">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2 font-medium text-slate-900 dark:text-slate-100">
            {channel.name}
            <Badge tone="blue">{CHANNEL_KINDS[channel.kind]?.label ?? channel.kind}</Badge>
            {channel.private ? <Badge tone="amber">private</Badge> : <Badge>not private</Badge>}
            <ChannelStatus channel={channel} />
          </p>
          <p className="mt-0.5 break-all font-mono text-xs text-slate-500 dark:text-slate-400">{channel.url}</p>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            Added <time dateTime={channel.created_at} title={formatDateTime(channel.created_at)}>{timeAgo(channel.created_at)}</time>
          </p>
        </div>
        <div className="flex gap-2">
          <Button variant="secondary" busy={test.isPending} onClick={() => test.mutate(channel.id)}>
            Send a test
          </Button>
          <Button variant="ghost" onClick={onDelete} aria-label={`Delete ${channel.name}`}>
            Delete
          </Button>
        </div>
      </div>
      {outcome && (
        <p
          role="status"
          data-testid="test-outcome"
          data-delivered={test.data ? String(test.data.delivered) : "false"}
          className={cx("mt-2 text-sm", test.data?.delivered ? "text-emerald-700 dark:text-emerald-400" : "text-rose-700 dark:text-rose-400")}
        >
          {outcome}
        </p>
      )}
    </li>
  );
}

export function ChannelsCard() {
  const channels = useChannels();
  const remove = useDeleteChannel();
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<CreatedAlertChannel | null>(null);
  const [deleting, setDeleting] = useState<AlertChannel | null>(null);
  return (
    <Card
      title="Channels"
      actions={
        <Button variant={adding ? "ghost" : "primary"} onClick={() => setAdding((a) => !a)}>
          {adding ? "Close" : "Add channel"}
        </Button>
      }
    >
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">Where alerts go: a webhook, an ntfy topic or an e-mail address.</p>
      {created?.secret && <SecretOnce channelName={created.name} secret={created.secret} onDone={() => setCreated(null)} />}
      {adding && (
        <div className="mb-4 rounded-lg border border-slate-200 p-4 dark:border-slate-700">
          <AddChannelForm
            onCreated={(c) => {
              setCreated(c);
              setAdding(false);
            }}
          />
        </div>
      )}
      <QueryState query={channels} isEmpty={(l) => l.length === 0} empty={<EmptyState title="No channels yet">Add one to receive alerts.</EmptyState>}>
        {(list) => (
          <ul className="divide-y divide-slate-200 dark:divide-slate-800">
            {list.map((c) => (
              <ChannelRow key={c.id} channel={c} onDelete={() => setDeleting(c)} />
            ))}
          </ul>
        )}
      </QueryState>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete ${deleting?.name ?? "the channel"}?`}
        confirmLabel="Delete channel"
        busy={remove.isPending}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSettled: () => setDeleting(null) })}
      >
        Rules keep their other channels; its delivery history goes with it.
      </ConfirmDialog>
    </Card>
  );
}
