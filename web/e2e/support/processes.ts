import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  stop: () => Promise<void>;
}

/** Starts a process in its own group with output to test-results/logs/<name>.log. */
export function startProcess(name: string, cmd: string, args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; logDir: string }): Managed {
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = join(opts.logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: "w" });
  const child = spawn(cmd, args, { cwd: opts.cwd, env: (opts.env ?? process.env) as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.on("error", (e) => log.write(`\n[spawn error] ${e.message}\n`));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  return { name, child, logFile, stop };
}

export function assertRunning(p: Managed) {
  if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}; see ${p.logFile}`);
}
