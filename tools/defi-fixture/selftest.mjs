#!/usr/bin/env node
// Self-test of the DeFi fixture against fresh anvil nodes (each on a free 127.0.0.1 port, killed afterwards):
// scenario + the exact oracle values, one year of interest, static oracles change no state, every single command,
// bench, and --dump-state / --load-state. Prints timings; exits non-zero on the first failed check.
//
//   node tools/defi-fixture/selftest.mjs [--loops N] [--skip-bench] [--skip-dump]
//
// anvil: $ANVIL_BIN, else <repo>/.tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil (scripts/install-anvil.sh),
// else anvil on PATH.

import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const FIXTURE = join(here, 'fixture.mjs');
const USER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const YEAR = 365 * 24 * 3600;

const argv = process.argv.slice(2);
const loops = Number(argv.includes('--loops') ? argv[argv.indexOf('--loops') + 1] : 1);
const skipBench = argv.includes('--skip-bench');
const skipDump = argv.includes('--skip-dump');

function anvilBin() {
  if (process.env.ANVIL_BIN) return process.env.ANVIL_BIN;
  const p = join(repo, '.tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil');
  return existsSync(p) ? p : 'anvil';
}

const log = (...xs) => process.stderr.write(xs.join(' ') + '\n');
let checks = 0;
function check(cond, what) {
  checks++;
  if (!cond) throw new Error(`CHECK FAILED: ${what}`);
}
const near = (a, b, tol) => {
  const d = BigInt(a) - BigInt(b);
  return (d < 0n ? -d : d) <= BigInt(tol);
};

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function rpc(url, method, params = []) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const j = await r.json();
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
}

async function startAnvil(extra = []) {
  const port = await freePort();
  const child = spawn(anvilBin(), ['--host', '127.0.0.1', '--port', String(port), '--silent', ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    try {
      await rpc(url, 'eth_chainId');
      break;
    } catch {
      if (Date.now() - started > 20_000) throw new Error('anvil did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    readyMs: Date.now() - started,
    stop: () =>
      new Promise((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM'); // graceful: --dump-state writes on exit
      }),
  };
}

function fx(url, command, args = {}) {
  const started = Date.now();
  return new Promise((res, rej) => {
    execFile(process.execPath, [FIXTURE, command, '--rpc', url, '--args', JSON.stringify(args)], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return rej(new Error(`${command} failed (exit ${err.code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      const lines = stdout.trim().split('\n');
      check(lines.length === 1, `${command} prints exactly one line on stdout`);
      const out = JSON.parse(lines[0]);
      out.__ms = Date.now() - started;
      res(out);
    });
  });
}

async function scenarioChecks(timings) {
  const a = await startAnvil();
  try {
    const sc = await fx(a.url, 'scenario');
    timings.scenario.push(sc.__ms);
    timings.deploy.push(Number(sc.deploy.elapsed_ms));
    check(sc.deploy.uniswap.init_code_hash_matches === true, 'factory pools use the canonical init code hash');
    check(sc.pool.create2_matches === true, 'pool address = CREATE2 with the canonical hash');
    check(sc.user === USER, 'default user is anvil account 1');
    const [weth, usdc] = sc.deploy.aave.reserves;
    check(weth.symbol === 'WETH' && weth.decimals === '18' && usdc.symbol === 'USDC' && usdc.decimals === '6', 'reserves WETH(18), USDC(6)');

    const o = await fx(a.url, 'aave-oracle', { user: USER });
    const ad = o.account_data;
    check(ad.total_collateral_base === '2025000000000', `collateral 20250 USD (got ${ad.total_collateral_base})`);
    check(ad.total_debt_base === '500000000000', 'debt 5000 USD');
    check(ad.available_borrows_base === '1119190000000', 'available borrows 11191.9 USD');
    check(ad.current_liquidation_threshold === '8246' && ad.ltv === '7996', 'LT 8246, LTV 7996');
    check(ad.health_factor === '3339630000000000000', `HF 3.33963 (got ${ad.health_factor})`);
    const rw = o.reserves.find((r) => r.asset === weth.asset);
    const ru = o.reserves.find((r) => r.asset === usdc.asset);
    check(rw.a_token_balance === '10000000000000000000' && rw.variable_debt_balance === '0' && rw.collateral, 'WETH: 10 supplied as collateral');
    check(ru.a_token_balance === '250000000' && ru.variable_debt_balance === '5000000000' && ru.stable_debt_balance === '0', 'USDC: 250 supplied, 5000 variable debt');

    const blockBefore = await rpc(a.url, 'eth_blockNumber');
    const pos = {};
    for (const p of sc.positions) pos[p.expected] = await fx(a.url, 'uniswap-oracle', { owner: USER, token_id: p.token_id });
    await fx(a.url, 'aave-oracle', { user: USER });
    check((await rpc(a.url, 'eth_blockNumber')) === blockBefore, 'oracles change no state (no block mined)');
    const usdcIs0 = sc.pool.token0 === usdc.asset;
    const { in_range: ir, above, below } = pos;
    check(ir.in_range && BigInt(ir.amount0) > 0n && BigInt(ir.amount1) > 0n, 'in-range position holds both tokens');
    check(BigInt(usdcIs0 ? ir.fees0 : ir.fees1) > 0n && BigInt(usdcIs0 ? ir.fees1 : ir.fees0) === 0n, 'in-range position earned fees in the swap input (USDC) only');
    check(!above.in_range && BigInt(above.amount0) > 0n && above.amount1 === '0' && above.fees0 === '0' && above.fees1 === '0', 'range above: token0 only, no fees');
    check(!below.in_range && below.amount0 === '0' && BigInt(below.amount1) > 0n && below.fees0 === '0' && below.fees1 === '0', 'range below: token1 only, no fees');

    await rpc(a.url, 'evm_increaseTime', [YEAR]);
    await rpc(a.url, 'evm_mine', []);
    const y = await fx(a.url, 'aave-oracle', { user: USER });
    const yu = y.reserves.find((r) => r.asset === usdc.asset);
    check(near(yu.a_token_balance, '250000312', 2), `USDC supplied after a year ~250.000312 (got ${yu.a_token_balance})`);
    check(near(yu.variable_debt_balance, '5001249844', 2), `USDC debt after a year ~5001.249844 (got ${yu.variable_debt_balance})`);
    check(near(y.account_data.health_factor, '3338795456762227694', 10n ** 12n), `HF after a year ~3.3387954 (got ${y.account_data.health_factor})`);

    // The single commands on the same node.
    const other = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';
    await fx(a.url, 'aave-position', {
      user: other,
      supply: [
        { asset: weth.asset, amount: '1000000000000000000' },
        { asset: usdc.asset, amount: '100000000' },
      ],
      collateral_off: [usdc.asset],
      borrow: [{ asset: usdc.asset, amount: '500000000' }],
    });
    const oo = await fx(a.url, 'aave-oracle', { user: other });
    const oou = oo.reserves.find((r) => r.asset === usdc.asset);
    check(oou.collateral === false && oou.a_token_balance === '100000000' && oou.variable_debt_balance === '500000000', 'collateral_off: USDC supplied but not collateral');
    check(oo.account_data.total_collateral_base === '200000000000', 'collateral = the WETH only');
    const np = await fx(a.url, 'uniswap-pool', { token_a: usdc.asset, token_b: weth.asset, fee: 500, sqrt_price_x96: sc.pool.sqrt_price_x96 });
    check(np.tick_spacing === '10' && np.create2_matches, 'uniswap-pool 0.05%');
    const t = Number(np.tick);
    const lo = Math.floor(t / 10) * 10 - 1000;
    const m = await fx(a.url, 'uniswap-mint', { owner: other, token_a: usdc.asset, token_b: weth.asset, fee: 500, tick_lower: lo, tick_upper: lo + 2000, amount_a: '5000000000', amount_b: '2000000000000000000' });
    check(BigInt(m.liquidity) > 0n && BigInt(m.amount0) > 0n && BigInt(m.amount1) > 0n, 'uniswap-mint in range');
    const s = await fx(a.url, 'uniswap-swap', { from: other, token_in: weth.asset, token_out: usdc.asset, fee: 500, amount_in: '100000000000000000' });
    check(BigInt(s.amount_out) > 0n, 'uniswap-swap');
    const mo = await fx(a.url, 'uniswap-oracle', { owner: other, token_id: m.token_id });
    const wethIs0 = mo.token0 === weth.asset;
    check(BigInt(wethIs0 ? mo.fees0 : mo.fees1) > 0n, 'fees in WETH after the WETH->USDC swap');
    let failed = false;
    try {
      await fx(a.url, 'aave-position', { user: other, borrow: [{ asset: usdc.asset, amount: '900000000000' }] });
    } catch (e) {
      failed = /COLLATERAL_CANNOT_COVER_NEW_BORROW/.test(e.message);
    }
    check(failed, 'an over-borrow fails with a readable Aave reason and a non-zero exit');
  } finally {
    await a.stop();
  }
}

async function benchChecks(timings) {
  const a = await startAnvil();
  try {
    const b = await fx(a.url, 'bench', { user: USER, reserves: 20, positions: 10 });
    timings.bench.push(b.__ms);
    timings.deploy20.push(Number(b.deploy.elapsed_ms));
    check(b.deploy.aave.reserves.length === 20, '20 reserves');
    const o = await fx(a.url, 'aave-oracle', { user: USER });
    check(o.reserves.length === 20 && o.reserves.every((r) => BigInt(r.a_token_balance) > 0n && r.collateral), 'user supplied in all 20 reserves as collateral');
    check(o.reserves.filter((r) => BigInt(r.variable_debt_balance) > 0n).length === 3, 'user borrowed in 3 reserves');
    check(o.account_data.total_debt_base === '500000000000', 'bench debt 5000 USD');
    const started = Date.now();
    for (const p of b.positions) {
      const u = await fx(a.url, 'uniswap-oracle', { owner: USER, token_id: p.token_id });
      check(u.in_range === (p.expected === 'in_range'), `position ${p.token_id} ${p.expected}`);
      if (p.expected === 'above') check(u.amount1 === '0' && BigInt(u.amount0) > 0n, `position ${p.token_id} above: token0 only`);
      if (p.expected === 'below') check(u.amount0 === '0' && BigInt(u.amount1) > 0n, `position ${p.token_id} below: token1 only`);
    }
    timings.uniswap_oracle_each.push(Math.round((Date.now() - started) / b.positions.length));
  } finally {
    await a.stop();
  }
}

async function dumpChecks(timings) {
  const dir = mkdtempSync(join(tmpdir(), 'defi-fixture-'));
  const state = join(dir, 'state.json');
  try {
    const a = await startAnvil(['--dump-state', state]);
    let before;
    try {
      await fx(a.url, 'scenario');
      before = { aave: await fx(a.url, 'aave-oracle', { user: USER }), uni: await fx(a.url, 'uniswap-oracle', { owner: USER, token_id: '1' }) };
    } finally {
      await a.stop();
    }
    check(existsSync(state), '--dump-state wrote the state on SIGTERM');
    timings.dump_bytes = statSync(state).size;
    const b = await startAnvil(['--load-state', state]);
    timings.load_ready_ms.push(b.readyMs);
    try {
      const after = { aave: await fx(b.url, 'aave-oracle', { user: USER }), uni: await fx(b.url, 'uniswap-oracle', { owner: USER, token_id: '1' }) };
      for (const k of ['aave', 'uni']) {
        delete before[k].__ms;
        delete after[k].__ms;
      }
      check(JSON.stringify(before) === JSON.stringify(after), 'oracles answer the same after --load-state');
      const s = await fx(b.url, 'uniswap-swap', { token_in: before.uni.token1, token_out: before.uni.token0, fee: 3000, amount_in: '1000000' });
      check(BigInt(s.amount_out) > 0n, 'transactions work on the loaded state (registry found)');
    } finally {
      await b.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const timings = { deploy: [], scenario: [], deploy20: [], bench: [], uniswap_oracle_each: [], load_ready_ms: [] };
const started = Date.now();
try {
  for (let i = 0; i < loops; i++) {
    log(`loop ${i + 1}/${loops}: scenario`);
    await scenarioChecks(timings);
    if (!skipBench) {
      log(`loop ${i + 1}/${loops}: bench`);
      await benchChecks(timings);
    }
    if (!skipDump) {
      log(`loop ${i + 1}/${loops}: dump/load state`);
      await dumpChecks(timings);
    }
  }
} catch (e) {
  log(e.message);
  process.exit(1);
}
process.stdout.write(JSON.stringify({ ok: true, checks, loops, timings, total_ms: Date.now() - started }) + '\n');
